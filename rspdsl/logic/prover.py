"""Discharge obligations with Z3 and replay every witness through the concrete evaluator.

`verify(policy)` encodes the policy once and checks all obligations on one seeded solver, each in
its own push/pop scope, with a per-check timeout. Results are tri-state: "unknown" (timeout, solver
incompleteness) is reported as such, with the solver's reason in details, and never as proved.

Every witness is replayed before it is reported: the state is written to STATE.json form and read
back (so it is within bounds and spelled exactly), then the definitional evaluator (`rspdsl.semantics.interpret`) decides it and must agree
with the solver's claim. A disagreement is a bug in rspdsl and raises InternalError; it is never
turned into a result.

Consistency (∃ inputs ∀ responses) is decided by Z3's `qsat` tactic: quantifier satisfaction with
model-based projection (Bjørner & Janota, 2015), a complete decision procedure for linear real
arithmetic with booleans (and bounded integers as free inputs). A plain counterexample-guided loop
that blocks one concrete response at a time need not terminate over the reals (it can walk
`c = 1/2, 3/4, 7/8, ...` towards a bound); model-based projection blocks whole regions and does.
The clash is then made explicit on the ordinary solver: with the inputs fixed, the per-requirement
clauses are unsatisfiable; their unsat core, minimized by deletion, is the reported set.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .. import lifetime
from ..diagnostics import InternalError
from ..semantics import interpret
from ..semantics.model import Policy
from ..state import dumps_exact, is_finite_decimal, read_state, state_to_json
from .encode import EncodingError, StateEncoding, disj, model_values, z3_value
from .obligations import Obligation, build_obligations, requirement_names, selected, step_obligations
from .results import Location, Report, Result, Witness

__all__ = ["verify", "InternalError", "Prover"]

# How far decimal pinning looks for a nicer spelling of a witness value (10**-k steps), and for
# how long in total per witness.
_DECIMAL_PLACES = 6
_PINNING_SECONDS = 1.0


def verify(policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0,
           properties: set[str] | None = None, depth: int = 8) -> Report:
    """Prove the built-in properties (or those in `properties`; "assert" selects all assertions)."""
    obligations = build_obligations(policy, properties)
    prover = Prover(policy, timeout_ms=timeout_ms, seed=seed, ctx=obligations.state.ctx)
    results = tuple(prover.discharge(ob) for ob in prover.prefilter(obligations.obligations))
    if policy.temporal:  # language v2: what the extended states did not prove, search runs for
        from . import run_check
        results = run_check.refine(policy, results, lambda s: step_obligations(policy, s, properties),
                                   depth=depth, timeout_ms=timeout_ms, seed=seed)
        if selected("deadlines", properties):
            results += tuple(run_check.deadlines(policy, depth=depth, timeout_ms=timeout_ms, seed=seed))
        if selected("duties", properties):
            results += tuple(run_check.duty_warnings(policy, timeout_ms=timeout_ms, seed=seed))
    report = Report(results)
    lifetime.keep((obligations, prover))  # the console script skips freeing them one by one
    return report


class _Outcome:
    """What a check found, before it becomes a Result."""

    def __init__(self, status: str, states: Sequence[dict] | None = None, details: dict | None = None,
                 locations: tuple | None = None):
        self.status = status
        self.states = states
        self.details = details or {}
        self.locations = locations   # None: the obligation's own


class Prover:
    """One seeded solver, shared across obligations with push/pop."""

    def __init__(self, policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0, ctx=None) -> None:
        import z3

        self.policy = policy
        self.timeout_ms = max(1, int(timeout_ms))
        self.seed = int(seed)
        self.ctx = ctx or z3.main_ctx()
        self.solver = z3.Solver(ctx=self.ctx)
        self._configure(self.solver)
        self._asserted: set[int] = set()
        self._seen: list[tuple[dict, Any]] = []  # (state, decision) replayed so far: cheap reachability
        self._proved_early: dict[int, float] = {}
        self._side: dict[int, Any] = {}  # id(definitions) -> a solver holding them (Target.assume)

    def _configure(self, solver) -> None:
        solver.set("random_seed", self.seed)
        solver.set("smt.random_seed", self.seed)
        solver.set("timeout", self.timeout_ms)

    # ------------------------------------------------------------------ scheduling

    def prefilter(self, obligations: Sequence[Obligation]) -> Sequence[Obligation]:
        """Check each group of "find" obligations as one disjunction first: when none can be
        violated (the usual case) one check proves them all."""
        import z3
        groups: dict[str, list[Obligation]] = {}
        for ob in obligations:
            if ob.kind == "find" and ob.group is not None:
                groups.setdefault(ob.group, []).append(ob)
        for members in groups.values():
            if len(members) < 2 or any(m.context is not members[0].context for m in members):
                continue
            start = time.perf_counter()
            self._assert_context(members[0].context)
            self.solver.push()
            try:
                self.solver.add(disj([m.formula for m in members], self.ctx))
                verdict = self._check()
            finally:
                self.solver.pop()
            if verdict == z3.unsat:
                share = (time.perf_counter() - start) / len(members)
                for m in members:
                    self._proved_early[id(m)] = share
        return obligations

    def discharge(self, ob: Obligation) -> Result:
        start = time.perf_counter()
        if id(ob) in self._proved_early:
            outcome = _Outcome("proved")
            seconds = self._proved_early[id(ob)]
        else:
            try:
                outcome = self._run(ob)
            except EncodingError as exc:
                raise InternalError(f"{ob.property} {ob.subject}: {exc}") from exc
            seconds = time.perf_counter() - start
        witness = None
        if outcome.status == "violated" and outcome.states:
            if len(outcome.states) == 1:
                witness = Witness(state=state_to_json(self.policy, outcome.states[0]))
            else:
                witness = Witness(lower=state_to_json(self.policy, outcome.states[0]),
                                  higher=state_to_json(self.policy, outcome.states[1]))
        return Result(property=ob.property, subject=ob.subject, status=outcome.status,
                      severity=ob.severity, message=ob.message(outcome.status, outcome.details),
                      witness=witness, locations=outcome.locations or ob.locations, details=outcome.details,
                      seconds=seconds)

    def _run(self, ob: Obligation) -> _Outcome:
        if ob.kind == "find":
            return self._find(ob)
        if ob.kind == "reach":
            return self._reach(ob)
        if ob.kind == "exists_forall":
            return self._exists_forall(ob)
        raise InternalError(f"unknown obligation kind {ob.kind!r}")

    # ------------------------------------------------------------------ solver plumbing

    def _assert_context(self, context: tuple) -> None:
        # Contexts are bounds (and the monotonic order) over disjoint copies of the state; each is
        # satisfiable on its own, so asserting them for good never changes another check's verdict.
        if id(context) not in self._asserted:
            self.solver.add(*context)
            self._asserted.add(id(context))

    def _check(self, *assumptions):
        import z3
        try:
            return self.solver.check(*assumptions)
        except z3.Z3Exception:
            return z3.unknown

    def _reason(self, solver=None) -> str:
        reason = (solver or self.solver).reason_unknown()
        if reason in ("canceled", "timeout") or "timeout" in reason:
            return "timeout"
        return reason or "unknown"

    # ------------------------------------------------------------------ find

    def _find(self, ob: Obligation) -> _Outcome:
        import z3
        self._assert_context(ob.context)
        self.solver.push()
        try:
            self.solver.add(ob.formula)
            verdict = self._check()
            if verdict == z3.unsat:
                return _Outcome("proved")
            if verdict != z3.sat:
                return _Outcome("unknown", details={"reason": self._reason()})
            model = self._prefer_decimals(self.solver.model(), ob.copies)
        finally:
            self.solver.pop()
        states = [copy.read(model) for copy in ob.copies]
        decisions = self._replay(ob, states)
        if not ob.confirm(decisions):
            raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm the "
                                f"solver's witness {[dumps_exact(state_to_json(self.policy, s)) for s in states]}")
        if len(states) == 2:
            self._check_order(ob, states)
        details = ob.explain(decisions) if ob.explain else {}
        locations = ob.locate(decisions) if ob.locate else None
        return _Outcome("violated", states, details, locations)

    def _prefer_decimals(self, model, copies: Sequence[StateEncoding]):
        """Re-solve with non-decimal reals pinned to nearby decimals when that keeps the model valid.

        Runs inside the caller's push scope (the obligation's formula is asserted).
        """
        import z3
        pins: list = []
        values = model_values(model)
        deadline = time.perf_counter() + _PINNING_SECONDS
        for copy in copies:
            names = copy.smt_names
            for name, var in self.policy.variables.items():
                q = values.get(names[name])
                if var.sort != "real" or not isinstance(q, Fraction) or is_finite_decimal(q):
                    continue
                for candidate in _decimal_candidates(q, var.lo, var.hi):
                    if time.perf_counter() > deadline:  # a "p/q" witness is still a witness
                        return model
                    pin = copy.vars[name] == z3_value(var, candidate, self.ctx)
                    self.solver.push()
                    try:
                        self.solver.add(*pins, pin)
                        self.solver.set("timeout", min(self.timeout_ms, int(_PINNING_SECONDS * 1000)))
                        if self._check() == z3.sat:
                            model = self.solver.model()
                            pins.append(pin)
                            break
                    finally:
                        self.solver.set("timeout", self.timeout_ms)
                        self.solver.pop()
        return model

    # ------------------------------------------------------------------ reach

    def _reach(self, ob: Obligation) -> _Outcome:
        import z3
        self._assert_context(ob.context)
        previous_state = None
        for target in ob.targets:
            state = self._already_reached(target)
            if state is None and target.assume:
                verdict = self._check_assumed(ob, target)
                if verdict == z3.unsat:
                    return self._unreached(ob, target, previous_state)
                if verdict != z3.sat:
                    return _Outcome("unknown", details={"reason": self._reason(self._side[id(target.definitions)])})
                previous_state = None  # reached, but no state was read
                continue
            if state is None:
                self.solver.push()
                try:
                    self.solver.add(target.term())
                    verdict = self._check()
                    if verdict == z3.sat:
                        model = self._prefer_decimals(self.solver.model(), ob.copies)
                finally:
                    self.solver.pop()
                if verdict == z3.unsat:
                    return self._unreached(ob, target, previous_state)
                if verdict != z3.sat:
                    return _Outcome("unknown", details={"reason": self._reason()})
                state = ob.copies[0].read(model)
                if not target.reached(self._replay(ob, [state])):
                    raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm that "
                                        f"{dumps_exact(state_to_json(self.policy, state))} reaches the target")
            previous_state = state
        return _Outcome("proved")

    def _check_assumed(self, ob: Obligation, target):
        """Check a target given as assumption literals, on the solver holding its definitions."""
        import z3
        solver = self._side.get(id(target.definitions))
        if solver is None:
            solver = z3.Solver(ctx=self.ctx)
            self._configure(solver)
            solver.add(*ob.context, *target.definitions)
            self._side[id(target.definitions)] = solver
        try:
            return solver.check(*target.assume)
        except z3.Z3Exception:
            return z3.unknown

    def _already_reached(self, target) -> dict | None:
        """A state replayed earlier that the evaluator says reaches the target: a proof of
        reachability that needs no solver call."""
        for state, decision in self._seen:
            if target.reached([decision]):
                return state
        return None

    def _unreached(self, ob: Obligation, target, previous_state) -> _Outcome:
        import z3
        details = {"finding": target.label}
        if target.why is not None:
            formula, if_sat, if_unsat = target.why
            self.solver.push()
            try:
                self.solver.add(formula)
                verdict = self._check()
            finally:
                self.solver.pop()
            if verdict != z3.unknown:
                details["why"] = if_sat if verdict == z3.sat else if_unsat
        if target.cover_parts() is not None:
            details["covered_by"] = self._cover(ob, target)
        if target.witness_claim is not None and previous_state is not None:
            decision = self._replay(ob, [previous_state])
            if not target.witness_claim(decision):
                raise InternalError(f"{ob.property} {ob.subject}: the evaluator does not confirm the "
                                    f"witness for '{target.label}'")
            return _Outcome("violated", [previous_state], details)
        return _Outcome("violated", None, details)

    def _cover(self, ob: Obligation, target) -> list[str]:
        """The labels of a set of the target's clauses that no state satisfies together with its
        base: minimal, unless the solver ran out of time (then larger, but still a cover)."""
        import z3
        base, clauses = target.cover_parts()
        tracks = [z3.Bool(f"rspdsl!cover{i}", self.ctx) for i in range(len(clauses))]
        self.solver.push()
        try:
            self.solver.add(base, *[z3.Implies(t, c) for t, (_, c) in zip(tracks, clauses)])
            core, _ = self._minimal_core(tracks, f"{ob.property} {ob.subject}")
        finally:
            self.solver.pop()
        return [clauses[i][0] for i in core]

    # ------------------------------------------------------------------ exists-forall

    def _exists_forall(self, ob: Obligation) -> _Outcome:
        import z3
        qsat = z3.Tactic("qsat", self.ctx).solver()
        self._configure(qsat)
        try:
            qsat.add(ob.smt_formula())
            verdict = qsat.check()
        except z3.Z3Exception as exc:
            return _Outcome("unknown", details={"reason": str(exc)})
        if verdict == z3.unsat:
            return _Outcome("proved")
        if verdict != z3.sat:
            return _Outcome("unknown", details={"reason": self._reason(qsat)})
        copy = ob.copies[0]
        inputs = self.policy.inputs
        x = copy.read(qsat.model())
        pins = [copy.vars[v.name] == z3_value(v, x[v.name], self.ctx) for v in inputs]

        base = self.solver
        self._assert_context(copy.bounds)
        base.push()
        try:
            base.add(*ob.universal_context)
            tracks = [z3.Bool(f"rspdsl!clause{i}", self.ctx) for i in range(len(ob.clauses))]
            for lit, (_, clause) in zip(tracks, ob.clauses):
                base.add(z3.Implies(lit, clause))

            def clash(p) -> tuple[str, Any]:
                """With the inputs pinned: ("clash", a model with some responses) when no
                responses meet every clause, ("met", None) when some do, ("unknown", reason)."""
                base.push()
                try:
                    base.add(*p)
                    verdict = self._check(*tracks)
                    if verdict == z3.sat:
                        return "met", None
                    if verdict == z3.unsat and self._check() == z3.sat:
                        return "clash", base.model()
                    return "unknown", self._reason()
                finally:
                    base.pop()

            found, model = clash(pins)
            if found == "unknown":
                return _Outcome("unknown", details={"reason": model})
            if found == "met":
                raise InternalError(f"consistency {ob.subject}: qsat reports a clash that the inputs "
                                    f"{dumps_exact(state_to_json(self.policy, x))} do not reproduce")
            # prefer decimal inputs: re-pin one at a time, keeping each that still clashes
            for i, v in enumerate(inputs):
                if v.sort != "real" or is_finite_decimal(Fraction(x[v.name])):
                    continue
                for candidate in _decimal_candidates(Fraction(x[v.name]), v.lo, v.hi):
                    trial = list(pins)
                    trial[i] = copy.vars[v.name] == z3_value(v, candidate, self.ctx)
                    found, better = clash(trial)
                    if found == "clash":
                        pins, model = trial, better
                        break
            base.push()
            try:
                base.add(*pins)
                core, minimal = self._minimal_core(tracks)
            finally:
                base.pop()
        finally:
            base.pop()
        state = copy.read(model)
        decision = self._replay(ob, [state])
        if not ob.confirm(decision):
            raise InternalError(f"consistency {ob.subject}: the evaluator finds every active requirement "
                                f"met in {dumps_exact(state_to_json(self.policy, state))}")
        core_reqs = [ob.clauses[i][0] for i in core]
        labels = requirement_names(self.policy, ob.subject)  # consistency subjects are actions
        as_json = state_to_json(self.policy, state)
        details = {"core": [labels[r.index] for r in core_reqs],
                   "core_lines": [r.span.line for r in core_reqs],
                   "inputs": {v.name: as_json[v.name] for v in inputs}}
        if not minimal:
            details["core_minimal"] = False
        locations = (ob.locations[0],) + tuple(Location(r.span, "a clashing commitment") for r in core_reqs)
        return _Outcome("violated", [state], details, locations)

    def _minimal_core(self, tracks: list, what: str = "consistency") -> tuple[list[int], bool]:
        """Indices of an unsatisfiable set of tracked clauses, minimised by deletion; and whether
        minimisation finished within the time limit (else the set is a core, perhaps not minimal)."""
        import z3
        verdict = self._check(*tracks)
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
            if self._check(*[tracks[j] for j in trial]) == z3.unsat:
                core = trial
            else:
                i += 1
        return core, True

    # ------------------------------------------------------------------ replay

    def _replay(self, ob: Obligation, states: Sequence[dict]) -> list:
        """Round-trip each state through STATE.json text, then decide it with the evaluator."""
        from ..state import StateError
        decisions = []
        for state in states:
            text = dumps_exact(state_to_json(self.policy, state))
            try:
                back = read_state(self.policy, text, origin="witness")
            except StateError as exc:
                raise InternalError(f"{ob.property} {ob.subject}: witness {text} does not read back: "
                                    f"{exc}") from exc
            if back != {k: v for k, v in state.items() if k != interpret.HISTORY_KEY}:
                raise InternalError(f"{ob.property} {ob.subject}: witness {text} reads back differently")
            if interpret.HISTORY_KEY in state:  # an extended state's history (language v2) rides along
                back[interpret.HISTORY_KEY] = state[interpret.HISTORY_KEY]
            decisions.append(interpret.decide(self.policy, back))  # the oracle, not the fast path
            self._seen.append((back, decisions[-1]))
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


def _decimal_candidates(q: Fraction, lo, hi) -> list[Fraction]:
    """Decimals near q, shortest first, within [lo, hi]."""
    out: list[Fraction] = []
    for places in range(1, _DECIMAL_PLACES + 1):
        scale = 10 ** places
        down = Fraction(q.numerator * scale // q.denominator, scale)
        for c in sorted({down, down + Fraction(1, scale)}, key=lambda c: abs(c - q)):
            if (lo is None or c >= lo) and (hi is None or c <= hi) and c not in out:
                out.append(c)
    return out[:8] if len(out) > 8 else out
