"""Parsing that keeps pace with typing: a file is cut into its top-level declarations, each parsed
on its own and remembered, so an edit reparses the declaration it touched and nothing else.

A cut falls where a line starts with a declaration keyword outside any `{ }` (the same places the
parser resynchronises after an error), moved up over the comment and blank lines just above it,
so the comments that lead a declaration travel with it. Each piece is parsed as if it were a
file starting at line 1, and its spans (and diagnostics) are then moved to where it sits; a piece
seen before at another place (an edit above it moved it) is moved, not reparsed.

Whenever a piece has a syntax error, or the file has no declaration to cut at, the whole text is
parsed as `rspdsl check` parses it, so syntax diagnostics are always exactly the full parser's.
Names and types are always checked on the whole module (resolve), as `rspdsl check` does.
"""
from __future__ import annotations

import dataclasses
import gc
import re
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic
from ..source import Location, SourceFile, Span
from ..syntax import ast
from ..syntax.parser import DECL_KEYWORDS

_DECL_LINE = re.compile(r"[ \t]*(?:{})\b(?!-)".format("|".join(DECL_KEYWORDS)))
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


@dataclass(frozen=True)
class Piece:
    text: str
    line: int    # 1-based line of its first character
    pos: int     # offset of its first character


def cut(text: str) -> list[Piece]:
    """The file as consecutive pieces, each holding one top-level declaration (and the comments
    above it); [] when no line starts a declaration."""
    lines = text.split("\n")
    starts: list[int] = []           # line indices where a declaration starts at depth 0
    depth = 0
    for i, line in enumerate(lines):
        if depth == 0 and _DECL_LINE.match(line):
            starts.append(i)
        code = _STRING_OR_COMMENT.sub("", line)
        depth = max(0, depth + code.count("{") - code.count("}"))
    if not starts:
        return []
    cuts = []
    for k, i in enumerate(starts):
        floor = starts[k - 1] + 1 if k else 0
        while i > floor and (not lines[i - 1].strip() or lines[i - 1].lstrip().startswith("#")):
            i -= 1
        cuts.append(0 if k == 0 else i)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    pieces = []
    for k, start in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else len(lines)
        begin, finish = offsets[start], (offsets[end] if end < len(lines) else len(text))
        pieces.append(Piece(text[begin:finish], start + 1, begin))
    return pieces


# ---------------------------------------------------------------- moving spans

def _moved_span(span: Span, lines: int, chars: int) -> Span:
    return Span(span.line + lines, span.column, span.end_line + lines, span.end_column,
                span.start_pos + chars, span.end_pos + chars)


_SCALARS = (str, int, bool, float, type(None), frozenset)
_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _NODE_FIELDS.get(cls)
    if names is None:
        names = _NODE_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name != "comments")
    return names


def moved(obj: Any, lines: int, chars: int) -> Any:
    """`obj` (an AST node, or tuples of them) with every span moved down `lines` lines and on
    `chars` characters; columns stay (a piece starts at the start of a line). Hot: an edit moves
    every declaration below it, so this copies nodes directly instead of dataclasses.replace."""
    if lines == 0 and chars == 0:
        return obj
    cls = type(obj)
    if cls is Span:
        return _moved_span(obj, lines, chars)
    if cls is tuple:
        return tuple([moved(x, lines, chars) for x in obj])
    if isinstance(obj, _SCALARS) or not dataclasses.is_dataclass(obj) or cls is ast.Comments:
        return obj
    values = obj.__dict__
    copy = object.__new__(cls)
    state = copy.__dict__
    state.update(values)
    for name in _fields(cls):
        value = values[name]
        if not isinstance(value, _SCALARS):
            state[name] = moved(value, lines, chars)
    return copy


# ---------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Parsed:
    """One piece, parsed as a file of its own (spans from line 1, offset 0)."""
    declarations: tuple[ast.Decl, ...]
    trailing_comments: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    syntax_error: bool


def _parse_piece(text: str, path: str) -> Parsed:
    from ..syntax.lower import lower
    from ..syntax.parser import parse_tree

    source = SourceFile(path, text)
    tree, diags = parse_tree(source)
    if tree is None:
        return Parsed((), (), tuple(diags), True)
    module, lower_diags = lower(source, tree)
    return Parsed(module.declarations, module.trailing_comments, tuple(lower_diags), False)


class IncrementalParser:
    """Remembers the pieces of the last text it parsed (and only those: memory stays bounded)."""

    def __init__(self) -> None:
        self._seen: dict[str, Parsed] = {}

    def parse(self, text: str, path: str) -> tuple[SourceFile, ast.Module | None, list[Diagnostic]] | None:
        """(source, module, diagnostics) as frontend.parse_text gives them, or None when the
        caller must parse the whole text (no piece, or a syntax error somewhere)."""
        from ..syntax.parser import recursion_headroom

        pieces = cut(text)
        if not pieces:
            return None
        seen: dict[str, Parsed] = {}
        decls: list[ast.Decl] = []
        diags: list[Diagnostic] = []
        trailing: tuple[str, ...] = ()
        was_enabled = gc.isenabled()
        gc.disable()   # as the front end does while building trees: no cycles, millions of objects
        try:
            with recursion_headroom():
                for piece in pieces:
                    parsed = seen.get(piece.text) or self._seen.get(piece.text) or _parse_piece(piece.text, path)
                    seen[piece.text] = parsed
                    if parsed.syntax_error:
                        self._seen = seen
                        return None
                    decls.extend(moved(parsed.declarations, piece.line - 1, piece.pos))
                    diags.extend(_moved_diagnostic(d, piece.line - 1, piece.pos) for d in parsed.diagnostics)
                    trailing = parsed.trailing_comments
        finally:
            if was_enabled:
                gc.enable()
        self._seen = seen
        source = SourceFile(path, text)
        end = source.span_at(len(text))
        module = ast.Module(tuple(decls), trailing, Span(1, 1, end.line, end.column, 0, len(text)))
        return source, module, diags


def _moved_diagnostic(d: Diagnostic, lines: int, chars: int) -> Diagnostic:
    if lines == 0 and chars == 0:
        return d
    related = tuple(Location(_moved_span(r.span, lines, chars), r.message) for r in d.related)
    return dataclasses.replace(d, span=_moved_span(d.span, lines, chars), related=related)
