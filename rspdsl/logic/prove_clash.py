"""The prover's consistency check (obligations of kind "exists_forall").

Consistency (∃ inputs ∀ responses) is decided by Z3's `qsat` tactic: quantifier satisfaction with
model-based projection (Bjørner & Janota, 2015), a complete decision procedure for linear real
arithmetic with booleans (and bounded integers as free inputs). A plain counterexample-guided loop
that blocks one concrete response at a time need not terminate over the reals (it can walk
`c = 1/2, 3/4, 7/8, ...` towards a bound); model-based projection blocks whole regions and does.
The clash is then made explicit on the ordinary solver: with the inputs fixed, the per-requirement
clauses are unsatisfiable; their unsat core, minimized by deletion, is the reported set.
"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..diagnostics import InternalError
from ..source import Location
from ..state import is_finite_decimal, state_to_json
from .boolops import Implies
from .encode import z3_value
from .facts import Consistency, Role
from .names import requirement_names
from .obligations import Obligation
from .outcome import Outcome, unknown
from .results import Status
from .witness import decimal_candidates, new_solver, shown

if TYPE_CHECKING:  # pragma: no cover
    from .prover import Prover


def check_clash(p: Prover, ob: Obligation) -> Outcome:
    import z3
    qsat = new_solver(p.ctx, seed=p.seed, timeout_ms=p.timeout_ms, tactic="qsat")
    try:
        qsat.add(ob.smt_formula())
        verdict = qsat.check()
    except z3.Z3Exception as exc:
        return unknown(str(exc))
    if verdict == z3.unsat:
        return Outcome(Status.PROVED)
    if verdict != z3.sat:
        return unknown(p.reason(qsat))
    copy = ob.copies[0]
    inputs = p.policy.inputs
    x = copy.read(qsat.model())
    pins = [copy.vars[v.name] == z3_value(v, x[v.name], p.ctx) for v in inputs]
    if copy.history is not None and hasattr(copy.history, "pins"):  # language v2: the history too
        pins += copy.history.pins(qsat.model())

    base = p.solver
    p.assert_context(copy.bounds)
    base.push()
    try:
        base.add(*ob.universal_context)
        tracks = [z3.Bool(f"rspdsl!clause{i}", p.ctx) for i in range(len(ob.clauses))]
        for lit, (_, clause) in zip(tracks, ob.clauses):
            base.add(Implies(lit, clause))

        def clash(pinned) -> tuple[str, Any]:
            """With the inputs pinned: ("clash", a model with some responses) when no
            responses meet every clause, ("met", None) when some do, ("unknown", reason)."""
            base.push()
            try:
                base.add(*pinned)
                verdict = p.check(*tracks)
                if verdict == z3.sat:
                    return "met", None
                if verdict == z3.unsat and p.check() == z3.sat:
                    return "clash", base.model()
                return "unknown", p.reason()
            finally:
                base.pop()

        found, model = clash(pins)
        if found == "unknown":
            return unknown(model)
        if found == "met":
            raise InternalError(f"consistency {ob.subject}: qsat reports a clash that the inputs "
                                f"{shown(p.policy, [x])} do not reproduce")
        # prefer decimal inputs: re-pin one at a time, keeping each that still clashes
        for i, v in enumerate(inputs):
            if v.sort != "real" or is_finite_decimal(Fraction(x[v.name])):
                continue
            for candidate in decimal_candidates(Fraction(x[v.name]), v.lo, v.hi):
                trial = list(pins)
                trial[i] = copy.vars[v.name] == z3_value(v, candidate, p.ctx)
                found, better = clash(trial)
                if found == "clash":
                    pins, model = trial, better
                    break
        base.push()
        try:
            base.add(*pins)
            core, minimal = p.minimal_core(tracks)
        finally:
            base.pop()
    finally:
        base.pop()
    state = copy.read(model)
    decision = p.replay(ob, [state])
    if ob.confirm is None or not ob.confirm(decision):
        raise InternalError(f"consistency {ob.subject}: the evaluator finds every active requirement "
                            f"met in {shown(p.policy, [state])}")
    core_reqs = [ob.clauses[i][0] for i in core]
    labels = requirement_names(p.policy, ob.subject)  # consistency subjects are actions
    as_json = state_to_json(p.policy, state)
    if not isinstance(ob.facts, Consistency):
        raise InternalError(f"consistency {ob.subject}: an exists-forall obligation without consistency facts")
    facts = replace(ob.facts, core=tuple(labels[r.index] for r in core_reqs),
                    core_lines=tuple(r.span.line for r in core_reqs),
                    inputs={v.name: as_json[v.name] for v in inputs}, core_minimal=minimal)
    locations = (ob.locations[0],) + tuple(Location(r.span, Role.CLASHING) for r in core_reqs)
    return Outcome(Status.VIOLATED, [state], facts, locations)
