"""Self-marking (language-v2.md §6): for each tier T above the first,

- can_avoid: ∀ other inputs ∃ internal judgements and metrics: tier < T — the developer's own
  findings can always keep the model below T, whatever every other input says. Decided as the
  negation ∃ others ∀ internal: tier ≥ T; a model of that is a counterexample (the other inputs
  under which no internal finding avoids T), replayed with the internal inputs at the values
  the solver completes them with.
- can_force: ∃ external inputs ∀ other inputs: tier ≥ T — an external finding alone forces T.

"Other inputs" are everything not in the group asked about, responses included, and inputs
with no `by` (unattributed) are never counted as internal or external: a claim about what the
developer alone can do never rests on an input whose author the policy does not name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...diagnostics import InternalError
from ...logic.encode import conj
from ...semantics.interpret import decide
from ...semantics.model import Policy
from ...state import state_to_json
from .encoding import encode, solver
from .who import EXTERNAL, INTERNAL, inputs_by_standing


@dataclass(frozen=True)
class TierControl:
    tier: str
    can_avoid: str        # "yes" | "no" | "unknown" (internal findings alone keep the model below)
    can_force: str        # "yes" | "no" | "unknown" (an external finding alone forces the tier)
    avoid_witness: dict[str, Any] | None = None   # can_avoid "no": a state at or above T that internal
    force_witness: dict[str, Any] | None = None   # can_force "yes": external values forcing T (a state)


def _answer(verdict: Any, yes_when_sat: bool) -> str:
    import z3
    if verdict == z3.sat:
        return "yes" if yes_when_sat else "no"
    if verdict == z3.unsat:
        return "no" if yes_when_sat else "yes"
    return "unknown"


def tier_control(policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0) -> list[TierControl]:
    import z3
    ctx = z3.Context()
    s = encode(policy, "", ctx)
    groups = inputs_by_standing(policy)
    history = list(s.bounds[len(s.bounds_of(list(policy.variables))):])  # its own invariants, if any
    out = []
    for t in policy.tiers[1:]:
        at_or_above = s.tier_ge(t.index)

        def exists_forall(fixed: list[str], body: Any) -> tuple[Any, Any]:
            """∃ the variables not in `fixed`... ∀ `fixed` within bounds: body."""
            quantified = [s.vars[n] for n in fixed]
            inner = z3.Implies(conj(s.bounds_of(fixed), ctx), body)
            sv = solver(ctx, timeout_ms, seed)
            free = [n for n in policy.variables if n not in fixed]
            sv.add(*s.bounds_of(free), *history)
            sv.add(z3.ForAll(quantified, inner) if quantified else inner)
            verdict = sv.check()
            return verdict, (sv.model() if verdict == z3.sat else None)

        # can_avoid is false iff ∃ others ∀ internal: tier >= T
        verdict, model = exists_forall(groups[INTERNAL], at_or_above)
        avoid = _answer(verdict, yes_when_sat=False)
        avoid_witness = _replayed(policy, s, model, t.index, at_least=True) if avoid == "no" else None
        # can_force: ∃ external ∀ others: tier >= T (the others are everything but the external inputs)
        others = [n for n in policy.variables if n not in groups[EXTERNAL]]
        verdict, model = exists_forall(others, at_or_above)
        force = _answer(verdict, yes_when_sat=True) if groups[EXTERNAL] else "no"
        force_witness = _replayed(policy, s, model, t.index, at_least=True) if force == "yes" else None
        out.append(TierControl(t.name, avoid, force, avoid_witness, force_witness))
    return out


def _replayed(policy: Policy, s: Any, model: Any, tier: int, at_least: bool) -> dict[str, Any]:
    """The model's state (the quantified variables at the values Z3 completes them with), decided
    by the definitional evaluator, which must agree that the state is at or above the tier."""
    state = s.read(model)
    decision = decide(policy, state)
    if at_least and decision.tier < tier:
        raise InternalError(f"audit self-marking: the evaluator puts the witness at tier "
                            f"{policy.tiers[decision.tier].name}, below {policy.tiers[tier].name}")
    return state_to_json(policy, state)
