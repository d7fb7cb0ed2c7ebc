"""Baselines, step 3: prove the translated assertions over the policy, and tell the results in the
baseline's and the policy's terms (a witness is a state of the policy; the values the baseline's
names take in it are computed from the bindings)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from ...logic.facts import BaselineFacts, Role
from ...logic.results import Report, Result, Witness
from ...semantics import ir
from ...semantics.depth import room_for_combined
from ...source import NO_SPAN, Location
from .bind import decl_span
from .translate import Translation

# ======================================================================== values in baseline terms

def _value(e: ir.IExpr, state: dict[str, Any], decision: Any) -> Any:
    """A bound expression's value in a state (the evaluator's decision supplies the rest)."""
    if isinstance(e, (ir.Const, ir.BoolConst, ir.IntConst)):
        return e.value
    if isinstance(e, ir.Var):
        return state[e.name]
    if isinstance(e, ir.ThresholdRef):
        return decision.thresholds[e.name]
    if isinstance(e, ir.AllowedRef):
        return decision.allowed[e.action]
    if isinstance(e, ir.TierValue):
        return decision.tier
    if isinstance(e, ir.Not):
        return not _value(e.arg, state, decision)
    if isinstance(e, ir.And):
        return all(_value(a, state, decision) for a in e.args)
    if isinstance(e, ir.Or):
        return any(_value(a, state, decision) for a in e.args)
    if isinstance(e, ir.Implies):
        return (not _value(e.left, state, decision)) or bool(_value(e.right, state, decision))
    if isinstance(e, ir.Neg):
        return -_value(e.arg, state, decision)
    if isinstance(e, ir.Mul):
        return e.k * _value(e.arg, state, decision)
    if isinstance(e, ir.Add):
        return sum((_value(a, state, decision) for a in e.args), Fraction(0))
    if isinstance(e, ir.MinMax):
        values = [_value(a, state, decision) for a in e.args]
        return min(values) if e.func == "min" else max(values)
    if isinstance(e, ir.Cmp):
        left, right = _value(e.left, state, decision), _value(e.right, state, decision)
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                "==": left == right, "!=": left != right}[e.op]
    raise TypeError(f"unknown IR node {type(e).__name__}")


def baseline_values(translation: Translation, state_json: dict, names: Iterable[str]) -> dict[str, Any]:
    """What the baseline's names mean in a witness state of the policy (STATE.json in, values out)."""
    from ...logic.witness import decide
    from ...state import read_state

    policy = translation.checked   # holds the `free` names' variables too
    state = read_state(policy, state_json, origin="witness")
    decision = decide(policy, state)
    out: dict[str, Any] = {}
    for name in names:
        value = _value(translation.meanings[name], state, decision)
        var = translation.baseline.variables.get(name)
        if var is not None and var.sort == "int" and var.scale in translation.baseline.scales:
            value = translation.baseline.scales[var.scale].values[int(value)]
        elif isinstance(value, (int, Fraction)) and not isinstance(value, bool):
            value = Fraction(value)
        out[name] = value
    return out


# ======================================================================== checking

def _locations(translation: Translation, assertion: str) -> tuple[tuple[Location, ...], tuple[tuple[str, str], ...]]:
    """The policy declarations an assertion was translated onto (actions first), and for each the
    (policy entity, baseline name) it stands for."""
    policy = translation.policy
    found: dict[str, str] = {}
    names = translation.uses.get(assertion, ())
    ordered = [n for n in names if translation.bindings[n].kind == "action"] + \
              [n for n in names if translation.bindings[n].kind != "action"]
    for name in ordered:
        for node in ir.walk(translation.bindings[name].expr):
            target = node.action if isinstance(node, ir.AllowedRef) else \
                node.name if isinstance(node, (ir.Var, ir.ThresholdRef)) else None
            if target is not None and target not in found:
                found[target] = name
    places = tuple((t, name) for t, name in found.items() if decl_span(policy, t) != NO_SPAN)
    if not places:
        return (Location(NO_SPAN, Role.POLICY),), ()
    return tuple(Location(decl_span(policy, t), Role.BOUND) for t, _ in places), places


def relabel(translation: Translation, result: Result, baseline_path: str) -> Result:
    """A prover result about a translated assertion, told in the baseline's and the policy's terms."""
    name = result.subject
    source = next((a for a in translation.baseline.assertions if a.name == name), None)
    names = translation.uses.get(name, ())
    witness = result.witness
    terms = None
    if witness is not None and witness.state is not None:
        terms = baseline_values(translation, witness.state, names)
        # the policy's own state: what `rspdsl eval POLICY` replays (free names are not the policy's)
        witness = Witness(state={k: v for k, v in witness.state.items() if k in translation.policy.variables})
    locations, places = _locations(translation, name)
    facts = BaselineFacts(name, source.description if source is not None else None, baseline_path,
                          source.span.line if source is not None else None,
                          source.span.column if source is not None else None,
                          {n: translation.bindings[n].text for n in names}, places, terms, result.facts)
    return dataclasses.replace(result, facts=facts, witness=witness, locations=locations)


def check_translation(translation: Translation, baseline_path: str, *, timeout_ms: int = 10_000,
                      seed: int = 0, verify: Callable[..., Report] | None = None) -> Report:
    """Prove every translated baseline assertion over the policy; results relabelled."""
    from ...logic.prover import verify as prove

    properties = {f"assert:{a.name}" for a in translation.checked.assertions}
    report = (verify or prove)(translation.checked, timeout_ms=timeout_ms, seed=seed, properties=properties)
    with room_for_combined(translation.checked):  # values in baseline terms walk the bindings recursively
        return Report(tuple(relabel(translation, r, baseline_path) for r in report.results))

