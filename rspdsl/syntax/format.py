"""The canonical layout: AST -> text. `parse(format_module(m)) == m` for every well-formed AST.

Layout: one declaration per line in source order, one blank line kept where the source had
one, comments kept where the parser attached them, tier bodies indented two spaces, the
minimal parentheses that precedence and associativity need, numbers spelled as written.
A line longer than MAX_WIDTH moves its `when` clause (or an assertion's body) to the next
line; the decision depends on the AST alone, so formatting is idempotent.
"""
from __future__ import annotations

from fractions import Fraction

from ..numbers import decimal_text
from . import ast

MAX_WIDTH = 100
INDENT = "  "

# Binding strength of each form (higher binds tighter), following grammar/rsp.lark.
IMPLIES, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POSTFIX, ATOM = range(1, 11)
_BINARY_LEVEL = {"implies": IMPLIES, "or": OR, "and": AND, "+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT}


# ---------------------------------------------------------------- numbers and strings

def number_text(num: ast.Num) -> str:
    """The spelling the user wrote, or a canonical one for a Num built without text."""
    if num.text and _text_value(num.text) == num.value:
        return num.text
    return canonical_number(num.value)


def _text_value(text: str) -> Fraction | None:
    try:
        return Fraction(text.replace("_", ""))
    except (ValueError, ZeroDivisionError):
        return None


def canonical_number(value: Fraction) -> str:
    """Integers plain; other finite decimals exactly (`0.125`); anything else as `p / q`.

    Only the first two are single literals: an AST holding 1/3 as one Num cannot be written
    back as one number, and the formatter's callers check the round trip before writing.
    """
    text = decimal_text(value)
    if text is not None:
        return text
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value.numerator)} / {value.denominator}"


def string_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- expressions

def format_expr(expr: ast.Expr) -> str:
    return _expr(expr)[0]


def binding_strength(expr: ast.Expr) -> int:
    """How tightly the expression's top form binds (IMPLIES = loosest ... ATOM = tightest)."""
    return _expr(expr)[1]


def operand_strengths(op: str) -> tuple[int, int]:
    """The binding strength a binary operator needs of its left and right operands."""
    level = _BINARY_LEVEL[op]
    return (level + 1, level) if op == "implies" else (level, level + 1)


def _wrap(expr: ast.Expr, at_least: int) -> str:
    """The text of a sub-expression placed where the grammar wants binding strength `at_least`."""
    text, level = _expr(expr)
    return text if level >= at_least else f"({text})"


def _expr(e: ast.Expr) -> tuple[str, int]:
    """Text and binding strength. Recursive: the parser bounds nesting (E0014), so depth stays small."""
    if isinstance(e, ast.Num):
        text = number_text(e)
        if e.value < 0:  # only bounds hold negative literals; in an expression `-5` is Unary
            return text, UNARY
        return text, (PRODUCT if "/" in text else ATOM)
    if isinstance(e, ast.BoolLit):
        return ("true" if e.value else "false"), ATOM
    if isinstance(e, ast.Name):
        return e.name, ATOM
    if isinstance(e, ast.TierRef):
        return "tier", ATOM
    if isinstance(e, ast.Allowed):
        return f"allowed({e.action.name})", ATOM
    if isinstance(e, ast.Call):
        return f"{e.func}({', '.join(format_expr(a) for a in e.args)})", ATOM
    if isinstance(e, ast.History):
        return f"{e.func}({e.target.name})", ATOM
    if isinstance(e, ast.At):
        # binds tightest in the grammar, but reads ambiguously next to arithmetic or a comparison
        # (`4 * c at x`): reported as a comparison, so it is parenthesised wherever one would be
        return f"{_wrap(e.operand, ATOM)} at {e.act.name}", COMPARE
    if isinstance(e, ast.Unary):
        # a run of the same prefix operator is laid out in a loop, not by recursion
        inner: ast.Expr = e  # ends at the first operand that is not this operator
        run = 0
        while isinstance(inner, ast.Unary) and inner.op == e.op:
            run, inner = run + 1, inner.operand
        if e.op == "not":
            return "not " * run + _wrap(inner, NOT), NOT
        text = _wrap(inner, UNARY)
        if text.startswith("-"):
            text = " " + text
        # `- -x` rather than `--x`, which reads like a decrement
        return "- " * (run - 1) + "-" + text, UNARY
    if isinstance(e, ast.Binary):
        return _chain(e)
    if isinstance(e, ast.Compare):
        parts = [_wrap(e.operands[0], SUM)]
        for op, operand in zip(e.ops, e.operands[1:]):
            parts.append(f"{op} {_wrap(operand, SUM)}")
        return " ".join(parts), COMPARE
    raise TypeError(f"not an expression: {e!r}")


def _chain(e: ast.Binary) -> tuple[str, int]:
    """A binary operator and the operators of its level chained with it (`a or b or c`,
    `a - b + c`, `a implies b implies c`), laid out in a loop: chains may be thousands of
    operands long, while recursion only follows real nesting (which the parser bounds).

    implies is right-associative, the others left, so `a - (b - c)` keeps its parentheses.
    """
    level = _BINARY_LEVEL[e.op]
    need_left, need_right = operand_strengths(e.op)
    node: ast.Expr = e
    if e.op == "implies":
        parts: list[str] = []
        while isinstance(node, ast.Binary) and node.op == "implies":
            parts.append(_wrap(node.left, need_left))
            node = node.right
        parts.append(_wrap(node, need_right))
        return " implies ".join(parts), level
    tail: list[tuple[str, ast.Expr]] = []
    while isinstance(node, ast.Binary) and node.op != "implies" and _BINARY_LEVEL[node.op] == level:
        tail.append((node.op, node.right))
        node = node.left
    parts = [_wrap(node, need_left)]
    for op, right in reversed(tail):
        parts.append(f"{op} {_wrap(right, need_right)}")
    return " ".join(parts), level


# ---------------------------------------------------------------- declarations

def _desc(description: str | None) -> str:
    return f" {string_text(description)}" if description is not None else ""


def _with_when(head: str, condition: ast.Expr | None, tail: str, indent: str) -> list[str]:
    """`head when COND tail`, or `head` / `  when COND tail` when the one line is too long."""
    if condition is None:
        return [indent + head + tail]
    when = f"when {format_expr(condition)}{tail}"
    line = f"{indent}{head} {when}"
    if len(line) <= MAX_WIDTH:
        return [line]
    return [indent + head, indent + INDENT + when]


def _decl_lines(d: ast.Decl, indent: str = "") -> list[str]:
    """The code lines of one declaration (no comments)."""
    if isinstance(d, ast.PolicyDecl):
        version = f" version {string_text(d.version)}" if d.version is not None else ""
        return [f"{indent}policy {string_text(d.title)}{version}"]
    if isinstance(d, ast.ScaleDecl):
        values = ", ".join(v.name for v in d.values)
        return [f"{indent}scale {d.name.name}{_desc(d.description)} {{ {values} }}"]
    if isinstance(d, ast.QuantityDecl):
        if d.scale is not None:
            domain = f" : {d.scale.name}"
        elif d.bounds is not None:
            domain = f" in [{number_text(d.bounds[0])}, {number_text(d.bounds[1])}]"
        else:
            raise ValueError(f"{d.kind} `{d.name.name}` has neither bounds nor a scale")
        unit = f" unit {d.unit.name}" if d.unit is not None else ""
        return [f"{indent}{d.kind} {d.name.name}{domain}{unit}{_modifiers(d)}{_desc(d.description)}"]
    if isinstance(d, ast.FlagDecl):
        return [f"{indent}{d.kind} {d.name.name}{_modifiers(d)}{_desc(d.description)}"]
    if isinstance(d, ast.EventDecl):
        return [f"{indent}event {d.name.name}{_desc(d.description)}"]
    if isinstance(d, ast.AcceptDecl):
        return [f"{indent}accept {d.property} {_desc(d.subject).strip()}{_desc(d.reason)} by{_desc(d.owner)}"]
    if isinstance(d, ast.AuthorityDecl):
        return [f"{indent}authority {d.name.name}{_desc(d.description)} {d.standing}"]
    if isinstance(d, ast.DutyDecl):
        head = f"{indent}duty {d.name.name}{_desc(d.description)}: {d.act.name}"
        if d.kind == "within":
            assert d.trigger is not None
            return [f"{head} within {number_text(d.days)} days after {d.trigger.name}"]
        assert d.condition is not None
        return [f"{head} every {number_text(d.days)} days while {format_expr(d.condition)}"]
    if isinstance(d, ast.ActionDecl):
        default = f" default {d.default}" if d.default is not None else ""
        return [f"{indent}action {d.name.name}{default}{_desc(d.description)}"]
    if isinstance(d, ast.ThresholdDecl):
        return _with_when(f"threshold {d.name.name}{_desc(d.description)}", d.condition, "", indent)
    if isinstance(d, ast.RuleDecl):
        return _with_when(f"{d.effect} {d.action.name}", d.condition, _desc(d.description), indent)
    if isinstance(d, ast.WaiveDecl):
        head = "waive " + ", ".join(format_expr(c) for c in d.commitments)
        if d.actions is not None:
            head += " for " + ", ".join(a.name for a in d.actions)
        return _with_when(head, d.condition, _desc(d.description), indent)
    if isinstance(d, ast.RequireDecl):
        head = f"{d.force} " + ", ".join(format_expr(c) for c in d.commitments)
        if d.actions is not None:
            head += " for " + ", ".join(a.name for a in d.actions)
        return _with_when(head, d.condition, _desc(d.description), indent)
    if isinstance(d, ast.AssertDecl):
        head = f"{indent}assert {d.name.name}{_desc(d.description)}:"
        body = format_expr(d.body)
        if len(f"{head} {body}") <= MAX_WIDTH:
            return [f"{head} {body}"]
        return [head, indent + INDENT + body]
    if isinstance(d, ast.TierDecl):
        raise TypeError("tiers are laid out by _tier_lines")
    raise TypeError(f"not a declaration: {d!r}")


def _modifiers(d: ast.QuantityDecl | ast.FlagDecl) -> str:
    """The modifiers in their canonical order: reassuring, cumulative, set at, by."""
    out = " reassuring" if d.reassuring else ""
    out += " cumulative" if d.cumulative else ""
    out += f" set at {d.set_at.name}" if d.set_at is not None else ""
    out += f" by {d.by.name}" if d.by is not None else ""
    return out


def _comment_lines(texts: tuple[str, ...], gaps: frozenset[int], indent: str, first: bool) -> list[str]:
    """Comments on lines of their own, a blank line above those in `gaps` (none above the first
    line of the file or of a tier body)."""
    out: list[str] = []
    for k, text in enumerate(texts):
        if k in gaps and not (k == 0 and first):
            out.append("")
        out.append(indent + text)
    return out


def _item_lines(d: ast.Decl, indent: str, first: bool) -> list[str]:
    """One declaration with its comments: blank line, leading comments, code, trailing comment."""
    c = d.comments
    # the item's lines are its leading comments, then its code (line len(c.leading))
    gaps = c.gaps | {0} if c.blank_before else c.gaps
    out = _comment_lines(c.leading, gaps, indent, first)
    if len(c.leading) in gaps and (out or not first):
        out.append("")
    if isinstance(d, ast.TierDecl):
        code, at = _tier_lines(d, indent)  # a tier's trailing comment sits on its `{` line
    else:
        code = _decl_lines(d, indent)
        at = len(code) - 1
    code[at] = _with_comment(code[at], c.trailing)
    out.extend(code)
    return out


def _tier_lines(t: ast.TierDecl, indent: str) -> tuple[list[str], int]:
    """The tier's lines and the index of its `{` line; the comment after `}` stays after it."""
    header = _with_when(f"tier {t.name.name}{_desc(t.description)}", t.condition, " {", indent)
    brace_at = len(header) - 1
    if not t.requirements and not t.closing_comments and t.comments.trailing is None:
        # `tier T { }`: the one line is the `}` line, so a comment on it re-parses as closing_trailing
        header[-1] = _with_comment(header[-1] + " }", t.closing_trailing)
        return header, brace_at
    body: list[str] = []
    for k, req in enumerate(t.requirements):
        body.extend(_item_lines(req, indent + INDENT, first=(k == 0)))
    body.extend(_comment_lines(t.closing_comments, t.closing_gaps, indent + INDENT, first=not body))
    return header + body + [_with_comment(indent + "}", t.closing_trailing)], brace_at


def _with_comment(line: str, comment: str | None) -> str:
    return line if comment is None else f"{line}  {comment}"


def format_module(module: ast.Module) -> str:
    lines: list[str] = []
    for n, decl in enumerate(module.declarations):
        lines.extend(_item_lines(decl, "", first=(n == 0)))
    lines.extend(_comment_lines(module.trailing_comments, module.trailing_gaps, "", first=not lines))
    if not lines:
        return ""
    return "\n".join(lines) + "\n"
