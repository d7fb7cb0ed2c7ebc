"""Type checking of expressions: AST expressions become typed IR, or diagnostics.

The names they use are resolved by rspdsl/semantics/resolve.py (the `scope`: the one namespace,
what has been used, the thresholds each threshold reads); this module decides what each
expression means and whether its types fit. Every error is reported once: the type of an
erroneous sub-expression is ErrorT, which absorbs follow-on complaints.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ..numbers import LITERAL_MAX_BITS
from ..source import Span
from ..syntax import ast
from . import ir
from .scope import KIND_WORDS, Context
from .types import BOOL, ERROR, TIER, BoolT, ErrorT, RealT, ScaleT, TierT, Type

if TYPE_CHECKING:  # pragma: no cover
    from .resolve import Resolver


class ExpressionChecker:
    """Types and lowers the expressions of one policy, reporting through its resolver."""

    def __init__(self, scope: Resolver) -> None:
        self.scope = scope

    def condition(self, e: ast.Expr, ctx: Context, what: str) -> ir.IExpr:
        t, node = self.expr(e, ctx)
        if not isinstance(t, (BoolT, ErrorT)):
            self.scope.err("E0202", f"a {what} must be true or false, but this is {t.describe()}", e.span,
                     hint=_comparison_hint(e))
        return node

    def expr(self, e: ast.Expr, ctx: Context) -> tuple[Type, ir.IExpr]:
        method = getattr(self, "x_" + type(e).__name__)
        return method(e, ctx)

    def bounded(self, value: Fraction, span: Span) -> bool:
        """False (after E0016) for a folded constant beyond what literals may spell (10**1000).

        Multiplying literals can build numbers no literal could, and the evaluator and solver
        would then handle thousand-digit integers (and Python refuses to print them)."""
        limit = LITERAL_MAX_BITS
        if value.numerator.bit_length() > limit or value.denominator.bit_length() > limit:
            self.scope.err("E0016", "this arithmetic on constants gives a number beyond 10^1000 in size or precision",
                     span, hint="numbers must stay within 1e-1000 .. 1e1000; rescale the quantity (e.g. its unit)")
            return False
        return True

    def x_Num(self, e: ast.Num, ctx):
        return RealT(None, True, e.value), ir.Const(e.value)

    def x_BoolLit(self, e: ast.BoolLit, ctx):
        return BOOL, ir.BoolConst(e.value)

    def x_TierRef(self, e: ast.TierRef, ctx):
        if not ctx.tier_allowed:
            self.scope.err("E0206", f"`tier` cannot be used in a {ctx.where} condition: the tier is defined by them",
                     e.span, hint="compare thresholds or inputs here instead")
            return ERROR, ir.BoolConst(False)
        return TIER, ir.TierValue()

    def x_Allowed(self, e: ast.Allowed, ctx):
        if ctx.in_at:
            self.scope.err("E0402", "`allowed(...)` cannot appear inside `E at X`", e.span,
                     hint="whether an action was allowed depends on the rules, which may read history")
            return ERROR, ir.BoolConst(False)
        if not ctx.allowed_allowed:
            self.scope.err("E0207", "`allowed(...)` may only appear in assertions", e.span,
                     hint="rules decide what is allowed; state properties of them with `assert`")
            return ERROR, ir.BoolConst(False)
        if not self.scope.action_ref(e.action):
            return ERROR, ir.BoolConst(False)
        return BOOL, ir.AllowedRef(e.action.name)

    def x_Name(self, e: ast.Name, ctx):
        entity = self.scope.names.get(e.name)
        if entity is None:
            self.scope.unknown(e.name, e.span)
            return ERROR, ir.BoolConst(False)
        self.scope.used.add(e.name)
        kind = entity.kind
        if kind in ("metric", "control"):
            d = entity.decl
            assert isinstance(d, ast.QuantityDecl)  # metrics and controls are declared by one
            if d.scale is not None:
                return ScaleT(d.scale.name), ir.Var(e.name, "int")
            return RealT(d.unit.name if d.unit else None), ir.Var(e.name, "real")
        if kind in ("judgement", "safeguard"):
            return BOOL, ir.Var(e.name, "bool")
        if kind == "threshold":
            if ctx.threshold is not None:
                self.scope.threshold_deps.setdefault(ctx.threshold, set()).add(e.name)
            return BOOL, ir.ThresholdRef(e.name)
        if kind == "scale_value":
            assert entity.scale is not None  # a scale value's entity always names its scale
            return ScaleT(entity.scale), ir.IntConst(entity.index)
        if kind == "tier":
            return TIER, ir.IntConst(entity.index)
        hint = None
        if kind == "action":
            hint = f"write `allowed({e.name})` (in an assertion) to ask whether it is allowed"
        elif kind == "event":
            hint = f"write `done({e.name})` to ask whether it happened at an earlier step"
        elif kind == "duty":
            hint = f"write `overdue({e.name})` to ask whether the duty is overdue"
        self.scope.err("E0104", f"`{e.name}` is {KIND_WORDS[kind]} and has no value here", e.span, hint=hint)
        return ERROR, ir.BoolConst(False)

    def x_History(self, e: ast.History, ctx):
        if not self.history_here(e, ctx):
            return ERROR, ir.BoolConst(False)
        if e.func == "overdue":
            if not self.scope.ref(e.target, ("duty",)):
                return ERROR, ir.BoolConst(False)
            return BOOL, ir.Overdue(e.target.name)
        if not self.scope.act_ref(e.target):
            return ERROR, ir.BoolConst(False)
        if e.func == "days_since":
            self.scope.err("E0401", "`days_since(...)` must be compared with a constant", e.span,
                     hint=f"write e.g. `days_since({e.target.name}) <= 180`; it is +infinity before the first "
                          f"`{e.target.name}`, so it has no value of its own")
            return ERROR, ir.BoolConst(False)
        return BOOL, ir.Done(e.target.name)

    def history_here(self, e, ctx) -> bool:
        """History terms are refused in tier `when`s, duty `while`s and inside `E at X`."""
        if ctx.in_at:
            self.scope.err("E0402", "`E at X` needs a history-free E, but this reads history", e.span,
                     hint="`at` looks at one earlier step; history terms inside it would look further back")
            return False
        if not ctx.history_allowed:
            where = "a tier's `when`" if ctx.where == "tier" else "a duty's `while`"
            self.scope.err("E0403", f"a history term cannot appear in {where}", e.span,
                     hint=f"{where} must depend on the current state only (language-v2.md §2)")
            return False
        return True

    def x_At(self, e: ast.At, ctx):
        if not self.history_here(e, ctx):
            return ERROR, ir.BoolConst(False)
        inner = Context(ctx.where, ctx.threshold, in_at=True)
        t, node = self.expr(e.operand, inner)
        if not self.scope.act_ref(e.act) or isinstance(t, ErrorT):
            return ERROR, ir.BoolConst(False)
        if isinstance(t, RealT) and t.value is not None:
            return t, node  # a constant is the same at every step
        self.scope.history_free.append((node, e.operand.span, "the E of `E at X`"))
        kept = RealT(t.unit, t.literal) if isinstance(t, RealT) else t
        return kept, ir.At(node, e.act.name)

    def x_Unary(self, e: ast.Unary, ctx):
        t, node = self.expr(e.operand, ctx)
        if e.op == "not":
            if isinstance(t, ErrorT):
                return ERROR, node
            if not isinstance(t, BoolT):
                self.scope.err("E0201", f"`not` needs a boolean, but its operand is {t.describe()}", e.operand.span)
                return ERROR, node
            return BOOL, ir.Not(node)
        if isinstance(t, ErrorT):
            return ERROR, node
        if not isinstance(t, RealT):
            self.scope.err("E0201", f"`-` needs a number, but its operand is {t.describe()}", e.operand.span)
            return ERROR, node
        value = -t.value if t.value is not None else None
        return RealT(t.unit, t.literal, value), (ir.Const(value) if value is not None else ir.Neg(node))

    def x_Binary(self, e: ast.Binary, ctx):
        lt, left = self.expr(e.left, ctx)
        rt, right = self.expr(e.right, ctx)
        if isinstance(lt, ErrorT) or isinstance(rt, ErrorT):
            return ERROR, ir.BoolConst(False)
        if e.op in ast.BOOL_OPS:
            for t, side in ((lt, e.left), (rt, e.right)):
                if not isinstance(t, BoolT):
                    self.scope.err("E0201", f"`{e.op}` needs booleans, but this operand is {t.describe()}", side.span)
                    return ERROR, ir.BoolConst(False)
            if e.op == "implies":
                return BOOL, ir.Implies(left, right)
            cls = ir.And if e.op == "and" else ir.Or
            args: list[ir.IExpr] = []
            for node in (left, right):  # flatten chains: a and b and c -> And(a, b, c)
                args.extend(node.args if isinstance(node, cls) else (node,))
            return BOOL, cls(tuple(args))
        return self.arith(e, lt, left, rt, right)

    def arith(self, e: ast.Binary, lt, left, rt, right):
        for t, side in ((lt, e.left), (rt, e.right)):
            if not isinstance(t, RealT):
                self.scope.err("E0201", f"`{e.op}` needs numbers, but this operand is {t.describe()}", side.span)
                return ERROR, ir.BoolConst(False)
        if e.op in ("+", "-"):
            unit = self.unify_units(lt, rt, e, "add" if e.op == "+" else "subtract")
            if unit is False:
                return ERROR, ir.BoolConst(False)
            literal = lt.literal and rt.literal
            if lt.value is not None and rt.value is not None:
                value = lt.value + rt.value if e.op == "+" else lt.value - rt.value
                if not self.bounded(value, e.span):
                    return ERROR, ir.BoolConst(False)
                return RealT(unit, literal, value), ir.Const(value)
            right_node = right if e.op == "+" else ir.Neg(right)
            args: list[ir.IExpr] = []
            for node in (left, right_node):
                args.extend(node.args if isinstance(node, ir.Add) else (node,))
            return RealT(unit, literal), ir.Add(tuple(args))
        if e.op == "*":
            if lt.value is not None and rt.value is not None:
                if not self.bounded(lt.value * rt.value, e.span):
                    return ERROR, ir.BoolConst(False)
                return RealT(lt.unit or rt.unit, lt.literal and rt.literal, lt.value * rt.value), \
                    ir.Const(lt.value * rt.value)
            if lt.value is None and rt.value is None:
                self.scope.err("E0204", "nonlinear arithmetic: one side of `*` must be a constant", e.span,
                         hint="rspdsl proves properties in linear arithmetic; multiply by a number")
                return ERROR, ir.BoolConst(False)
            k, t, node = (lt.value, rt, right) if lt.value is not None else (rt.value, lt, left)
            return self.scaled(k, t, node, e.span)
        # division
        if rt.value is None:
            self.scope.err("E0204", "nonlinear arithmetic: the divisor of `/` must be a constant", e.right.span,
                     hint="rspdsl proves properties in linear arithmetic; divide by a number")
            return ERROR, ir.BoolConst(False)
        if rt.value == 0:
            self.scope.err("E0210", "division by zero", e.right.span)
            return ERROR, ir.BoolConst(False)
        if lt.value is not None:
            if not self.bounded(lt.value / rt.value, e.span):
                return ERROR, ir.BoolConst(False)
            return RealT(lt.unit, lt.literal and rt.literal, lt.value / rt.value), ir.Const(lt.value / rt.value)
        return self.scaled(1 / rt.value, lt, left, e.span)

    def scaled(self, k: Fraction, t: RealT, node: ir.IExpr, span: Span):
        """k * node, merging nested scalings (`m * 2 * 3` is 6 * m) and bounding the coefficient."""
        if isinstance(node, ir.Mul):
            k, node = k * node.k, node.arg
        if not self.bounded(k, span):
            return ERROR, ir.BoolConst(False)
        return RealT(t.unit, t.literal), ir.Mul(k, node)

    def unify_units(self, lt: RealT, rt: RealT, e, verb: str):
        """The common unit of two numbers, or False after reporting E0205."""
        if lt.literal:
            return rt.unit
        if rt.literal:
            return lt.unit
        if lt.unit != rt.unit:
            self.scope.err("E0205", f"cannot {verb} {lt.describe()} and {rt.describe()}", e.span,
                     hint="quantities of different units never compare or combine")
            return False
        return lt.unit

    def x_Call(self, e: ast.Call, ctx):
        typed = [self.expr(a, ctx) for a in e.args]
        if any(isinstance(t, ErrorT) for t, _ in typed):
            return ERROR, ir.BoolConst(False)
        if isinstance(typed[0][0], ScaleT):  # v2: the highest / lowest value of one scale
            scale = typed[0][0].scale
            for (t, _), arg in zip(typed, e.args):
                if not isinstance(t, ScaleT) or t.scale != scale:
                    self.scope.err("E0203" if isinstance(t, ScaleT) else "E0201",
                             f"`{e.func}` of values of scale `{scale}` cannot take {t.describe()}", arg.span,
                             hint="max and min take numbers, or values of one scale")
                    return ERROR, ir.BoolConst(False)
            return ScaleT(scale), ir.MinMax(e.func, tuple(n for _, n in typed))
        acc: RealT | None = None
        for (t, _), arg in zip(typed, e.args):
            if not isinstance(t, RealT):
                self.scope.err("E0201", f"`{e.func}` takes numbers, but this argument is {t.describe()}", arg.span)
                return ERROR, ir.BoolConst(False)
            if acc is None:
                acc = t
            else:
                unit = self.unify_units(acc, t, e, f"take the {e.func} of")
                if unit is False:
                    return ERROR, ir.BoolConst(False)
                acc = RealT(unit, acc.literal and t.literal)
        assert acc is not None
        values = [t.value for t, _ in typed if isinstance(t, RealT) and t.value is not None]
        if len(values) == len(typed):  # every argument a known constant: fold
            value = max(values) if e.func == "max" else min(values)
            return RealT(acc.unit, acc.literal, value), ir.Const(value)
        return RealT(acc.unit, acc.literal), ir.MinMax(e.func, tuple(n for _, n in typed))

    def x_Compare(self, e: ast.Compare, ctx):
        typed = [(None, None) if _is_days_since(o) else self.expr(o, ctx) for o in e.operands]
        parts: list[ir.IExpr] = []
        failed = False
        for i, op in enumerate(e.ops):
            (lt, left), (rt, right) = typed[i], typed[i + 1]
            if lt is None or rt is None:
                node = self.since_compare(op, e.operands[i], rt, e.operands[i + 1], lt, ctx)
            else:
                node = self.compare_pair(op, lt, left, rt, right, e.operands[i], e.operands[i + 1], e)
            if node is None:
                failed = True
            else:
                parts.append(node)
        if failed:
            return ERROR, ir.BoolConst(False)
        return BOOL, parts[0] if len(parts) == 1 else ir.And(tuple(parts))

    def since_compare(self, op, left, rt, right, lt, ctx) -> ir.IExpr | None:
        """`days_since(X) op k` (or `k op days_since(X)`, flipped) as one SinceCmp term."""
        since, other, other_t = (left, right, rt) if lt is None and _is_days_since(left) else (right, left, lt)
        if other_t is None:
            self.scope.err("E0401", "`days_since(...)` must be compared with a constant", since.span,
                     hint="compare each `days_since` with a number of days")
            return None
        if not self.history_here(since, ctx) or not self.scope.act_ref(since.target) or isinstance(other_t, ErrorT):
            return None
        if not isinstance(other_t, RealT) or other_t.value is None or other_t.unit not in (None, "days", "day"):
            self.scope.err("E0401", "`days_since(...)` must be compared with a constant", other.span,
                     hint=f"write e.g. `days_since({since.target.name}) <= 180` (days)")
            return None
        if since is right:
            op = _FLIPPED[op]
        return ir.SinceCmp(since.target.name, op, other_t.value)

    def compare_pair(self, op, lt, left, rt, right, le, re_, whole) -> ir.IExpr | None:
        if isinstance(lt, ErrorT) or isinstance(rt, ErrorT):
            return None
        span = le.span.join(re_.span)
        if isinstance(lt, RealT) and isinstance(rt, RealT):
            if self.unify_units(lt, rt, whole, "compare") is False:
                return None
            return ir.Cmp(op, left, right)
        if isinstance(lt, ScaleT) and isinstance(rt, ScaleT):
            if lt.scale != rt.scale:
                self.scope.err("E0203", f"cannot compare {lt.describe()} with {rt.describe()}", span,
                         hint="scale values compare only within their own scale")
                return None
            return ir.Cmp(op, left, right)
        if isinstance(lt, TierT) and isinstance(rt, TierT):
            return ir.Cmp(op, left, right)
        if isinstance(lt, BoolT) and isinstance(rt, BoolT):
            if op not in ("==", "!="):
                self.scope.err("E0211", f"`{op}` does not order booleans", span,
                         hint="use `==`, `!=`, `implies` or `and`/`or`")
                return None
            return ir.Cmp(op, left, right)
        for t, other in ((lt, rt), (rt, lt)):
            if isinstance(t, RealT) and t.literal and isinstance(other, (ScaleT, TierT)):
                wanted = "a tier name" if isinstance(other, TierT) else f"a value of scale `{other.scale}`"
                self.scope.err("E0212", f"a number cannot be compared with {other.describe()}", span,
                         hint=f"write {wanted} instead of a number")
                return None
        self.scope.err("E0201", f"cannot compare {lt.describe()} with {rt.describe()}", span,
                 hint=self._boolean_compared_hint(op, lt, le, rt, re_))
        return None

    def _boolean_compared_hint(self, op, lt, le, rt, re_) -> str | None:
        """`j >= 1` on a judgement: say what `j` is and what to drop."""
        for t, side, other_t in ((lt, le, rt), (rt, re_, lt)):
            if isinstance(t, BoolT) and isinstance(side, ast.Name) and isinstance(other_t, RealT):
                entity = self.scope.names.get(side.name)
                kind = entity.kind if entity is not None else "flag"
                if other_t.value is not None and side is le:
                    return f"`{side.name}` is a {kind} (true/false): drop `{op} {_number(other_t.value)}`"
                return f"`{side.name}` is a {kind} (true/false): write `{side.name}` or `not {side.name}`"
        return None


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _is_days_since(e: ast.Expr) -> bool:
    return isinstance(e, ast.History) and e.func == "days_since"


def _number(value) -> str:
    from ..numbers import decimal_text

    return decimal_text(value) or str(value)


def _comparison_hint(e: ast.Expr) -> str:
    """E0202's hint: a comparison, with the expression's own name when it is one."""
    name = e.name if isinstance(e, ast.Name) else "m"
    return f"write a comparison, e.g. `{name} >= 0.5`"
