"""Lower the Lark parse tree to the AST (frozen dataclasses), attaching comments for fmt.

No Lark type survives: every node is built here from tokens and trees by hand, so a misnamed
rule fails loudly (LoweringError) instead of passing through silently.
"""
from __future__ import annotations

import dataclasses
import re
from fractions import Fraction

from lark import Token, Tree

from ..diagnostics import Diagnostic, error
from ..numbers import LITERAL_MAX_DIGITS, LITERAL_MAX_EXPONENT
from ..source import SourceFile, Span
from . import ast
from .parser import comments_of


class LoweringError(Exception):
    """A parse-tree shape the lowering does not know: a bug in rspdsl, not in the policy."""


def _at(position: int | None) -> int:
    """A token position: lark types them optional, but the parser's tokens always carry them."""
    if position is None:
        raise LoweringError("a token without a position")
    return position


def token_span(tok: Token) -> Span:
    line, column, end_line, end_column = tok.line, tok.column, tok.end_line, tok.end_column
    start, end = tok.start_pos, tok.end_pos
    if (line is None or column is None or end_line is None or end_column is None
            or start is None or end is None):  # checked inline: this runs once per token
        raise LoweringError(f"a token without a position: {tok!r}")
    return Span(line, column, end_line, end_column, start, end)


def tree_span(tree: Tree) -> Span:
    m = tree.meta
    return Span(m.line, m.column, m.end_line, m.end_column, m.start_pos, m.end_pos)


def parse_number(text: str) -> Fraction:
    return Fraction(text.replace("_", ""))


MAX_EXPONENT = LITERAL_MAX_EXPONENT  # see rspdsl/numbers.py
MAX_DIGITS = LITERAL_MAX_DIGITS
_NUMBER_PARTS = re.compile(r"([0-9_]*)(?:\.([0-9_]*))?(?:[eE]([+-]?[0-9]+))?")


def number_problem(text: str) -> str | None:
    """Why a literal cannot be read exactly in reasonable time, or None.

    Fraction("1e100000000") builds a hundred-million-digit integer; int() refuses over 4300 digits.
    """
    m = _NUMBER_PARTS.fullmatch(text)
    if m is None:
        return f"`{text}` is not a number"
    digits = len((m.group(1) or "").replace("_", "")) + len((m.group(2) or "").replace("_", ""))
    if digits > MAX_DIGITS:
        return f"a number with {digits} digits is longer than the {MAX_DIGITS} digits rspdsl reads"
    if m.group(3) is not None and abs(int(m.group(3))) > MAX_EXPONENT:
        return f"the exponent of `{text[:40]}` is beyond ±{MAX_EXPONENT}"
    return None


_ESCAPE = re.compile(r"\\(.)")
_MODIFIERS = {"reassuring": "reassuring", "cumulative": "cumulative", "set_at": "set at", "by": "by"}


class Lowerer:
    def __init__(self, source: SourceFile):
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def string(self, tok: Token) -> str:
        body = str(tok)[1:-1]
        for m in _ESCAPE.finditer(body):
            if m.group(1) not in ('"', "\\"):
                start = _at(tok.start_pos) + 1 + m.start()
                span = self.source.span_at(start)
                self.diagnostics.append(error(
                    "E0015", f"unknown escape `\\{m.group(1)}` in a string",
                    Span(span.line, span.column, span.line, span.column + 2, start, start + 2),
                    hint="only `\\\"` and `\\\\` are escapes; descriptions are plain text"))
        return _ESCAPE.sub(lambda m: m.group(1), body)

    def ident(self, tok: Token) -> ast.Ident:
        return ast.Ident(str(tok), token_span(tok))

    def keyword_start(self, span: Span, keyword: str) -> Span:
        """Extend a declaration's span back over its leading keyword (Lark drops anonymous tokens)."""
        text = self.source.text
        if text.startswith(keyword, span.start_pos):
            return span
        at = text.rfind(keyword, 0, span.start_pos)
        if at >= 0 and not text[at + len(keyword):span.start_pos].strip():
            begin = self.source.span_at(at)
            return Span(begin.line, begin.column, span.end_line, span.end_column, at, span.end_pos)
        return span

    # ------------------------------------------------------------ module
    def module(self, tree: Tree) -> ast.Module:
        decls = tuple(self.decl(child) for child in tree.children)
        decls, trailing, trailing_gaps = attach_comments(self.source, decls)
        end = self.source.span_at(len(self.source.text))
        return ast.Module(decls, trailing, Span(1, 1, end.line, end.column, 0, len(self.source.text)),
                          trailing_gaps)

    def decl(self, tree: Tree) -> ast.Decl:
        method = getattr(self, "d_" + tree.data, None)
        if method is None:
            raise LoweringError(f"unknown declaration rule {tree.data!r}")
        return method(tree, tree.children)

    def d_policy_decl(self, tree, ch):
        strings = [self.string(t) for t in ch]
        span = self.keyword_start(tree_span(tree), "policy")
        return ast.PolicyDecl(strings[0], strings[1] if len(strings) > 1 else None, span)

    def d_scale_decl(self, tree, ch):
        name = self.ident(ch[0])
        desc = None
        values = []
        for tok in ch[1:]:
            if tok.type == "STRING":
                desc = self.string(tok)
            else:
                values.append(self.ident(tok))
        return ast.ScaleDecl(name, tuple(values), desc, self.keyword_start(tree_span(tree), "scale"))

    def d_quantity_decl(self, tree, ch):
        kind, name = str(ch[0]), self.ident(ch[1])
        bounds = scale = unit = desc = None
        modifiers: dict = {}
        for c in ch[2:]:
            if isinstance(c, Tree) and c.data == "interval":
                bounds = (self.signed(c.children[0]), self.signed(c.children[1]))
            elif isinstance(c, Tree) and c.data == "on_scale":
                scale = self.ident(c.children[0])
            elif isinstance(c, Tree) and c.data == "unit":
                unit = self.ident(c.children[0])
            elif isinstance(c, Tree) and c.data in _MODIFIERS:
                self.modifier(c, modifiers)
            elif isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
            else:
                raise LoweringError(f"unexpected child {c!r} in {kind}")
        return ast.QuantityDecl(kind, name, bounds, unit, scale, modifiers.get("reassuring", False), desc,
                                tree_span(tree), cumulative=modifiers.get("cumulative", False),
                                set_at=modifiers.get("set_at"), by=modifiers.get("by"))

    def modifier(self, tree: Tree, into: dict) -> None:
        """One of `reassuring`, `cumulative`, `set at ACT`, `by AUTHORITY`; each at most once (E0017)."""
        if tree.data in into:
            self.diagnostics.append(error(
                "E0017", f"`{_MODIFIERS[tree.data]}` is written twice", tree_span(tree),
                hint="each modifier of a declaration is written once"))
            return
        if tree.data in ("reassuring", "cumulative"):
            into[tree.data] = True
        else:
            name = tree.children[-1]
            if not isinstance(name, Token):
                raise LoweringError(f"a `{_MODIFIERS[tree.data]}` without its name")
            into[tree.data] = self.ident(name)

    def signed(self, tree: Tree) -> ast.Num:
        tok = tree.children[-1]
        if not isinstance(tok, Token):
            raise LoweringError(f"a signed number without its number token: {tok!r}")
        value = self.number(tok)
        if tree.data == "negative":
            span = tree_span(tree)
            return ast.Num(-value, "-" + str(tok), span)
        return ast.Num(value, str(tok), token_span(tok))

    def d_flag_decl(self, tree, ch):
        kind, name = str(ch[0]), self.ident(ch[1])
        modifiers: dict = {}
        for c in ch[2:]:
            if isinstance(c, Tree) and c.data in _MODIFIERS:
                self.modifier(c, modifiers)
        desc = next((self.string(c) for c in ch[2:] if isinstance(c, Token) and c.type == "STRING"), None)
        return ast.FlagDecl(kind, name, modifiers.get("reassuring", False), desc, tree_span(tree),
                            set_at=modifiers.get("set_at"), by=modifiers.get("by"),
                            cumulative=modifiers.get("cumulative", False))

    def d_event_decl(self, tree, ch):
        desc = self.string(ch[1]) if len(ch) > 1 else None
        return ast.EventDecl(self.ident(ch[0]), desc, self.keyword_start(tree_span(tree), "event"))

    def d_authority_decl(self, tree, ch):
        desc = next((self.string(c) for c in ch[1:] if c.type == "STRING"), None)
        return ast.AuthorityDecl(self.ident(ch[0]), str(ch[-1]), desc,
                                 self.keyword_start(tree_span(tree), "authority"))

    def _duty_parts(self, ch):
        name = self.ident(ch[0])
        rest = [c for c in ch[1:] if not (isinstance(c, Token) and c.type == "DAYS")]
        desc = self.string(rest.pop(0)) if isinstance(rest[0], Token) and rest[0].type == "STRING" else None
        act, days = self.ident(rest[0]), ast.Num(self.number(rest[1]), str(rest[1]), token_span(rest[1]))
        return name, desc, act, days, rest[2]

    def d_duty_within(self, tree, ch):
        name, desc, act, days, trigger = self._duty_parts(ch)
        return ast.DutyDecl(name, "within", act, days, trigger=self.ident(trigger), description=desc,
                            span=self.keyword_start(tree_span(tree), "duty"))

    def d_duty_every(self, tree, ch):
        name, desc, act, days, condition = self._duty_parts(ch)
        return ast.DutyDecl(name, "every", act, days, condition=self.expr(condition), description=desc,
                            span=self.keyword_start(tree_span(tree), "duty"))

    def d_action_decl(self, tree, ch):
        name = self.ident(ch[0])
        default = desc = None
        for c in ch[1:]:
            if isinstance(c, Tree) and c.data == "default":
                default = str(c.children[0])
            elif isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
        return ast.ActionDecl(name, default, desc, self.keyword_start(tree_span(tree), "action"))

    def d_threshold_decl(self, tree, ch):
        name = self.ident(ch[0])
        desc = self.string(ch[1]) if len(ch) == 3 else None
        return ast.ThresholdDecl(name, self.expr(ch[-1]), desc, self.keyword_start(tree_span(tree), "threshold"))

    def d_tier_decl(self, tree, ch):
        name = self.ident(ch[1])
        desc = condition = None
        requirements = []
        for c in ch[2:]:
            if isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
            elif isinstance(c, Tree) and c.data in ("require_decl", "recommend_decl"):
                requirements.append(self.decl(c))
            else:
                condition = self.expr(c)
        return ast.TierDecl(name, condition, tuple(requirements), desc, tree_span(tree))

    def d_rule_decl(self, tree, ch):
        effect, action = str(ch[0]), self.ident(ch[1])
        condition = desc = None
        for c in ch[2:]:
            if isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
            else:
                condition = self.expr(c)
        return ast.RuleDecl(effect, action, condition, desc, tree_span(tree))

    def d_require_decl(self, tree, ch):
        commitments: tuple[ast.Expr, ...] = ()
        actions = condition = desc = None
        for c in ch:
            if isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
            elif isinstance(c, Tree) and c.data == "expr_list":
                commitments = tuple(self.expr(e) for e in c.children)
            elif isinstance(c, Tree) and c.data == "name_list":
                actions = tuple(self.ident(t) for t in c.children)
            else:
                condition = self.expr(c)
        return ast.RequireDecl(commitments, actions, condition, desc,
                               self.keyword_start(tree_span(tree), "require"))

    def d_recommend_decl(self, tree, ch):
        req = self.d_require_decl(tree, ch)
        return dataclasses.replace(req, force="recommend", span=self.keyword_start(tree_span(tree), "recommend"))

    def d_waive_decl(self, tree, ch):
        commitments: tuple[ast.Expr, ...] = ()
        actions = condition = desc = None
        for c in ch:
            if isinstance(c, Token) and c.type == "STRING":
                desc = self.string(c)
            elif isinstance(c, Tree) and c.data == "expr_list":
                commitments = tuple(self.expr(e) for e in c.children)
            elif isinstance(c, Tree) and c.data == "name_list":
                actions = tuple(self.ident(t) for t in c.children)
            else:
                condition = self.expr(c)
        if condition is None:
            raise LoweringError("a waiver without its `when`")
        return ast.WaiveDecl(commitments, actions, condition, desc, self.keyword_start(tree_span(tree), "waive"))

    def d_assert_decl(self, tree, ch):
        name = self.ident(ch[0])
        desc = self.string(ch[1]) if len(ch) == 3 else None
        return ast.AssertDecl(name, self.expr(ch[-1]), desc, self.keyword_start(tree_span(tree), "assert"))

    def d_accept_decl(self, tree, ch):
        prop, subject, reason, owner = ch
        name = str(prop.children[0])
        property_id = f"assert:{name}" if prop.data == "accept_assertion" else name
        span = self.keyword_start(tree_span(tree), "accept")
        return ast.AcceptDecl(property_id, self.string(subject), self.string(reason), self.string(owner), span,
                              token_span(prop.children[0]))

    # ------------------------------------------------------------ expressions
    def expr(self, tree: Tree) -> ast.Expr:
        if not isinstance(tree, Tree):
            raise LoweringError(f"expected an expression tree, got {tree!r}")
        method = getattr(self, "e_" + tree.data, None)
        if method is None:
            raise LoweringError(f"unknown expression rule {tree.data!r}")
        return method(tree, tree.children)

    def number(self, tok: Token) -> Fraction:
        """The exact value of a number literal; absurd sizes get E0016 instead of hanging."""
        text = str(tok)
        problem = number_problem(text)
        if problem is not None:
            self.diagnostics.append(error("E0016", problem, token_span(tok),
                                          hint="numbers must stay within 1e-1000 .. 1e1000 and 1000 digits"))
            return Fraction(0)
        return parse_number(text)

    def e_number(self, tree, ch):
        return ast.Num(self.number(ch[0]), str(ch[0]), token_span(ch[0]))

    def e_true(self, tree, ch):
        return ast.BoolLit(True, token_span(ch[0]))

    def e_false(self, tree, ch):
        return ast.BoolLit(False, token_span(ch[0]))

    def e_tier_ref(self, tree, ch):
        return ast.TierRef(token_span(ch[0]))

    def e_name(self, tree, ch):
        return ast.Name(str(ch[0]), token_span(ch[0]))

    def e_allowed(self, tree, ch):
        return ast.Allowed(self.ident(ch[1]), tree_span(tree))

    def e_call(self, tree, ch):
        return ast.Call(str(ch[0]), tuple(self.expr(a) for a in ch[1:]), tree_span(tree))

    def e_history(self, tree, ch):
        return ast.History(str(ch[0]), self.ident(ch[1]), tree_span(tree))

    def e_at(self, tree, ch):
        return ast.At(self.expr(ch[0]), self.ident(ch[1]), tree_span(tree))

    def e_not_(self, tree, ch):
        return ast.Unary("not", self.expr(ch[1]), tree_span(tree))

    def e_neg(self, tree, ch):
        operand = self.expr(ch[1])
        return ast.Unary("-", operand, token_span(ch[0]).join(operand.span))

    def _binary(self, op, tree, left, right):
        return ast.Binary(op, self.expr(left), self.expr(right), tree_span(tree))

    def e_implies(self, tree, ch):
        return self._binary("implies", tree, ch[0], ch[1])

    def e_or_(self, tree, ch):
        return self._binary("or", tree, ch[0], ch[1])

    def e_and_(self, tree, ch):
        return self._binary("and", tree, ch[0], ch[1])

    def e_arith(self, tree, ch):
        return self._binary(str(ch[1]), tree, ch[0], ch[2])

    def e_compare(self, tree, ch):
        operands = tuple(self.expr(c) for c in ch[0::2])
        ops = tuple(str(c) for c in ch[1::2])
        return ast.Compare(operands, ops, tree_span(tree))


# ---------------------------------------------------------------- comments

Comment = tuple[int, int, str]  # (line, column, text), as comments_of returns them


class _CommentCursor:
    """The file's comments in order, handed out once each; `limit` holds back the comments from
    an index on (a tier's comment after its `}`, which its body must not take)."""

    def __init__(self, comments: list[Comment]):
        self.comments = comments
        self.idx = 0
        self.limit = len(comments)

    def take_until(self, line_no: int) -> list[Comment]:
        """The comments on lines before `line_no`."""
        taken = []
        while self.idx < self.limit and self.comments[self.idx][0] < line_no:
            taken.append(self.comments[self.idx])
            self.idx += 1
        return taken

    def take_trailing(self, line_no: int, after_col: int) -> str | None:
        """The comment on `line_no` at or after `after_col`, if it is the next one."""
        if self.idx < self.limit:
            line, col, text = self.comments[self.idx]
            if line == line_no and col >= after_col:
                self.idx += 1
                return text
        return None

    def after_brace(self, tier: ast.TierDecl) -> int | None:
        """The index of the comment after a tier's `}` on the `}` line, or None."""
        end = tier.span
        for j in range(self.idx, len(self.comments)):
            line, col, _ = self.comments[j]
            if line > end.end_line:
                break
            if line == end.end_line and col >= end.end_column:
                return j
        return None


def attach_comments(source: SourceFile, decls: tuple[ast.Decl, ...]):
    """Give each declaration (and each requirement inside a tier) its comments and blank lines.

    A comment on the last line of an item, after it, trails that item; any other comment leads
    the next item (comments inside a multi-line item move in front of it). A comment on a
    tier's `{` line trails the header; comments after the last requirement of a tier stay at
    the end of the tier body; a comment after the tier's `}` stays after the `}`; comments on
    their own lines after the `}` lead the next declaration, like any comment between two
    declarations. Those after the last declaration end the file.

    Blank lines are recorded above every comment and item that opens its line, except at the
    start of the file or of a tier body.
    """
    lines = source.text.split("\n")
    cursor = _CommentCursor(comments_of(source.text))

    def blank_above(line_no: int, col: int) -> bool:
        """A blank line separates what starts at (line_no, col) from what precedes it; only
        something that opens its line can be separated (`} action x` follows the `}`)."""
        if line_no < 2:
            return False
        return not lines[line_no - 2].strip() and not lines[line_no - 1][:col - 1].strip()

    def gaps_of(comments: list[Comment]) -> frozenset[int]:
        return frozenset(k for k, (line, col, _) in enumerate(comments) if blank_above(line, col))

    def annotate(span: Span, first_item: bool, header_line: int | None = None) -> ast.Comments:
        leading = cursor.take_until(span.line)
        inner_end = header_line if header_line is not None else span.end_line
        inner = cursor.take_until(inner_end)
        trailing_col = span.end_column if header_line is None else 1
        trailing = cursor.take_trailing(inner_end, trailing_col)
        # fmt writes leading comments, then inner ones (moved into the code's place, so they
        # take the blank line above the code), then the code: index len(leading) is the code's
        gaps = gaps_of(leading) | {len(leading) + j for j in gaps_of(inner) if j > 0}
        if blank_above(span.line, span.column):
            gaps |= {len(leading)}
        return ast.Comments(tuple(c[2] for c in leading + inner), trailing,
                            blank_before=0 in gaps and not first_item, gaps=gaps - {0})

    def annotate_tier(tier: ast.TierDecl, first_item: bool, next_decl: ast.Decl | None) -> ast.TierDecl:
        span = tier.span
        after_brace = cursor.after_brace(tier)
        if after_brace is not None:
            cursor.limit = after_brace  # a one-line tier's header or last requirement must not take it
        header = annotate(span, first_item, header_line=_open_brace_line(source, tier))
        reqs = tuple(dataclasses.replace(req, comments=annotate(req.span, k == 0))
                     for k, req in enumerate(tier.requirements))
        closing = cursor.take_until(span.end_line + 1)
        cursor.limit = len(cursor.comments)
        closing_gaps = gaps_of(closing) if reqs else gaps_of(closing) - {0}  # none atop the body
        # `} action x  # c`: the comment follows (and trails) the declaration after the brace
        owns_end = next_decl is None or next_decl.span.line > span.end_line
        end_comment = cursor.take_trailing(span.end_line, span.end_column) if owns_end else None
        return dataclasses.replace(tier, requirements=reqs, comments=header,
                                   closing_comments=tuple(c[2] for c in closing),
                                   closing_trailing=end_comment, closing_gaps=closing_gaps)

    out = []
    for n, decl in enumerate(decls):
        next_decl = decls[n + 1] if n + 1 < len(decls) else None
        if isinstance(decl, ast.TierDecl):
            decl = annotate_tier(decl, n == 0, next_decl)
        else:
            decl = dataclasses.replace(decl, comments=annotate(decl.span, n == 0))
        out.append(decl)
    rest = cursor.comments[cursor.idx:]
    trailing_gaps = gaps_of(rest) if out else gaps_of(rest) - {0}  # none at the start of the file
    return tuple(out), tuple(c[2] for c in rest), trailing_gaps


def _open_brace_line(source: SourceFile, decl: ast.TierDecl) -> int:
    """The line of a tier's `{`, skipping comments between the header and the brace."""
    text = source.text
    pos = (decl.condition.span.end_pos if decl.condition is not None else decl.name.span.end_pos)
    while pos < len(text):
        ch = text[pos]
        if ch == '"':  # a description: `#` and `{` inside it are text
            pos += 1
            while pos < len(text) and text[pos] not in '"\n':
                pos += 2 if text[pos] == "\\" else 1
            pos += 1
            continue
        if ch == "#":
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl
            continue
        if ch == "{":
            return source.span_at(pos).line
        pos += 1
    return decl.span.line


def lower(source: SourceFile, tree: Tree) -> tuple[ast.Module, list[Diagnostic]]:
    lowerer = Lowerer(source)
    module = lowerer.module(tree)
    return module, lowerer.diagnostics
