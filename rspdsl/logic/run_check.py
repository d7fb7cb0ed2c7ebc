"""Proofs over runs (language-v2.md §5) for a policy that speaks about time.

For `mitigations`, `assert:NAME` and `deadlines`, in this order, the first that answers wins:
1. the extended-state proof (rspdsl/logic/history.py FreeHistory): proved for every run;
2. a bounded search for a violating compliant run of 1..K steps: violated, with the run as the
   witness, replayed by rspdsl/semantics/run.py before it is shown;
3. k-induction for k = 1..K (history before the k steps is a free summary, history.Before):
   proved for every run;
4. otherwise unknown: "no violation in runs of up to K steps; not proved".
`duties` (warnings): a duty whose act is never allowed, or whose trigger never holds.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..diagnostics import InternalError, Severity
from ..runs import run_to_json
from ..semantics.model import Duty, Policy
from ..semantics.run import StepResult, evaluate_run
from ..source import Location
from .boolops import Implies, Not
from .encode import StateEncoding, _bounds, _Translator, conj, encode_state
from .facts import DeadlineFacts, DutyFacts, DutyProblem, Role, RunFacts, RunMethod
from .history import FreeHistory, Run, UnrolledHistory, _builder_of, read_run, unroll
from .obligations import Obligation, decided_over_runs, selected, step_obligations
from .results import Result, Status, Witness

DEFAULT_DEPTH = 8


def _solver(ctx, timeout_ms: int, seed: int):
    import z3
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", seed)
    return solver


def _not_proved_reason(depth: int) -> str:
    return f"no violation in runs of up to {depth} steps; not proved"


def _with_run(facts, run: RunFacts):
    """The obligation's facts with how runs decided it (Mitigation and AssertionFacts carry it)."""
    return replace(facts, run=run) if hasattr(facts, "run") else facts


def over_runs(policy: Policy, results: tuple[Result, ...], *, properties: set[str] | None = None, depth: int,
              timeout_ms: int, seed: int, stop: Callable[[], bool] = lambda: False,
              extended: StateEncoding | None = None) -> tuple[Result, ...] | None:
    """Language v2, after the extended-state proofs (`results`): what they did not prove is
    searched for over runs, then the deadlines and the duties (the selected ones). `stop` is
    asked between the stages (each search has its own Z3 contexts, bounded by the timeout): when
    it says so, None. `extended`: the extended state those proofs used (build_obligations'
    `state`), which the deadlines' and duties' first questions reuse rather than encode again."""
    results = refine(policy, results, lambda s: step_obligations(policy, s, properties),
                     depth=depth, timeout_ms=timeout_ms, seed=seed)
    if stop():
        return None
    if selected("deadlines", properties):
        results += tuple(deadlines(policy, depth=depth, timeout_ms=timeout_ms, seed=seed, state=extended))
    if stop():
        return None
    if selected("duties", properties):
        results += tuple(duty_warnings(policy, timeout_ms=timeout_ms, seed=seed, state=extended))
    return None if stop() else results


def refine(policy: Policy, results: tuple[Result, ...], build: Callable[[StateEncoding], list[Obligation]],
           *, depth: int, timeout_ms: int, seed: int) -> tuple[Result, ...]:
    """Replace each mitigations/assert result the extended-state proof did not prove by the run
    search's answer. `build(step)` gives the same obligations over a step's encoding."""
    def per_step(r: Result) -> bool:
        return decided_over_runs(r.property)

    open_ = {(r.property, r.subject) for r in results if r.status != Status.PROVED and per_step(r)}
    if not open_:
        return tuple(replace(r, facts=_with_run(r.facts, RunFacts(RunMethod.EXTENDED))) if per_step(r) else r
                     for r in results)
    import z3
    found: dict[tuple[str, str], Result] = {}
    # one run deepened a step at a time on one solver: runs of n steps are runs of n-1 steps and one more
    run = Run(policy, 0, z3.Context())
    solver = _solver(run.ctx, timeout_ms, seed)
    for n in range(1, depth + 1):
        start = time.perf_counter()
        solver.add(*run.add_step().bounds)
        shown: list[tuple[list, Any]] = []  # the runs found so far at this depth, with their last decision
        for ob in build(run.steps[-1]):
            key = (ob.property, ob.subject)
            if key not in open_ or key in found:
                continue
            # a run already replayed that violates this obligation too is its witness: no new search
            steps, last = next(((steps, last) for steps, last in shown if ob.confirm and ob.confirm([last])),
                               (None, None))
            if steps is None:
                solver.push()
                solver.add(ob.formula)
                verdict = solver.check()
                model = solver.model() if verdict == z3.sat else None
                solver.pop()
                if model is None:
                    continue
                steps = read_run(run, model)
                last = evaluate_run(policy, steps)[-1].decision
                if ob.confirm is None or not ob.confirm([last]):
                    raise InternalError(f"{ob.property} {ob.subject}: the run evaluator does not confirm the "
                                        f"solver's run of {n} steps")
                shown.append((steps, last))
            facts = ob.explain([last]) if ob.explain else ob.facts
            found[key] = Result(ob.property, ob.subject, Status.VIOLATED, Severity(ob.severity),
                                _with_run(facts, RunFacts(RunMethod.SEARCH, n)),
                                Witness(run=run_to_json(policy, steps)), ob.locations,
                                seconds=time.perf_counter() - start)
        if len(found) == len(open_):
            break
    inductive = _induction(policy, open_ - set(found), build, depth=depth, timeout_ms=timeout_ms, seed=seed)
    out = []
    for r in results:
        key = (r.property, r.subject)
        if key in found:
            out.append(found[key])
        elif key in inductive:
            k, seconds = inductive[key]
            out.append(replace(r, status=Status.PROVED, facts=_with_run(r.facts, RunFacts(RunMethod.INDUCTION, k)),
                               witness=None, reason=None, seconds=r.seconds + seconds))
        elif key in open_:
            out.append(replace(r, status=Status.UNKNOWN, facts=_with_run(r.facts, RunFacts(RunMethod.NOT_PROVED, depth)),
                               witness=None, reason=_not_proved_reason(depth)))
        elif per_step(r):
            out.append(replace(r, facts=_with_run(r.facts, RunFacts(RunMethod.EXTENDED))))
        else:
            out.append(r)
    return tuple(out)


def _induction(policy: Policy, keys: set[tuple[str, str]], build, *, depth: int, timeout_ms: int,
               seed: int) -> dict[tuple[str, str], tuple[int, float]]:
    """k-induction (§5, method 3), for what no run of up to `depth` steps violates (the base
    case): a property that holds at k consecutive steps anywhere in a run (what came before is
    free: history.Before) and cannot fail at the next one holds at every step of every run.
    Returns key -> (k, seconds) for each property proved."""
    import z3
    proved: dict[tuple[str, str], tuple[int, float]] = {}
    for k in range(1, depth + 1):
        if len(proved) == len(keys):
            break
        start = time.perf_counter()
        ctx = z3.Context()
        segment = unroll(policy, k + 1, ctx, segment=True)
        per_step = [{(ob.property, ob.subject): ob for ob in build(step)} for step in segment.steps]
        solver = _solver(ctx, timeout_ms, seed)
        for step in segment.steps:
            solver.add(*step.bounds)
        for key in sorted(keys - set(proved)):
            solver.push()
            solver.add(*[Not(obs[key].formula) for obs in per_step[:-1]])
            solver.add(per_step[-1][key].formula)
            if solver.check() == z3.unsat:
                proved[key] = (k, time.perf_counter() - start)
            solver.pop()
    return proved


# --------------------------------------------------------------------------- deadlines

def deadlines(policy: Policy, *, depth: int, timeout_ms: int, seed: int,
              state: StateEncoding | None = None) -> list[Result]:
    """Per duty whose act is an action: can the duty be pending while its act stays forbidden
    whatever the responses (∃ inputs ∀ responses, as `consistency`)? `state`: an extended state
    to ask the first question over (default: a new one)."""
    out = []
    extended: _Extended | None = None   # one encoding for every duty's first question
    for duty in policy.duties.values():
        start = time.perf_counter()
        locations = (Location(duty.span, Role.DUTY),)
        if duty.act not in policy.actions:  # an event: never forbidden
            out.append(Result("deadlines", duty.name, Status.PROVED, Severity.ERROR,
                              DeadlineFacts(duty.name, duty.act, act_is_event=True), None, locations,
                              seconds=time.perf_counter() - start))
            continue
        extended = extended or _Extended(policy, timeout_ms, seed, state)
        out.append(_deadline(policy, duty, extended, locations, depth, timeout_ms, seed, start))
    return out


class _Extended:
    """The extended state (a free history) every duty's first question is asked over: the inputs
    and the history's own invariants asserted; the responses are quantified per question, with
    the invariants that read them (a cumulative response's past <= now) and, for a cumulative
    response, an unknown earlier value it cannot drop below."""

    def __init__(self, policy: Policy, timeout_ms: int, seed: int, state: StateEncoding | None = None) -> None:
        import z3
        self.s = s = state or _extended_state(policy)
        self.ctx = ctx = s.ctx
        self.solver = _solver(ctx, timeout_ms, seed)
        responses = [s.vars[v.name] for v in policy.responses]
        given, self.chosen = s.history_split(responses)
        for v in policy.responses:
            if v.cumulative:
                earlier = (z3.Real if v.sort == "real" else z3.Int)(f"history.earlier.{v.name}", ctx)
                given += _bounds(v, earlier)
                self.chosen.append(s.vars[v.name] >= earlier)
        self.solver.add(*s.bounds_of([v.name for v in policy.inputs]), *given)

    def blocked(self, policy: Policy, duty: Duty) -> Any:
        """Whether some extended state has the duty due and its act forbidden whatever the responses."""
        s, solver = self.s, self.solver
        solver.push()
        try:
            if duty.kind == "every" and duty.condition is not None:  # due only while its `while` holds
                solver.add(_Translator(_builder_of(s))(duty.condition))
            solver.add(_blocked(policy, s, duty, self.chosen))
            return solver.check()
        finally:
            solver.pop()


def _blocked(policy: Policy, s: StateEncoding, duty: Duty, extra: list) -> Any:
    """∀ responses (within bounds): the duty's act is not allowed."""
    import z3
    responses = [s.vars[v.name] for v in policy.responses]
    body = Implies(conj(s.bounds_of([v.name for v in policy.responses]) + extra, s.ctx),
                      Not(s.allowed[duty.act]))
    return z3.ForAll(responses, body) if responses else body


def _deadline(policy: Policy, duty: Duty, extended: _Extended, locations, depth: int, timeout_ms: int,
              seed: int, start: float) -> Result:
    import z3
    verdict = extended.blocked(policy, duty)
    facts = DeadlineFacts(duty.name, duty.act)
    if verdict == z3.unsat:
        return Result("deadlines", duty.name, Status.PROVED, Severity.ERROR,
                      replace(facts, run=RunFacts(RunMethod.EXTENDED)), None, locations,
                      seconds=time.perf_counter() - start)
    for n in range(1, depth + 1):
        ctx = z3.Context()
        run, question = deadline_search(policy, duty, n, ctx)
        solver = _solver(ctx, timeout_ms, seed)
        solver.add(*question)
        verdict = solver.check()
        if verdict != z3.sat:
            continue
        steps = read_run(run, solver.model())
        replayed: list[StepResult] = evaluate_run(policy, steps)
        status = replayed[-1].duties[duty.name]
        if not status.pending or replayed[-1].decision.allowed[duty.act]:
            raise InternalError(f"deadlines {duty.name}: the run evaluator does not confirm the solver's run")
        return Result("deadlines", duty.name, Status.VIOLATED, Severity.ERROR,
                      replace(facts, due=status.due, run=RunFacts(RunMethod.SEARCH, n)),
                      Witness(run=run_to_json(policy, steps)), locations, seconds=time.perf_counter() - start)
    return Result("deadlines", duty.name, Status.UNKNOWN, Severity.ERROR,
                  replace(facts, run=RunFacts(RunMethod.NOT_PROVED, depth)), None, locations,
                  reason=_not_proved_reason(depth), seconds=time.perf_counter() - start)


def deadline_search(policy: Policy, duty: Duty, n: int, ctx: Any, prefix: str = "") -> tuple[Any, list]:
    """The bounded search's question for `duty` over runs of exactly n steps (also what `rspdsl
    smt --depth` writes): a run whose earlier steps comply, whose last step does nothing, where
    the duty is pending and its act is forbidden whatever the responses. Returns the unrolled
    run (a model of the question is read from it) and the constraints."""
    run = unroll(policy, n, ctx, prefix=prefix)
    last = run.steps[-1]
    question = [c for step in run.steps[:-1] for c in step.bounds]
    history = last.history
    assert isinstance(history, UnrolledHistory)
    # the last step: its inputs follow the run; its acts are none; its responses are quantified
    question += last.bounds_of([v.name for v in policy.inputs])
    question += [Not(b) for b in run.acts[-1].values()]
    question.append(run.days[-1] >= (run.days[-2] if n > 1 else 0))
    extra = []
    if n > 1:
        before = run.steps[-2].vars
        for v in policy.inputs:
            if v.cumulative:
                question.append(last.vars[v.name] >= before[v.name])
            if v.set_at is not None:
                question.append(last.vars[v.name] == before[v.name])
        extra = [last.vars[v.name] >= before[v.name] for v in policy.responses if v.cumulative]
    question.append(history.pending(_builder_of(last), duty.name))
    question.append(_blocked(policy, last, duty, extra))
    # the run shown needs values for the last step's responses: one admissible choice (which the
    # quantified formula says is blocked too), so the replayed run follows the input rules
    question += last.bounds_of([v.name for v in policy.responses]) + extra
    return run, question


# --------------------------------------------------------------------------- duties (warnings)

def _extended_state(policy: Policy) -> StateEncoding:
    """A policy's extended state (free history) in a new Z3 context."""
    import z3
    ctx = z3.Context()
    return encode_state(policy, "", ctx=ctx, history=FreeHistory(policy, "", ctx))


def duty_warnings(policy: Policy, *, timeout_ms: int, seed: int, state: StateEncoding | None = None) -> list[Result]:
    """A duty never dischargeable (its act is an action never allowed) or never triggered (its
    trigger is an action never allowed, or a condition that never holds); `self_enforced` when no
    rule, requirement, threshold or assertion reads overdue(D). `state`: the extended state to
    ask over (default: a new one)."""
    s = state or _extended_state(policy)
    solver = _solver(s.ctx, timeout_ms, seed)
    solver.add(*s.bounds)

    read = _overdue_readers(policy)
    out = []
    for duty in policy.duties.values():
        start = time.perf_counter()
        problems: list[DutyProblem] = []
        if duty.act in policy.actions and not _possible(solver, s.allowed[duty.act]):
            problems.append(DutyProblem.ACT_NEVER_ALLOWED)
        if duty.kind == "within":
            assert duty.trigger is not None
            if duty.trigger in policy.actions and not _possible(solver, s.allowed[duty.trigger]):
                problems.append(DutyProblem.TRIGGER_NEVER_ALLOWED)
            elif duty.trigger in policy.thresholds and not _possible(solver, s.thresholds[duty.trigger]):
                problems.append(DutyProblem.TRIGGER_NEVER_HOLDS)
        elif duty.condition is not None and not _possible(solver, _Translator(_builder_of(s))(duty.condition)):
            problems.append(DutyProblem.WHILE_NEVER_HOLDS)
        facts = DutyFacts(duty.name, duty.act, duty.trigger, tuple(problems), duty.name not in read)
        out.append(Result("duties", duty.name, Status.VIOLATED if problems else Status.PROVED, Severity.WARNING,
                          facts, None, (Location(duty.span, Role.DUTY),), seconds=time.perf_counter() - start))
    return out


def _possible(solver, formula) -> bool:
    """Some extended state (the solver holds its bounds) satisfies `formula` (an unknown answer
    counts as possible: no warning)."""
    import z3
    solver.push()
    try:
        solver.add(formula)
        return solver.check() != z3.unsat
    finally:
        solver.pop()


def _overdue_readers(policy: Policy) -> set[str]:
    from ..semantics import ir
    exprs = [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    exprs += [t.condition for t in policy.thresholds.values()]
    exprs += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return {n.duty for e in exprs for n in ir.walk(e) if isinstance(n, ir.Overdue)}
