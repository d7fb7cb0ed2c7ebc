"""Text to Lark parse tree, with syntax diagnostics; then lowered to the AST by lower.py.

The parser is Lark's LALR parser for grammar/rsp.lark (shipped as package data), built once per
process; its tables are cached in a private per-user directory (see `_table_cache`), so a run
loads them in ~6 ms instead of building them in ~75 ms.
Syntax errors are reported for every broken declaration: after an error the declaration
that holds it is blanked out (newlines kept, so positions stay true) and parsing resumes.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from typing import cast

from ..diagnostics import Diagnostic, error
from ..source import SourceFile, Span

MAX_DEPTH = 200          # nesting bound (parentheses, not, calls); deeper input gets E0014
MAX_PATH = 2000          # bound on nesting plus chained operands (`a or b or ...`) along one path
RECURSION_HEADROOM = 4 * MAX_PATH + 2000  # frames the tree walkers may need for a bounded tree
MAX_SYNTAX_ERRORS = 25   # after this many, stop resyncing

DECL_KEYWORDS = ("policy", "scale", "metric", "control", "judgement", "safeguard", "action",
                 "threshold", "tier", "permit", "forbid", "require", "assert",
                 "event", "authority", "duty", "recommend", "waive", "accept")
KEYWORDS = frozenset(DECL_KEYWORDS + (
    "version", "for", "when", "and", "or", "not", "implies", "true", "false", "allowed", "max",
    "min", "in", "unit", "default", "deny", "reassuring",
    # language v2 (language-v2.md §2); `recommend` and `waive` are reserved for its §4
    "cumulative", "set", "at", "internal", "external", "by", "within", "days", "after", "every",
    "while", "done", "days_since", "overdue"))

_TOKEN_NAMES = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "CMP_OP": "a comparison",
    "PLUS": "`+`", "MUL_OP": "`*` or `/`", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`", "COMMA": "`,`", "COLON": "`:`",
    "MINUS": "`-`", "$END": "the end of the file",
}


def grammar_path() -> Path:
    """The grammar inside an installed wheel (rspdsl/grammar/) or in a checkout (grammar/)."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "grammar" / "rsp.lark", package_dir.parent / "grammar" / "rsp.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("rspdsl grammar rsp.lark not found next to the package")


# The options rspdsl/syntax/lower.py depends on: positions on every node, no None placeholders.
OPTIONS = {"parser": "lalr", "lexer": "basic", "propagate_positions": True, "maybe_placeholders": False}


def table_cache_dir() -> Path:
    """Where the parser tables are cached: $XDG_CACHE_HOME/rspdsl/parser or ~/.cache/rspdsl/parser."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rspdsl" / "parser"


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else: Lark reads its cache with pickle, so a
    file someone else could write must never be loaded (Lark's own `cache=True` uses a shared,
    predictable temporary path; rspdsl never does)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: per-user profile directories
        return True
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _table_cache(grammar: str) -> str | None:
    """The cache file for these tables, or None (build in memory) when no private place exists.
    The name carries the grammar, options and Lark version; Lark checks them again when loading
    and rebuilds (and rewrites) a file that does not match or cannot be read."""
    import lark

    folder = table_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    if not _private(folder):
        return None
    digest = hashlib.sha256(f"{lark.__version__}\0{sorted(OPTIONS.items())}\0{grammar}".encode()).hexdigest()
    path = folder / f"rsp-{digest[:24]}.lark-tables"
    if os.path.lexists(path) and not _private(path):
        return None
    return str(path)


@functools.lru_cache(maxsize=1)
def get_parser():
    """The LALR parser for the packaged grammar, built once per process (tables cached privately)."""
    from lark import Lark

    grammar = grammar_path().read_text(encoding="utf-8")
    cache = _table_cache(grammar)
    if cache is not None:
        try:
            return Lark(grammar, cache=cache, **OPTIONS)
        except OSError:  # the cache could not be written (a full or read-only disk): build in memory
            pass
    return Lark(grammar, **OPTIONS)


def describe_token(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    if name.isupper() and name.lower() in KEYWORDS:
        return f"`{name.lower()}`"
    return name


def _expected_text(expected: set[str]) -> str:
    names = sorted({describe_token(e) for e in expected})
    if len(names) > 8:
        names = names[:8] + ["…"]
    return ", ".join(names)


def parse_tree(source: SourceFile):
    """Parse the text; returns (lark tree or None, syntax diagnostics)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    text = source.text
    diagnostics: list[Diagnostic] = []
    while True:
        try:
            tree = get_parser().parse(text)
        except UnexpectedCharacters as exc:
            # lark declares pos_in_stream as None on its base class; UnexpectedCharacters sets it
            pos = cast(int, exc.pos_in_stream)
            diag = _char_error(source, text, pos)
        except UnexpectedToken as exc:
            at_end = exc.token.type == "$END" or exc.token.start_pos is None
            pos = len(text) if at_end else exc.token.start_pos
            in_tier = _tier_body_error(source, text, exc, pos)
            if in_tier is not None:  # reported once, and recovered from by blanking exactly the culprit
                diag, begin, end = in_tier
                diagnostics.append(diag)
                text = text[:begin] + re.sub(r"[^\n]", " ", text[begin:end]) + text[end:]
                if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                    return None, diagnostics
                continue
            diag = _token_error(source, exc, pos)
        except UnexpectedEOF:  # pragma: no cover - LALR reports EOF as UnexpectedToken
            pos = len(text)
            diag = error("E0013", "unexpected end of file", source.span_at(pos))
        else:
            if diagnostics:
                return None, diagnostics
            deep = _too_deep(tree)
            if deep is not None:
                span, nested = deep
                message = (f"expression nested more than {MAX_DEPTH} levels deep" if nested else
                           f"expression longer than {MAX_PATH} chained operands")
                return None, [error("E0014", message, span, hint="split it into named thresholds")]
            return tree, []
        diagnostics.append(diag)
        if len(diagnostics) >= MAX_SYNTAX_ERRORS:
            return None, diagnostics
        blanked = _blank_declaration(text, pos)
        if blanked == text:
            return None, diagnostics
        text = blanked


def _char_error(source: SourceFile, text: str, pos: int) -> Diagnostic:
    char = text[pos] if pos < len(text) else ""
    span = source.span_at(pos)
    if char == '"':
        return error("E0012", "unterminated string", span,
                     hint="strings close with `\"` on the same line; write `\\\"` for a quote inside")
    shown = repr(char)[1:-1] if (not char.isprintable() or char.isspace()) else char
    hint = None
    if char in "&|!=":
        hint = "write `and`, `or`, `not`; comparisons are `== != < <= > >=`"
    elif char == "'":
        hint = "strings use double quotes"
    elif char == ".":
        word = re.search(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)+$", text[:pos])
        if word:  # `uplift-0.5`: the name swallowed `-0`
            name, rest = word.group(0).rsplit("-", 1)
            hint = (f"`{word.group(0)}` is one name: subtraction needs spaces "
                    f"(`{name} - {rest}{text[pos:pos + 8].split()[0] if text[pos:pos + 8].split() else ''}`)")
        else:
            hint = "numbers are written with a digit before the point, like `0.5`"
    return error("E0010", f"unexpected character `{shown}`", span, hint=hint)


def _token_error(source: SourceFile, exc, pos: int) -> Diagnostic:
    token = exc.token
    expected = set(exc.expected or ())
    if token.type == "$END":
        end = len(source.text.rstrip())  # just after the last token, not on trailing blank lines
        return error("E0013", "the file ends in the middle of a declaration", source.span_at(end),
                     hint=f"expected {_expected_text(expected)}")
    length = max(len(str(token)), 1)
    span = source.span_at(pos)
    span = Span(span.line, span.column, span.line, span.column + length, pos, pos + length)
    value = str(token)
    hint = f"expected {_expected_text(expected)}"
    if token.type == "NAME" and re.fullmatch(r"[A-Za-z_]\w*-\w.*", value) and "MINUS" in expected:
        hint += f"; `{value}` is one name: subtraction needs spaces (`{value.replace('-', ' - ')}`)"
    if value in KEYWORDS and "NAME" in expected:
        hint = f"`{value}` is a reserved word and cannot be a name"
    return error("E0011", f"unexpected `{value}`", span, hint=hint)


_DECL_START = re.compile(r"^[ \t]*({})\b(?!-)".format("|".join(DECL_KEYWORDS)), re.M)
_OPEN_TIER = re.compile(r"^[ \t]*tier[ \t]+([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)[^{}]*\{[^{}]*\Z", re.M)
_RULE_KEYWORDS = ("permit", "forbid", "assert", "duty", "waive")


def _tier_body_error(source: SourceFile, text: str, exc, pos: int) -> tuple[Diagnostic, int, int] | None:
    """A declaration keyword inside a tier's `{ ... }` where only `require`, `recommend` or `}` may come: a
    rule placed in a tier (when a `}` closes the body after it), or a tier left unclosed. Returns
    the one diagnostic and the text to blank so that the rest parses: the rule, or the tier up
    to the keyword. None for any other error."""
    value = str(exc.token)
    expected = set(exc.expected or ())
    at_end = exc.token.type == "$END"
    if "RBRACE" not in expected or not at_end and (value not in DECL_KEYWORDS or value in ("require", "recommend")):
        return None
    tier = _OPEN_TIER.search(text[:pos])
    if tier is None:
        return None
    name, tier_line = tier.group(1), source.span_at(tier.start(1)).line
    if at_end:
        end = len(text.rstrip())
        return (error("E0013", f"tier `{name}` (line {tier_line}) is not closed at the end of the file",
                      source.span_at(end), hint=f"add `}}` to close tier `{name}` at the end of the file"),
                tier.start(), len(text))
    span = source.span_at(pos)
    span = Span(span.line, span.column, span.line, span.column + len(value), pos, pos + len(value))
    following = [m.start(1) for m in _DECL_START.finditer(text, pos + 1)]
    stop = following[0] if following else len(text)
    close = text.find("}", pos, stop)
    if value in _RULE_KEYWORDS and close != -1:
        line_end = text.find("\n", pos)
        end = close if line_end == -1 or close < line_end else text.rfind("\n", pos, close) + 1
        return (error("E0011", f"`{value}` inside tier `{name}`: a tier's body holds only `require` and "
                      "`recommend`", span,
                      hint=f"rules go at top level: move this `{value}` after the `}}` that closes tier "
                           f"`{name}` (it can test the tier: `... when tier >= {name}`)"), pos, max(end, pos))
    return (error("E0011", f"tier `{name}` (line {tier_line}) is not closed", span,
                  hint=f"add `}}` to close tier `{name}` before line {span.line}"), tier.start(), pos)


def _blank_declaration(text: str, pos: int) -> str:
    """Blank from the start of the declaration holding `pos` to the next declaration start.

    A declaration starts at a line that begins with a declaration keyword. Blanking keeps
    newlines, so every later position is unchanged.
    """
    starts = [m.start(1) for m in _DECL_START.finditer(text)]
    if pos in starts and pos > 0:
        # the error is a declaration keyword: the broken declaration is the one before it
        begin = max([s for s in starts if s < pos], default=0)
        end = pos
    else:
        begin = max([s for s in starts if s <= pos], default=0)
        following = [s for s in starts if s > pos]
        end = following[0] if following else len(text)
    if end <= begin:
        end = len(text)
    chunk = re.sub(r"[^\n]", " ", text[begin:end])
    if begin == 0 and pos == 0 and not chunk.strip() and end == len(text):
        return text
    return text[:begin] + chunk + text[end:]


def _too_deep(tree) -> tuple[Span, bool] | None:
    """The first node nested deeper than MAX_DEPTH, or at the end of a path longer than MAX_PATH.

    A chain of one operator (`a or b or c`, `a + b - c`) is a left-leaning tree but not nesting:
    its links count only toward the path length. Found without recursion.
    """
    from lark import Tree

    stack = [(tree, 0, 0)]
    while stack:
        node, depth, length = stack.pop()
        if depth > MAX_DEPTH or length > MAX_PATH:
            meta = node.meta
            span = (Span(1, 1, 1, 2) if getattr(meta, "empty", True) else
                    Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos))
            return span, depth > MAX_DEPTH
        for child in node.children:
            if isinstance(child, Tree):
                chained = child.data == node.data and node.data in _CHAIN_RULES
                stack.append((child, depth + (not chained), length + 1))
    return None


_CHAIN_RULES = frozenset({"or_", "and_", "implies", "arith"})


class recursion_headroom:
    """Raise the recursion limit while walking a bounded tree (a chain of MAX_PATH operands recurses)."""

    def __enter__(self):
        import sys

        self.previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.previous, RECURSION_HEADROOM))
        return self

    def __exit__(self, *exc):
        import sys

        sys.setrecursionlimit(self.previous)
        return False


def comments_of(text: str) -> list[tuple[int, int, str]]:
    """Every `#` comment as (line, column, text without trailing spaces), skipping strings."""
    found: list[tuple[int, int, str]] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        if "#" not in line:
            continue
        in_string = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                found.append((line_no, i + 1, line[i:].rstrip()))
                break
            i += 1
    return found
