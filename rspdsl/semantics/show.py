"""The IR shown in source syntax and source names, for reports (e.g. commitments split out of a
conjunction by the differ). Scale and tier indices are shown by their names."""
from __future__ import annotations

from fractions import Fraction

from ..state import number_text
from . import ir
from .model import Policy

_PREC = {"implies": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "add": 6, "mul": 7, "neg": 8, "atom": 9}


def show_expr(e: ir.IExpr, policy: Policy) -> str:
    """IR back to (roughly) the source syntax, for commitments split out of a conjunction."""
    return _show(e, policy)[0]


def _scale_name(policy: Policy, other: ir.IExpr, index: int) -> str:
    if isinstance(other, ir.TierValue) and 0 <= index < len(policy.tiers):
        return policy.tiers[index].name
    if isinstance(other, ir.Var):
        var = policy.variables.get(other.name)
        scale = policy.scales.get(var.scale or "") if var else None
        if scale and 0 <= index < len(scale.values):
            return scale.values[index]
    return str(index)


def _show(e: ir.IExpr, policy: Policy) -> tuple[str, int]:
    def wrap(child: ir.IExpr, prec: int) -> str:
        text, p = _show(child, policy)
        return f"({text})" if p < prec else text

    if isinstance(e, ir.Const):
        return number_text(e.value), _PREC["atom"] if e.value >= 0 else _PREC["neg"]
    if isinstance(e, ir.BoolConst):
        return ("true" if e.value else "false"), _PREC["atom"]
    if isinstance(e, ir.IntConst):
        return str(e.value), _PREC["atom"]
    if isinstance(e, (ir.Var, ir.ThresholdRef)):
        return e.name, _PREC["atom"]
    if isinstance(e, ir.TierValue):
        return "tier", _PREC["atom"]
    if isinstance(e, ir.AllowedRef):
        return f"allowed({e.action})", _PREC["atom"]
    if isinstance(e, ir.Not):
        return "not " + wrap(e.arg, _PREC["not"]), _PREC["not"]
    if isinstance(e, (ir.And, ir.Or)):
        word = "and" if isinstance(e, ir.And) else "or"
        if not e.args:
            return ("true" if word == "and" else "false"), _PREC["atom"]
        return f" {word} ".join(wrap(a, _PREC[word] + 1) for a in e.args), _PREC[word]
    if isinstance(e, ir.Implies):
        return f"{wrap(e.left, 2)} implies {wrap(e.right, 1)}", 1
    if isinstance(e, ir.Cmp):
        left, right = e.left, e.right
        lt = _scale_name(policy, right, left.value) if isinstance(left, ir.IntConst) else wrap(left, 6)
        rt = _scale_name(policy, left, right.value) if isinstance(right, ir.IntConst) else wrap(right, 6)
        return f"{lt} {e.op} {rt}", _PREC["cmp"]
    if isinstance(e, ir.Add):
        parts = [wrap(e.args[0], 6)] if e.args else ["0"]
        for a in e.args[1:]:
            if isinstance(a, ir.Neg):
                parts.append("- " + wrap(a.arg, 7))
            else:
                parts.append("+ " + wrap(a, 7))
        return " ".join(parts), _PREC["add"]
    if isinstance(e, ir.Neg):
        return "-" + wrap(e.arg, 8), _PREC["neg"]
    if isinstance(e, ir.Mul):
        k = Fraction(e.k)
        if k.numerator == 1 and k.denominator != 1:
            return f"{wrap(e.arg, 7)} / {k.denominator}", _PREC["mul"]
        return f"{number_text(k)} * {wrap(e.arg, 8)}", _PREC["mul"]
    if isinstance(e, ir.MinMax):
        return f"{e.func}(" + ", ".join(_show(a, policy)[0] for a in e.args) + ")", _PREC["atom"]
    return type(e).__name__, _PREC["atom"]
