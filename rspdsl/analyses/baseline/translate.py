"""Baselines, step 2: substitute the bound expressions into the baseline's assertions.

The baseline's thresholds are inlined, and `allowed(A)` in a binding is read as "A may be taken"
(its rules allow it and every requirement active for it holds). The translated assertions replace
the policy's own; a baseline metric's declared bounds become assumptions (the baseline says
nothing about states outside them), and each `free` name becomes a variable of its own.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ...frontend import LoadResult
from ...semantics import ir
from ...semantics.depth import room_for_combined
from ...semantics.model import Assertion, Policy
from ..mapping import Mapping
from .bind import FREE_PREFIX, Binding, Problem, bind_default, bind_mapped, coverage, interval, used_names


@dataclass(frozen=True)
class Translation:
    """The policy with the baseline's assertions (translated) in place of its own."""
    baseline: Policy
    policy: Policy                    # the submitted policy, unchanged
    checked: Policy                   # the policy whose assertions are the translated baseline ones
    bindings: dict[str, Binding]      # every baseline name the assertions use
    uses: dict[str, tuple[str, ...]]  # assertion -> the baseline names it uses
    meanings: dict[str, ir.IExpr]     # name -> its binding with `allowed(A)` read as "A may be taken"


def may_take(policy: Policy, action: str) -> ir.IExpr:
    """`action` may be taken under the policy: its rules allow it and every requirement active for
    it holds. (When the policy's `mitigations` property is proved, this is just allowed(action).)
    A requirement some `waive` lifts for the action is active only while none of those waivers'
    conditions holds (language v2 §4), as the evaluator decides it."""
    parts: list[ir.IExpr] = [ir.AllowedRef(action)]
    for r in policy.requirements_for(action):
        active: list[ir.IExpr] = []
        if r.tier:
            active.append(ir.Cmp(">=", ir.TierValue(), ir.IntConst(r.tier)))
        if r.condition is not None:
            active.append(r.condition)
        active += [ir.Not(w.condition) for w in policy.waivers_of(r.index, action)]
        if not active:
            parts.append(r.commitment)
        else:
            parts.append(ir.Implies(active[0] if len(active) == 1 else ir.And(tuple(active)), r.commitment))
    return parts[0] if len(parts) == 1 else ir.And(tuple(parts))


def _expand_allowed(policy: Policy, e: ir.IExpr) -> ir.IExpr:
    """Every allowed(A) in a binding, read as may_take(A)."""
    if isinstance(e, ir.AllowedRef):
        return may_take(policy, e.action)
    if isinstance(e, (ir.Not, ir.Neg)):
        return dataclasses.replace(e, arg=_expand_allowed(policy, e.arg))
    if isinstance(e, (ir.And, ir.Or, ir.Add, ir.MinMax)):
        return dataclasses.replace(e, args=tuple(_expand_allowed(policy, a) for a in e.args))
    if isinstance(e, (ir.Implies, ir.Cmp)):
        return dataclasses.replace(e, left=_expand_allowed(policy, e.left), right=_expand_allowed(policy, e.right))
    if isinstance(e, ir.Mul):
        return ir.Mul(e.k, _expand_allowed(policy, e.arg))
    return e


def _substitute(baseline: Policy, e: ir.IExpr, bindings: dict[str, ir.IExpr]) -> ir.IExpr:
    if isinstance(e, ir.Var):
        return bindings[e.name]
    if isinstance(e, ir.AllowedRef):
        return bindings[e.action]
    if isinstance(e, ir.ThresholdRef):
        return _substitute(baseline, baseline.thresholds[e.name].condition, bindings)
    if isinstance(e, (ir.Not, ir.Neg)):
        return dataclasses.replace(e, arg=_substitute(baseline, e.arg, bindings))
    if isinstance(e, ir.Mul):
        return ir.Mul(e.k, _substitute(baseline, e.arg, bindings))
    if isinstance(e, (ir.And, ir.Or, ir.Add, ir.MinMax)):
        return dataclasses.replace(e, args=tuple(_substitute(baseline, a, bindings) for a in e.args))
    if isinstance(e, (ir.Implies, ir.Cmp)):
        return dataclasses.replace(e, left=_substitute(baseline, e.left, bindings),
                                   right=_substitute(baseline, e.right, bindings))
    return e


def _assumptions(baseline: Policy, policy: Policy, names: Iterable[str], bindings: dict[str, ir.IExpr]) -> list[ir.IExpr]:
    """A baseline metric's bounds, over its binding, wherever the policy's range exceeds them."""
    out: list[ir.IExpr] = []
    for name in names:
        var = baseline.variables.get(name)
        if var is None or var.kind != "metric" or var.sort != "real" or var.lo is None or var.hi is None:
            continue
        expr = bindings[name]
        have = interval(policy, expr)
        if have is None or have[0] < var.lo:
            out.append(ir.Cmp(">=", expr, ir.Const(Fraction(var.lo))))
        if have is None or have[1] > var.hi:
            out.append(ir.Cmp("<=", expr, ir.Const(Fraction(var.hi))))
    return out



def _free_variables(baseline: Policy, policy: Policy, bindings: dict[str, Binding]) -> dict[str, Any]:
    """The checked policy's variables and scales, plus one variable per `free` baseline name."""
    free = [b.name for b in bindings.values() if b.origin == "free"]
    if not free:
        return {}
    variables, scales = dict(policy.variables), dict(policy.scales)
    for name in free:
        var = baseline.variables[name]
        scale = None
        if var.sort == "int" and var.scale in baseline.scales:
            scale = FREE_PREFIX + var.scale
            scales[scale] = dataclasses.replace(baseline.scales[var.scale], name=scale)
        variables[FREE_PREFIX + name] = dataclasses.replace(var, name=FREE_PREFIX + name, scale=scale)
    return {"variables": variables, "scales": scales}


def translate(baseline: Policy, loaded: LoadResult, mapping: Mapping | None = None,
              map_hint: str = "a mapping file passed with --map") -> tuple[Translation | None, list[Problem]]:
    """Bind every baseline name the assertions use, then substitute. Problems name their file.

    Resolving a mapping's expressions and substituting the bindings recurse: the first along a
    chain of operands (the parser's headroom), the second through the baseline's assertions, a
    binding and the policy's requirements in turn (their depths add up)."""
    from ...syntax.parser import MAX_PATH, recursion_headroom

    assert loaded.policy is not None, "translate needs a policy that loaded"
    with recursion_headroom(), room_for_combined(baseline, loaded.policy, extra_depth=MAX_PATH):
        return _translate(baseline, loaded, mapping, map_hint)


def _translate(baseline: Policy, loaded: LoadResult, mapping: Mapping | None,
               map_hint: str) -> tuple[Translation | None, list[Problem]]:
    policy = loaded.policy
    assert policy is not None, "translate needs a policy that loaded"
    bindings: dict[str, Binding] = {}
    problems: list[Problem] = []
    if mapping is not None:
        bindings, problems = bind_mapped(baseline, loaded, mapping)
        map_hint = f"`{mapping.source.path}`"
    mapped_names = set(mapping.entries) | mapping.broken if mapping is not None else set()
    uses = {a.name: tuple(used_names(baseline, a)) for a in baseline.assertions}
    for name in dict.fromkeys(n for names in uses.values() for n in names):
        if name in bindings or name in mapped_names:
            continue  # bound, or its mapping line already has an error reported
        binding, problem = bind_default(baseline, loaded, name, map_hint)
        if problem is not None:
            problems.append(problem)
        else:
            assert binding is not None
            bindings[name] = binding
    for name in dict.fromkeys(n for names in uses.values() for n in names):
        if name in bindings:
            warn = coverage(baseline, loaded, mapping, bindings[name])
            if warn is not None:
                problems.append(warn)
    if any(p.diagnostic.is_error for p in problems):
        return None, problems
    meanings = {name: _expand_allowed(policy, b.expr) for name, b in bindings.items()}
    assertions = []
    for a in baseline.assertions:
        body = _substitute(baseline, a.body, meanings)
        assumed = _assumptions(baseline, policy, uses[a.name], meanings)
        if assumed:
            body = ir.Implies(assumed[0] if len(assumed) == 1 else ir.And(tuple(assumed)), body)
        assertions.append(Assertion(a.name, body, a.description, a.span))
    checked = dataclasses.replace(policy, assertions=tuple(assertions), **_free_variables(baseline, policy, bindings))
    return Translation(baseline, policy, checked, bindings, uses, meanings), problems

