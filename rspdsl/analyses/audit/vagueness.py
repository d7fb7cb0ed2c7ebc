"""Vagueness (language-v2.md §6):

- per threshold: does its value depend on any quantitative metric? ∃ a valuation of everything
  but the metrics, and two valuations of the metrics, on which the threshold differs. If none,
  the threshold is pure judgement: the same whatever is measured (a witness pair otherwise).
- per commitment: a bare safeguard (a declared safeguard, or its negation: "the standard is in
  place") or a measurable condition (it compares a metric or control with a bound).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...diagnostics import InternalError
from ...semantics import ir
from ...semantics.interpret import decide
from ...semantics.model import Policy, Requirement
from ...state import state_to_json
from .encoding import encode, solver

QUANTITATIVE, JUDGEMENT_ONLY, UNKNOWN = "quantitative", "judgement only", "unknown"
BARE, MEASURABLE, COMBINATION = "bare safeguard", "measurable condition", "boolean combination"


@dataclass(frozen=True)
class ThresholdVagueness:
    threshold: str
    verdict: str                         # QUANTITATIVE | JUDGEMENT_ONLY | UNKNOWN
    metrics: tuple[str, ...]             # the metrics it mentions (directly or through thresholds)
    witness: tuple[dict[str, Any], dict[str, Any]] | None = None   # two states that differ only in metrics


@dataclass(frozen=True)
class CommitmentKind:
    text: str
    line: int
    kind: str                            # BARE | MEASURABLE | COMBINATION


def thresholds(policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0) -> list[ThresholdVagueness]:
    import z3
    metrics = [v.name for v in policy.variables.values() if v.kind == "metric"]
    ctx = z3.Context()
    a = encode(policy, "a.", ctx)
    shared = {n: a.vars[n] for n in policy.variables if n not in metrics}
    b = encode(policy, "b.", ctx, shared=shared)
    out = []
    for name, th in policy.thresholds.items():
        mentioned = tuple(m for m in metrics if m in _reads(policy, th.condition))
        if not mentioned:
            out.append(ThresholdVagueness(name, JUDGEMENT_ONLY, ()))
            continue
        sv = solver(ctx, timeout_ms, seed)
        sv.add(*a.bounds, *b.bounds)
        sv.add(a.thresholds[name] != b.thresholds[name])
        verdict = sv.check()
        if verdict == z3.unsat:
            out.append(ThresholdVagueness(name, JUDGEMENT_ONLY, mentioned))
        elif verdict == z3.sat:
            model = sv.model()
            states = (a.read(model), b.read(model))
            if decide(policy, states[0]).thresholds[name] == decide(policy, states[1]).thresholds[name]:
                raise InternalError(f"audit vagueness {name}: the evaluator does not see the two states differ")
            pair = (state_to_json(policy, states[0]), state_to_json(policy, states[1]))
            out.append(ThresholdVagueness(name, QUANTITATIVE, mentioned, pair))
        else:
            out.append(ThresholdVagueness(name, UNKNOWN, mentioned))
    return out


def _reads(policy: Policy, e: ir.IExpr, seen: frozenset[str] = frozenset()) -> set[str]:
    """The variables an expression reads, through the thresholds it names."""
    out: set[str] = set()
    for node in ir.walk(e):
        if isinstance(node, ir.Var):
            out.add(node.name)
        elif isinstance(node, ir.ThresholdRef) and node.name not in seen:
            out |= _reads(policy, policy.thresholds[node.name].condition, seen | {node.name})
    return out


def commitment_kind(policy: Policy, r: Requirement) -> str:
    e = r.commitment
    if isinstance(e, ir.Not):
        e = e.arg
    if isinstance(e, ir.Var) and policy.variables[e.name].kind == "safeguard":
        return BARE
    measured = any(isinstance(n, ir.Cmp) and any(isinstance(s, ir.Var) and policy.variables[s.name].sort != "bool"
                                                  for s in ir.walk(n)) for n in ir.walk(r.commitment))
    return MEASURABLE if measured else COMBINATION


def commitments(policy: Policy) -> list[CommitmentKind]:
    seen: set[str] = set()
    out = []
    for r in policy.requirements:
        if r.text in seen:
            continue
        seen.add(r.text)
        out.append(CommitmentKind(r.text, r.span.line, commitment_kind(policy, r)))
    return out
