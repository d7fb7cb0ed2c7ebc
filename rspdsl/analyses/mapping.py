"""Mapping files: how a regulator's baseline names connect to a submitted policy's entities.

One line per binding, `baseline_name = expression over the policy's names` (or `free`), with `#`
comments. Each expression is parsed by the policy grammar itself (as the body of an assertion)
and its spans are shifted back, so every error points at MAPFILE:line:col.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..diagnostics import CODES, Diagnostic, Severity
from ..source import NO_SPAN, SourceFile, Span
from ..syntax import ast

_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)\s*=(?!=)\s*(.*?)\s*$")
_WRAP = "assert m: "   # a mapping expression is parsed as the body of an assertion
FREE = "free"          # `name = free`: the policy does not model it; the baseline's range, unconstrained


def _error(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    assert code in CODES, code
    return Diagnostic(code, Severity.ERROR, message, span, hint)


@dataclass(frozen=True)
class MapEntry:
    name: str
    expr: ast.Expr | None   # spans point into the mapping file; None for `free`
    name_span: Span
    text: str               # the expression as written
    expr_span: Span = NO_SPAN

    @property
    def free(self) -> bool:
        return self.expr is None


@dataclass(frozen=True)
class Mapping:
    source: SourceFile
    entries: dict[str, MapEntry]
    broken: frozenset[str] = frozenset()   # names whose line has an error (reported already)


def _shift_span(span: Span, line: int, column_delta: int, pos_delta: int) -> Span:
    return Span(line, span.column + column_delta, line, span.end_column + column_delta,
                span.start_pos + pos_delta, span.end_pos + pos_delta)


def _shift(node: Any, move: Callable[[Span], Span]) -> Any:
    """A copy of an AST expression with every span moved (the wrapper text -> the mapping file)."""
    if isinstance(node, Span):
        return move(node)
    if isinstance(node, tuple):
        return tuple(_shift(n, move) for n in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _shift(getattr(node, f.name), move) for f in dataclasses.fields(node)}
        return dataclasses.replace(node, **changes)
    return node


def parse_expression(source: SourceFile, line: int, column: int, text: str, pos: int
                     ) -> tuple[ast.Expr | None, list[Diagnostic]]:
    """Parse `text`, which sits at (line, column) and character offset `pos` of `source`.

    The existing parser reads it as the body of `assert m: ...`; spans are then moved back to
    where the text is in `source`, so diagnostics point at the mapping file. Lowering and moving
    spans recurse along a chain of operands: they run with the parser's recursion headroom, as
    loading a policy does, so any expression the parser accepts is read.
    """
    from ..syntax.lower import lower
    from ..syntax.parser import parse_tree, recursion_headroom

    wrapped = SourceFile(source.path, _WRAP + text)
    delta_col = column - 1 - len(_WRAP)
    delta_pos = pos - len(_WRAP)

    def move(span: Span) -> Span:
        return _shift_span(span, line, delta_col, delta_pos)

    tree, diags = parse_tree(wrapped)
    if tree is None:
        end = len(text)
        last = Span(line, column + end - 1, line, column + end, pos + end - 1, pos + end)
        return None, [dataclasses.replace(d, span=last, message="the expression ends too early")
                      if d.code == "E0013" else dataclasses.replace(d, span=move(d.span)) for d in diags]
    with recursion_headroom():
        module, diags = lower(wrapped, tree)
        moved = [dataclasses.replace(d, span=move(d.span)) for d in diags]
        decls = module.declarations
        if len(decls) != 1 or not isinstance(decls[0], ast.AssertDecl) or any(d.is_error for d in moved):
            span = Span(line, column, line, column + max(len(text), 1), pos, pos + len(text))
            return None, moved or [_error("E0011", "this is not one expression", span)]
        return _shift(decls[0].body, move), moved


def parse_mapping(source: SourceFile) -> tuple[Mapping, list[Diagnostic]]:
    """Read `name = expression` lines (`#` comments, blank lines ignored); every problem reported."""
    entries: dict[str, MapEntry] = {}
    broken: set[str] = set()
    diags: list[Diagnostic] = []
    offset = 0
    for number, raw in enumerate(source.text.split("\n"), start=1):
        line_start = offset
        offset += len(raw) + 1
        content = raw.split("#", 1)[0]   # expressions hold no strings, so `#` always starts a comment
        if not content.strip():
            continue
        m = _LINE.match(content)
        if m is None:
            col = len(content) - len(content.lstrip()) + 1
            width = len(content.strip())
            diags.append(_error("E0701", "expected `baseline_name = expression`",
                                Span(number, col, number, col + width, line_start + col - 1,
                                     line_start + col - 1 + width),
                                hint="one mapping per line, e.g. `adversarial_testing = asl3_red_teaming`"))
            continue
        name, expr_text = m.group(2), m.group(3)
        name_col = len(m.group(1)) + 1
        name_span = Span(number, name_col, number, name_col + len(name), line_start + name_col - 1,
                         line_start + name_col - 1 + len(name))
        expr_col = m.start(3) + 1
        if not expr_text:
            diags.append(_error("E0701", f"`{name} =` needs an expression", name_span,
                                hint="write what the name means in the policy, e.g. `deploy = deploy_external`"))
            broken.add(name)
            continue
        start = line_start + expr_col - 1
        expr_span = Span(number, expr_col, number, expr_col + len(expr_text), start, start + len(expr_text))
        more: list[Diagnostic] = []
        if expr_text == FREE:
            expr = None
        else:
            expr, more = parse_expression(source, number, expr_col, expr_text, start)
            if expr is None:
                broken.add(name)
        diags += more
        if name in entries:
            first = entries[name].name_span
            diags.append(_error("E0702", f"`{name}` is mapped twice (first on line {first.line})", name_span,
                                hint="keep one line per baseline name"))
            continue
        if name not in broken:
            entries[name] = MapEntry(name, expr, name_span, expr_text, expr_span)
    return Mapping(source, entries, frozenset(broken)), diags


def load_mapping(path: str) -> tuple[Mapping | None, list[Diagnostic]]:
    from ..frontend import read_source

    text, problem = read_source(path)
    if problem is not None or text is None:
        return None, [problem] if problem is not None else []
    return parse_mapping(SourceFile(path, text))


# ======================================================================== the baseline itself
