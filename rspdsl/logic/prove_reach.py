"""The prover's reachability checks (obligations of kind "reach"): each target in order, a state
replayed earlier reused when it already reaches one, and for a target no state reaches, why (a
satisfiable or unsatisfiable side question) and what covers it (a minimal unsatisfiable core)."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..diagnostics import InternalError
from .boolops import Implies
from .facts import Reach
from .obligations import Obligation
from .outcome import Outcome, unknown
from .results import Status
from .witness import check, new_solver, shown

if TYPE_CHECKING:  # pragma: no cover
    from .prover import Prover


def check_reach(p: Prover, ob: Obligation) -> Outcome:
    import z3
    p.assert_context(ob.context)
    previous_state = None
    for target in ob.targets:
        state = _already_reached(p, target)
        if state is None and target.assume:
            verdict = _check_assumed(p, ob, target)
            if verdict == z3.unsat:
                return _unreached(p, ob, target, previous_state)
            if verdict != z3.sat:
                return unknown(p.reason(p.side[id(target.definitions)]))
            previous_state = None  # reached, but no state was read
            continue
        if state is None:
            p.solver.push()
            try:
                p.solver.add(target.term())
                verdict = p.check()
                if verdict == z3.sat:
                    model = p.prefer_decimals(p.solver.model(), ob.copies)
            finally:
                p.solver.pop()
            if verdict == z3.unsat:
                return _unreached(p, ob, target, previous_state)
            if verdict != z3.sat:
                return unknown(p.reason())
            state = ob.copies[0].read(model)
            if not target.reached(p.replay(ob, [state])):
                raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm that "
                                    f"{shown(p.policy, [state])} reaches the target")
        previous_state = state
    return Outcome(Status.PROVED)


def _check_assumed(p: Prover, ob: Obligation, target):
    """Check a target given as assumption literals, on the solver holding its definitions."""
    solver = p.side.get(id(target.definitions))
    if solver is None:
        solver = new_solver(p.ctx, seed=p.seed, timeout_ms=p.timeout_ms)
        solver.add(*ob.context, *target.definitions)
        p.side[id(target.definitions)] = solver
    return check(solver, *target.assume)


def _already_reached(p: Prover, target) -> dict | None:
    """A state replayed earlier that the evaluator says reaches the target: a proof of
    reachability that needs no solver call."""
    for state, decision in p.seen:
        if target.reached([decision]):
            return state
    return None


def _unreached(p: Prover, ob: Obligation, target, previous_state) -> Outcome:
    import z3
    why = None
    if target.why is not None:
        formula, if_sat, if_unsat = target.why
        p.solver.push()
        try:
            p.solver.add(formula)
            verdict = p.check()
        finally:
            p.solver.pop()
        if verdict != z3.unknown:
            why = if_sat if verdict == z3.sat else if_unsat
    covered = tuple(_cover(p, ob, target)) if target.cover_parts() is not None else None
    if not isinstance(ob.facts, Reach):
        raise InternalError(f"{ob.property} {ob.subject}: a reach obligation without reach facts")
    facts = replace(ob.facts, finding=target.label, why=why, covered_by=covered)
    if target.witness_claim is not None and previous_state is not None:
        decision = p.replay(ob, [previous_state])
        if not target.witness_claim(decision):
            raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm the "
                                f"witness for '{target.label}'")
        return Outcome(Status.VIOLATED, [previous_state], facts)
    return Outcome(Status.VIOLATED, None, facts)


def _cover(p: Prover, ob: Obligation, target) -> list:
    """What a set of the target's clauses says (rules, NoPermit) that no state satisfies together with its
    base: minimal, unless the solver ran out of time (then larger, but still a cover)."""
    import z3
    base, clauses = target.cover_parts()
    tracks = [z3.Bool(f"rspdsl!cover{i}", p.ctx) for i in range(len(clauses))]
    p.solver.push()
    try:
        p.solver.add(base, *[Implies(t, c) for t, (_, c) in zip(tracks, clauses)])
        core, _ = p.minimal_core(tracks, f"{ob.property} {ob.subject}")
    finally:
        p.solver.pop()
    return [clauses[i][0] for i in core]
