"""The deploy question of a checked rspdsl Policy, as Cedar policies and as a Rego module.

Both are generated from the same checked Policy the evaluator runs, so the three engines decide
the same question: is `ACTION` allowed in this state? Numbers stay exact in every engine: a real
x is passed as the integer X = x * SCALE (states are on a 1/SCALE grid; `fixed_point` refuses any
that is not), and every comparison of linear terms is multiplied through by the least common
multiple of its denominators, so Cedar (64-bit Longs) and Rego compare integers only.

Cedar has no definitions: thresholds and `tier >= k` (= some tier condition j >= k holds) are
inlined. Rego gets one function per threshold, per `tier >= k`, and per disjunction.
"""
from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rspdsl.semantics import ir
from rspdsl.semantics.model import Policy

SCALE = 10_000


class Untranslatable(Exception):
    """An IR shape these encodings do not cover (min/max, tier against a non-constant)."""


# ---------------------------------------------------------------- states

def fixed_point(value: Any) -> int:
    """x -> x * SCALE as an int, exactly; refuses values off the grid."""
    q = Fraction(value) if not isinstance(value, Decimal) else Fraction(value)
    scaled = q * SCALE
    if scaled.denominator != 1:
        raise ValueError(f"{value} is not a multiple of 1/{SCALE}")
    return scaled.numerator


def convert_state(policy: Policy, obj: dict) -> dict[str, Any]:
    """A STATE.json object (numbers as Decimal or int) -> the integer form both engines read."""
    out: dict[str, Any] = {}
    for name, var in policy.variables.items():
        value = obj[name]
        if var.sort == "bool":
            out[name] = bool(value)
        elif var.sort == "int":
            out[name] = policy.scales[var.scale].values.index(value)
        else:
            out[name] = fixed_point(value)
    return out


# ---------------------------------------------------------------- linear arithmetic

def _linear(e: ir.IExpr, m: Fraction, out: dict[str | None, Fraction]) -> None:
    """Accumulate m * e as {variable name: coefficient, None: constant}."""
    if isinstance(e, (ir.Const, ir.IntConst)):
        out[None] = out.get(None, Fraction(0)) + m * e.value
    elif isinstance(e, ir.Var):
        out[e.name] = out.get(e.name, Fraction(0)) + m
    elif isinstance(e, ir.Add):
        for a in e.args:
            _linear(a, m, out)
    elif isinstance(e, ir.Neg):
        _linear(e.arg, -m, out)
    elif isinstance(e, ir.Mul):
        _linear(e.arg, m * e.k, out)
    else:
        raise Untranslatable(f"{type(e).__name__} in arithmetic")


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def integer_comparison(cmp: ir.Cmp, var_scale: dict[str, int]) -> tuple[list[tuple[int, str]], str, int]:
    """`left op right` over reals as `sum(k_i * X_i) op c` with integers k_i, c, where X_i is
    variable i as passed (x_i * var_scale[i])."""
    terms: dict[str | None, Fraction] = {}
    _linear(cmp.left, Fraction(1), terms)
    _linear(cmp.right, Fraction(-1), terms)
    const = -terms.pop(None, Fraction(0))
    # x_i = X_i / s_i: coefficient k_i / s_i; multiply through by the lcm of all denominators (> 0)
    coeffs = {name: k / var_scale[name] for name, k in terms.items() if k}
    lcm = 1
    for q in list(coeffs.values()) + [const]:
        lcm = lcm * q.denominator // math.gcd(lcm, q.denominator)
    return ([(int(k * lcm), name) for name, k in coeffs.items()], cmp.op, int(const * lcm))


def _is_tier_cmp(e: ir.Cmp) -> bool:
    return isinstance(e.left, ir.TierValue) or isinstance(e.right, ir.TierValue)


def tier_cmp(e: ir.Cmp) -> tuple[str, int]:
    """`tier op k` with the tier on the left."""
    if isinstance(e.left, ir.TierValue) and isinstance(e.right, ir.IntConst):
        return e.op, int(e.right.value)
    if isinstance(e.right, ir.TierValue) and isinstance(e.left, ir.IntConst):
        return _FLIP[e.op], int(e.left.value)
    raise Untranslatable("tier compared with something other than a tier name")


def tier_as_ge(op: str, k: int, top: int) -> list[tuple[bool, int]]:
    """`tier op k` as a conjunction of (positive?, j) meaning `tier >= j` or `not tier >= j`."""
    if op == ">":
        op, k = ">=", k + 1
    if op == "<=":
        op, k = "<", k + 1
    if op == ">=":
        return [(True, k)] if k > 0 else []
    if op == "<":
        return [(False, k)] if k <= top else []
    if op == "==":
        return tier_as_ge(">=", k, top) + tier_as_ge("<", k + 1, top)
    raise Untranslatable(f"tier {op} k")


def _var_scales(policy: Policy) -> dict[str, int]:
    return {n: (SCALE if v.sort == "real" else 1) for n, v in policy.variables.items()}


# ---------------------------------------------------------------- Cedar

class _Cedar:
    def __init__(self, policy: Policy):
        self.policy = policy
        self.scales = _var_scales(policy)
        self.top = len(policy.tiers) - 1
        self.memo_ge: dict[int, str] = {}

    def var(self, name: str) -> str:
        return f"context[{json.dumps(name)}]"

    def tier_ge(self, k: int) -> str:
        if k <= 0:
            return "true"
        if k > self.top:
            return "false"
        if k not in self.memo_ge:
            conds = [self.expr(t.condition) for t in self.policy.tiers[k:]]
            self.memo_ge[k] = "(" + " || ".join(conds) + ")"
        return self.memo_ge[k]

    def expr(self, e: ir.IExpr) -> str:
        if isinstance(e, ir.BoolConst):
            return "true" if e.value else "false"
        if isinstance(e, ir.Var):
            if e.sort != "bool":
                raise Untranslatable("a non-boolean variable used as a condition")
            return self.var(e.name)
        if isinstance(e, ir.ThresholdRef):
            return self.expr(self.policy.thresholds[e.name].condition)
        if isinstance(e, ir.Not):
            return f"(!{self.expr(e.arg)})"
        if isinstance(e, (ir.And, ir.Or)):
            if not e.args:
                return "true" if isinstance(e, ir.And) else "false"
            op = " && " if isinstance(e, ir.And) else " || "
            return "(" + op.join(self.expr(a) for a in e.args) + ")"
        if isinstance(e, ir.Implies):
            return f"((!{self.expr(e.left)}) || {self.expr(e.right)})"
        if isinstance(e, ir.Cmp):
            return self.cmp(e)
        raise Untranslatable(f"{type(e).__name__} as a condition")

    def cmp(self, e: ir.Cmp) -> str:
        if _is_tier_cmp(e):
            op, k = tier_cmp(e)
            parts = [self.tier_ge(j) if positive else f"(!{self.tier_ge(j)})"
                     for positive, j in tier_as_ge(op, k, self.top)]
            return "(" + " && ".join(parts) + ")" if parts else "true"
        sort = _sort(e.left)
        if sort == "bool":
            return f"({self.expr(e.left)} {e.op} {self.expr(e.right)})"
        if sort == "int":
            return f"({self.int_term(e.left)} {e.op} {self.int_term(e.right)})"
        terms, op, const = integer_comparison(e, self.scales)
        lhs = " + ".join(f"{k} * {self.var(n)}" if k != 1 else self.var(n) for k, n in terms) or "0"
        return f"({lhs} {op} {const})"

    def int_term(self, e: ir.IExpr) -> str:
        if isinstance(e, ir.IntConst):
            return str(int(e.value))
        if isinstance(e, ir.Var):
            return self.var(e.name)
        raise Untranslatable(f"{type(e).__name__} as a scale value")


def _sort(e: ir.IExpr) -> str:
    if isinstance(e, (ir.BoolConst, ir.Not, ir.And, ir.Or, ir.Implies, ir.Cmp, ir.ThresholdRef, ir.AllowedRef)):
        return "bool"
    if isinstance(e, ir.IntConst):
        return "int"
    if isinstance(e, ir.Var):
        return e.sort
    if isinstance(e, ir.TierValue):
        return "int"
    return "real"


def cedar_policies(policy: Policy, action: str) -> str:
    """Cedar policies deciding `action` (principal and resource are unconstrained)."""
    gen = _Cedar(policy)
    head = f'(principal, action == Action::{json.dumps(action)}, resource)'
    out = []
    if policy.actions[action].default_permit:
        out.append(f"permit{head};")
    for rule in policy.rules_for(action):
        out.append(f"{rule.effect}{head}\nwhen {{ {gen.expr(rule.condition)} }};")
    return "\n\n".join(out) + "\n"


def cedar_request(context: dict[str, Any], action: str) -> dict[str, Any]:
    return {"principal": {"type": "Developer", "id": "lab"}, "action": {"type": "Action", "id": action},
            "resource": {"type": "Model", "id": "candidate"}, "context": context}


# ---------------------------------------------------------------- Rego

class _Rego:
    """Every helper is a boolean function f<i>(s, t) of the state s and its tier t (computed once
    per state by `tier(s)`, an else-chain from the top tier down)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.scales = _var_scales(policy)
        self.top = len(policy.tiers) - 1
        self.defs: list[str] = []
        self.names: dict[tuple[str, Any], str] = {}

    def fn(self, key: tuple[str, Any], bodies_of) -> str:
        """A function true iff one of its bodies holds (defined once per key)."""
        if key not in self.names:
            name = f"f{len(self.names)}"
            self.names[key] = name
            for body in bodies_of():
                self.defs.append(f"{name}(s, t) if {{\n  " + "\n  ".join(body or ["true"]) + "\n}")
        return f"{self.names[key]}(s, t)"

    def var(self, name: str) -> str:
        return f"s[{json.dumps(name)}]"

    def body(self, e: ir.IExpr) -> list[str]:
        """Literals whose conjunction is e."""
        if isinstance(e, ir.BoolConst):
            return [] if e.value else ["false"]
        if isinstance(e, ir.Var):
            return [f"{self.var(e.name)} == true"]
        if isinstance(e, ir.ThresholdRef):
            name = e.name
            return [self.fn(("thr", name), lambda: [self.body(self.policy.thresholds[name].condition)])]
        if isinstance(e, ir.And):
            return [lit for a in e.args for lit in self.body(a)]
        if isinstance(e, ir.Or):
            if not e.args:
                return ["false"]
            return [self.fn(("or", id(e)), lambda: [self.body(a) for a in e.args])]
        if isinstance(e, ir.Implies):
            return self.body(ir.Or((ir.Not(e.left), e.right)))
        if isinstance(e, ir.Not):
            inner = self.body(e.arg)
            if not inner:
                return ["false"]
            if len(inner) == 1:
                return [inner[0][4:]] if inner[0].startswith("not ") else [f"not {inner[0]}"]
            return [f"not {self.fn(('and', id(e.arg)), lambda: [inner])}"]
        if isinstance(e, ir.Cmp):
            return self.cmp(e)
        raise Untranslatable(f"{type(e).__name__} as a condition")

    def cmp(self, e: ir.Cmp) -> list[str]:
        if _is_tier_cmp(e):
            op, k = tier_cmp(e)
            return [f"t {op} {k}"]
        sort = _sort(e.left)
        if sort == "bool":
            a = self.fn(("b", id(e.left)), lambda: [self.body(e.left)])
            b = self.fn(("b", id(e.right)), lambda: [self.body(e.right)])
            same = e.op == "=="
            return [self.fn(("beq", id(e)), lambda: [[a, b], [f"not {a}", f"not {b}"]] if same
                            else [[a, f"not {b}"], [f"not {a}", b]])]
        if sort == "int":
            left = str(int(e.left.value)) if isinstance(e.left, ir.IntConst) else self.var(e.left.name)
            right = str(int(e.right.value)) if isinstance(e.right, ir.IntConst) else self.var(e.right.name)
            return [f"{left} {e.op} {right}"]
        terms, op, const = integer_comparison(e, self.scales)
        lhs = " + ".join(f"{k} * {self.var(n)}" if k != 1 else self.var(n) for k, n in terms) or "0"
        return [f"{lhs} {op} {const}"]


def rego_module(policy: Policy, action: str, package: str = "rsp") -> str:
    """A Rego module with `decide(s)` (true iff `action` is allowed in state s) and
    `decisions` = [decide(s) | s in input.states]."""
    gen = _Rego(policy)
    chain = []
    for tier in reversed(policy.tiers[1:]):
        lits = gen.body(tier.condition)
        head = "tier(s) := " if not chain else "} else := "
        chain.append(f"{head}{tier.index} if {{\n  t := 0\n  " + "\n  ".join(lits or ["true"]))
    tier_fn = ("\n".join(chain) + "\n} else := 0") if chain else "tier(s) := 0"
    permits = [r for r in policy.rules_for(action) if r.effect == "permit"]
    forbids = [r for r in policy.rules_for(action) if r.effect == "forbid"]
    permit_bodies = [[]] if policy.actions[action].default_permit else [gen.body(r.condition) for r in permits]
    forbid_bodies = [gen.body(r.condition) for r in forbids]
    lits = ["t := tier(s)"]
    lits.append(gen.fn(("permit",), lambda: permit_bodies) if permit_bodies else "false")
    if forbid_bodies:
        lits.append("not " + gen.fn(("forbid",), lambda: forbid_bodies))
    head = [f"package {package}", "", "import rego.v1", ""]
    decide = ["decide(s) := true if {\n  " + "\n  ".join(lits) + "\n} else := false", "",
              "decisions := [decide(s) | some s in input.states]", "", tier_fn, ""]
    return "\n".join(head + decide + ["\n\n".join(gen.defs), ""])
