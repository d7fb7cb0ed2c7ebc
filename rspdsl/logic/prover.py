"""Discharge obligations with Z3 and replay every witness through the definitional evaluator.

`verify(policy)` encodes the policy once and checks all obligations on one seeded solver, each in
its own push/pop scope, with a per-check timeout. Results are tri-state: "unknown" (timeout, solver
incompleteness) is reported as such, with the solver's reason, and never as proved.

Every witness is replayed before it is reported (rspdsl.logic.witness: the STATE.json round trip,
then the definitional evaluator, rspdsl.semantics.interpret), and the evaluator must agree with the solver's claim. A disagreement
is a bug in rspdsl and raises InternalError; it is never turned into a result.

This module checks "find" obligations and schedules the rest: reachability targets are checked in
rspdsl.logic.prove_reach, consistency (∃ inputs ∀ responses, by Z3's qsat) in
rspdsl.logic.prove_clash, both on this prover's solver.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from .. import lifetime
from ..diagnostics import InternalError, Severity
from ..semantics.model import Policy
from ..state import state_to_json
from .encode import EncodingError, StateEncoding, disj
from .obligations import Obligation, build_obligations, decided_over_runs
from .outcome import Outcome, unknown
from .prove_clash import check_clash
from .prove_reach import check_reach
from .results import Report, Result, Status, Witness
from .witness import (
    check,
    new_solver,
    prefer_decimals,
    reals_of,
    replay,
    shown,
    unknown_reason,
)

__all__ = ["verify", "InternalError", "Prover"]


def verify(policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0,
           properties: set[str] | None = None, depth: int = 8) -> Report:
    """Prove the built-in properties (or those in `properties`; "assert" selects all assertions)."""
    results = prove(policy, timeout_ms=timeout_ms, seed=seed, properties=properties, depth=depth)
    assert results is not None  # nothing asks it to stop
    return Report(results)


def prove(policy: Policy, *, timeout_ms: int, seed: int, properties: set[str] | None = None, depth: int = 8,
          stop: Callable[[], bool] = lambda: False,
          started: Callable[[Any], None] = lambda ctx: None) -> tuple[Result, ...] | None:
    """verify's results, for a caller that may stop them (the editor): `stop` is asked between
    obligations and between the stages over runs, and when it says so the answer is None;
    `started` is given the Z3 context the proofs run in first (the editor interrupts it)."""
    obligations = build_obligations(policy, properties)
    started(obligations.state.ctx)
    prover = Prover(policy, timeout_ms=timeout_ms, seed=seed, ctx=obligations.state.ctx, runs_follow=policy.temporal)
    results: list[Result] = []
    for ob in prover.prefilter(obligations.obligations):
        if stop():
            return None
        results.append(prover.discharge(ob))
    out: tuple[Result, ...] | None = tuple(results)
    if policy.temporal:  # language v2: what the extended states did not prove, search runs for
        from .run_check import over_runs
        out = over_runs(policy, tuple(results), properties=properties, depth=depth, timeout_ms=timeout_ms,
                        seed=seed, stop=stop, extended=obligations.state)
    lifetime.keep((obligations, prover))  # the console script skips freeing them one by one
    return None if stop() else out


def history_json(policy: Policy, state: dict) -> dict | None:
    """The history an extended-state witness carries (language v2), as data for its Witness: only
    what the policy's history terms can see, None when the state has none."""
    from ..semantics.interpret import HISTORY_KEY, StepHistory

    history = state.get(HISTORY_KEY)
    if not isinstance(history, StepHistory):
        return None
    return {"day": history.day,
            "done": {act: history.day - day for act, day in history.latest.items()},
            "overdue": sorted(history.overdue),
            "at": {act: state_to_json(policy, {n: env[n] for n in policy.variables})
                   for act, env in history.past.items() if act in history.latest}}


class Prover:
    """One seeded solver, shared across obligations with push/pop."""

    def __init__(self, policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0, ctx=None,
                 runs_follow: bool = False) -> None:
        """`runs_follow`: the caller decides this policy about time over runs next
        (run_check.over_runs), which replaces every per-step violation found here by its run
        search's answer; so such a violation is reported without a state witness (nothing would
        show it), saving its model, decimals and replay."""
        import z3

        self.policy = policy
        self.timeout_ms = max(1, int(timeout_ms))
        self.seed = int(seed)
        self.ctx = ctx or z3.main_ctx()
        self.solver = new_solver(self.ctx, seed=self.seed, timeout_ms=self.timeout_ms)
        self._asserted: set[int] = set()
        self.seen: list[tuple[dict, Any]] = []  # (state, decision) replayed so far: cheap reachability
        self._proved_early: dict[int, float] = {}
        self.side: dict[int, Any] = {}  # id(definitions) -> a solver holding them (Target.assume)
        self.runs_follow = runs_follow

    # ------------------------------------------------------------------ scheduling

    def prefilter(self, obligations: Sequence[Obligation]) -> Sequence[Obligation]:
        """Check each group of obligations as one disjunction first: when none can be violated
        (the usual case) one check proves them all. A group of "exists_forall" obligations
        (consistency, one per action) shares its inputs and responses: if no inputs leave every
        response violating some action's clauses, no inputs do so for any one action."""
        import z3
        groups: dict[tuple[str, str], list[Obligation]] = {}
        for ob in obligations:
            if ob.kind in ("find", "exists_forall") and ob.group is not None:
                groups.setdefault((ob.kind, ob.group), []).append(ob)
        for (kind, _), members in groups.items():
            first = members[0]
            if len(members) < 2 or any(m.context is not first.context for m in members):
                continue
            start = time.perf_counter()
            if kind == "exists_forall":
                if any(m.universals is not first.universals or m.universal_context is not first.universal_context
                       for m in members):
                    continue
                verdict = self._group_exists_forall(first, members)
            else:
                self.assert_context(first.context)
                self.solver.push()
                try:
                    self.solver.add(disj([m.formula for m in members], self.ctx))
                    verdict = self.check()
                finally:
                    self.solver.pop()
            if verdict == z3.unsat:
                share = (time.perf_counter() - start) / len(members)
                for m in members:
                    self._proved_early[id(m)] = share
        return obligations

    def _group_exists_forall(self, first: Obligation, members: Sequence[Obligation]):
        """∃ inputs ∀ responses: some member's formula, by qsat (prove_clash) within a tenth of the
        time limit: an optimisation, so a hard group falls back to the members one by one soon."""
        from dataclasses import replace
        group = replace(first, formula=disj([m.formula for m in members], self.ctx))
        qsat = new_solver(self.ctx, seed=self.seed, timeout_ms=max(1, self.timeout_ms // 10), tactic="qsat")
        qsat.add(group.smt_formula())
        return check(qsat)

    def discharge(self, ob: Obligation) -> Result:
        start = time.perf_counter()
        if id(ob) in self._proved_early:
            outcome = Outcome(Status.PROVED)
            seconds = self._proved_early[id(ob)]
        else:
            try:
                outcome = self._run(ob)
            except EncodingError as exc:
                raise InternalError(f"{ob.property} {ob.subject}: {exc}") from exc
            seconds = time.perf_counter() - start
        witness = None
        if outcome.status == Status.VIOLATED and outcome.states:
            history = history_json(self.policy, outcome.states[0])  # one history for a pair (v2 §5)
            if len(outcome.states) == 1:
                witness = Witness(state=state_to_json(self.policy, outcome.states[0]), history=history)
            else:
                witness = Witness(lower=state_to_json(self.policy, outcome.states[0]),
                                  higher=state_to_json(self.policy, outcome.states[1]), history=history)
        return Result(property=ob.property, subject=ob.subject, status=outcome.status,
                      severity=Severity(ob.severity), facts=outcome.facts or ob.facts, witness=witness,
                      locations=outcome.locations or ob.locations, reason=outcome.reason, seconds=seconds)

    def _run(self, ob: Obligation) -> Outcome:
        if ob.kind == "find":
            return self._find(ob)
        if ob.kind == "reach":
            return check_reach(self, ob)
        if ob.kind == "exists_forall":
            return check_clash(self, ob)
        raise InternalError(f"unknown obligation kind {ob.kind!r}")

    # ------------------------------------------------------------------ solver plumbing

    def assert_context(self, context: tuple) -> None:
        # Contexts are bounds (and the monotonic order) over disjoint copies of the state; each is
        # satisfiable on its own, so asserting them for good never changes another check's verdict.
        if id(context) not in self._asserted:
            self.solver.add(*context)
            self._asserted.add(id(context))

    def check(self, *assumptions):
        return check(self.solver, *assumptions)

    def reason(self, solver=None) -> str:
        return unknown_reason(solver or self.solver)

    # ------------------------------------------------------------------ find

    def _find(self, ob: Obligation) -> Outcome:
        import z3
        self.assert_context(ob.context)
        self.solver.push()
        try:
            self.solver.add(ob.formula)
            verdict = self.check()
            if verdict == z3.unsat:
                return Outcome(Status.PROVED)
            if verdict != z3.sat:
                return unknown(self.reason())
            if self.runs_follow and decided_over_runs(ob.property):
                return Outcome(Status.VIOLATED)
            model = self.prefer_decimals(self.solver.model(), ob.copies)
        finally:
            self.solver.pop()
        states = [copy.read(model) for copy in ob.copies]
        decisions = self.replay(ob, states)
        if ob.confirm is None or not ob.confirm(decisions):
            raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm the "
                                f"solver's witness {shown(self.policy, states)}")
        if len(states) == 2:
            self._check_order(ob, states)
        facts = ob.explain(decisions) if ob.explain else ob.facts
        locations = ob.locate(decisions) if ob.locate else None
        return Outcome(Status.VIOLATED, states, facts, locations)

    def prefer_decimals(self, model, copies: Sequence[StateEncoding]):
        """Short decimals for the witness's reals (rspdsl.logic.witness), within the caller's scope."""
        reals = [r for copy in copies for r in reals_of(self.policy, copy.vars)]
        return prefer_decimals(self.solver, model, reals, timeout_ms=self.timeout_ms)

    # ------------------------------------------------------------------ cores

    def minimal_core(self, tracks: list, what: str = "consistency") -> tuple[list[int], bool]:
        """Indices of an unsatisfiable set of tracked clauses, minimised by deletion; and whether
        minimisation finished within the time limit (else the set is a core, perhaps not minimal)."""
        import z3
        verdict = self.check(*tracks)
        if verdict == z3.sat:
            raise InternalError(f"{what}: the clash disappeared while computing its core")
        if verdict != z3.unsat:  # out of time: every clause, honestly flagged as not minimised
            return list(range(len(tracks))), False
        core_names = {str(c) for c in self.solver.unsat_core()}
        core = [i for i, t in enumerate(tracks) if str(t) in core_names]
        deadline = time.perf_counter() + self.timeout_ms / 1000
        i = 0
        while i < len(core):
            if time.perf_counter() > deadline:
                return core, False
            trial = core[:i] + core[i + 1:]
            if self.check(*[tracks[j] for j in trial]) == z3.unsat:
                core = trial
            else:
                i += 1
        return core, True

    # ------------------------------------------------------------------ replay

    def replay(self, ob: Obligation, states: Sequence[dict]) -> list:
        """Each state through the one replay path (rspdsl.logic.witness.replay): its decisions."""
        decisions = []
        for state in states:
            replayed = replay(self.policy, state, what=f"{ob.property} {ob.subject}")
            decisions.append(replayed.decision)
            self.seen.append((replayed.state, replayed.decision))
        return decisions

    def _check_order(self, ob: Obligation, states: Sequence[dict]) -> None:
        lower, higher = states
        for v in self.policy.variables.values():
            a, b = lower[v.name], higher[v.name]
            if not v.is_input:
                ok = a == b
            else:
                if v.reassuring:
                    a, b = b, a
                ok = (not a or b) if v.sort == "bool" else a <= b
            if not ok:
                raise InternalError(f"{ob.property} {ob.subject}: the witness pair is not ordered at {v.name}")
