"""Proofs over runs (language-v2.md §5) for a policy that speaks about time.

For `mitigations`, `assert:NAME` and `deadlines`, in this order, the first that answers wins:
1. the extended-state proof (rspdsl/logic/history.py FreeHistory): proved for every run;
2. a bounded search for a violating compliant run of 1..K steps: violated, with the run as the
   witness, replayed by rspdsl/semantics/run.py before it is shown;
3. otherwise unknown: "no violation in runs of up to K steps; not proved".
(k-induction, the contract's third method, is not implemented yet: what it would prove is
reported unknown, never proved.)
`duties` (warnings): a duty whose act is never allowed, or whose trigger never holds.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..diagnostics import InternalError
from ..runs import run_to_json
from ..semantics.model import Duty, Policy
from ..semantics.run import StepResult, evaluate_run
from .encode import StateEncoding, _Translator, conj, encode_state
from .history import FreeHistory, UnrolledHistory, _builder_of, read_run, unroll
from .obligations import Obligation
from .results import Location, Result, Witness

DEFAULT_DEPTH = 8


def _solver(ctx, timeout_ms: int, seed: int):
    import z3
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", seed)
    return solver


def _not_proved_reason(depth: int) -> dict:
    return {"reason": f"no violation in runs of up to {depth} steps; not proved", "depth": depth}


def refine(policy: Policy, results: tuple[Result, ...], build: Callable[[StateEncoding], list[Obligation]],
           *, depth: int, timeout_ms: int, seed: int) -> tuple[Result, ...]:
    """Replace each mitigations/assert result the extended-state proof did not prove by the run
    search's answer. `build(step)` gives the same obligations over a step's encoding."""
    open_ = {(r.property, r.subject) for r in results
             if r.status != "proved" and (r.property == "mitigations" or r.property.startswith("assert:"))}
    if not open_:
        return results
    found: dict[tuple[str, str], Result] = {}
    for n in range(1, depth + 1):
        import z3
        start = time.perf_counter()
        ctx = z3.Context()
        run = unroll(policy, n, ctx)
        solver = _solver(ctx, timeout_ms, seed)
        for step in run.steps:
            solver.add(*step.bounds)
        for ob in build(run.steps[-1]):
            key = (ob.property, ob.subject)
            if key not in open_ or key in found:
                continue
            solver.push()
            solver.add(ob.formula)
            verdict = solver.check()
            model = solver.model() if verdict == z3.sat else None
            solver.pop()
            if model is None:
                continue
            steps = read_run(run, model)
            replayed = evaluate_run(policy, steps)
            if ob.confirm is None or not ob.confirm([replayed[-1].decision]):
                raise InternalError(f"{ob.property} {ob.subject}: the run evaluator does not confirm the "
                                    f"solver's run of {n} steps")
            details = ob.explain([replayed[-1].decision]) if ob.explain else {}
            found[key] = Result(ob.property, ob.subject, "violated", ob.severity,
                                ob.message("violated", details), Witness(run=run_to_json(policy, steps)),
                                ob.locations, {**details, "steps": n}, time.perf_counter() - start)
        if len(found) == len(open_):
            break
    out = []
    for r in results:
        key = (r.property, r.subject)
        if key in found:
            out.append(found[key])
        elif key in open_:
            out.append(Result(r.property, r.subject, "unknown", r.severity, _unknown_message(r), None,
                              r.locations, _not_proved_reason(depth), r.seconds))
        else:
            out.append(r)
    return tuple(out)


def _unknown_message(r: Result) -> str:
    return (f"{r.property} {r.subject}: a state with some history violates it, but no compliant run "
            "the search reached does; not proved.")


# --------------------------------------------------------------------------- deadlines

def deadlines(policy: Policy, *, depth: int, timeout_ms: int, seed: int) -> list[Result]:
    """Per duty whose act is an action: can the duty be pending while its act stays forbidden
    whatever the responses (∃ inputs ∀ responses, as `consistency`)?"""
    out = []
    for duty in policy.duties.values():
        start = time.perf_counter()
        locations = (Location(duty.span, "the duty"),)
        if duty.act not in policy.actions:  # an event: never forbidden
            out.append(Result("deadlines", duty.name, "proved", "error",
                              f"Duty {duty.name} can always be met: its act `{duty.act}` is an event, "
                              "never forbidden.", None, locations, {}, time.perf_counter() - start))
            continue
        out.append(_deadline(policy, duty, locations, depth, timeout_ms, seed, start))
    return out


def _variable_bounds(policy: Policy, s: StateEncoding) -> list:
    """The bound constraints of every variable (the first entries of s.bounds, in order)."""
    return s.bounds_of(list(policy.variables))


def _blocked(policy: Policy, s: StateEncoding, duty: Duty, extra: list) -> Any:
    """∀ responses (within bounds): the duty's act is not allowed."""
    import z3
    responses = [s.vars[v.name] for v in policy.responses]
    body = z3.Implies(conj(s.bounds_of([v.name for v in policy.responses]) + extra, s.ctx),
                      z3.Not(s.allowed[duty.act]))
    return z3.ForAll(responses, body) if responses else body


def _deadline(policy: Policy, duty: Duty, locations, depth: int, timeout_ms: int, seed: int,
              start: float) -> Result:
    import z3
    ctx = z3.Context()
    s = encode_state(policy, "", ctx=ctx, history=FreeHistory(policy, "", ctx))
    solver = _solver(ctx, timeout_ms, seed)
    # the inputs and the history's own invariants; the responses are quantified in _blocked
    history_invariants = s.bounds[len(_variable_bounds(policy, s)):]
    solver.add(*s.bounds_of([v.name for v in policy.inputs]), *history_invariants)
    if duty.kind == "every":  # due only while its `while` holds
        solver.add(_Translator(_builder_of(s))(duty.condition))
    solver.add(_blocked(policy, s, duty, []))
    verdict = solver.check()
    if verdict == z3.unsat:
        return Result("deadlines", duty.name, "proved", "error",
                      f"Duty {duty.name} can always be met: `{duty.act}` is allowed for some responses "
                      "wherever it is due.", None, locations, {}, time.perf_counter() - start)
    for n in range(1, depth + 1):
        ctx = z3.Context()
        run = unroll(policy, n, ctx)
        last = run.steps[-1]
        solver = _solver(ctx, timeout_ms, seed)
        for step in run.steps[:-1]:
            solver.add(*step.bounds)
        history = last.history
        assert isinstance(history, UnrolledHistory)
        # the last step: its inputs follow the run; its acts are none; its responses are quantified
        last_inputs = [v.name for v in policy.inputs]
        solver.add(*last.bounds_of(last_inputs))
        solver.add(*[z3.Not(b) for b in run.acts[-1].values()])
        solver.add(run.days[-1] >= (run.days[-2] if n > 1 else 0))
        if n > 1:
            before = run.steps[-2].vars
            for v in policy.inputs:
                if v.cumulative:
                    solver.add(last.vars[v.name] >= before[v.name])
                if v.set_at is not None:
                    solver.add(last.vars[v.name] == before[v.name])
        solver.add(history.pending(_builder_of(last), duty.name))
        extra = []
        if n > 1:
            extra = [last.vars[v.name] >= run.steps[-2].vars[v.name] for v in policy.responses if v.cumulative]
        solver.add(_blocked(policy, last, duty, extra))
        verdict = solver.check()
        if verdict != z3.sat:
            continue
        steps = read_run(run, solver.model())
        replayed: list[StepResult] = evaluate_run(policy, steps)
        status = replayed[-1].duties[duty.name]
        if not status.pending or replayed[-1].decision.allowed[duty.act]:
            raise InternalError(f"deadlines {duty.name}: the run evaluator does not confirm the solver's run")
        return Result("deadlines", duty.name, "violated", "error",
                      f"Duty {duty.name} can be due while `{duty.act}` is forbidden whatever the responses: "
                      "it cannot be met in time.", Witness(run=run_to_json(policy, steps)), locations,
                      {"steps": n, "due": status.due}, time.perf_counter() - start)
    return Result("deadlines", duty.name, "unknown", "error",
                  f"Could not decide whether duty {duty.name} can always be met.", None, locations,
                  _not_proved_reason(depth), time.perf_counter() - start)


# --------------------------------------------------------------------------- duties (warnings)

def duty_warnings(policy: Policy, *, timeout_ms: int, seed: int) -> list[Result]:
    """A duty never dischargeable (its act is an action never allowed) or never triggered (its
    trigger is an action never allowed, or a condition that never holds); `self_enforced` when no
    rule, requirement, threshold or assertion reads overdue(D)."""
    import z3

    ctx = z3.Context()
    s = encode_state(policy, "", ctx=ctx, history=FreeHistory(policy, "", ctx))
    read = _overdue_readers(policy)
    out = []
    for duty in policy.duties.values():
        start = time.perf_counter()
        problems = []
        if duty.act in policy.actions and not _possible(s, s.allowed[duty.act], timeout_ms, seed):
            problems.append(f"its act `{duty.act}` is never allowed")
        if duty.kind == "within":
            assert duty.trigger is not None
            if duty.trigger in policy.actions and not _possible(s, s.allowed[duty.trigger], timeout_ms, seed):
                problems.append(f"its trigger `{duty.trigger}` is never allowed")
            elif duty.trigger in policy.thresholds and not _possible(s, s.thresholds[duty.trigger], timeout_ms, seed):
                problems.append(f"its trigger `{duty.trigger}` never holds")
        elif duty.condition is not None and not _possible(s, _Translator(_builder_of(s))(duty.condition),
                                                         timeout_ms, seed):
            problems.append("its `while` condition never holds")
        self_enforced = duty.name not in read
        details: dict[str, Any] = {"self_enforced": self_enforced}
        if problems:
            details["problems"] = problems
            message = f"Duty {duty.name} is never in force: {'; '.join(problems)}."
        elif self_enforced:
            message = (f"Duty {duty.name} can be triggered and met; it is self-enforced: no rule reads "
                       f"overdue({duty.name}).")
        else:
            message = f"Duty {duty.name} can be triggered and met, and a rule reads overdue({duty.name})."
        out.append(Result("duties", duty.name, "violated" if problems else "proved", "warning", message,
                          None, (Location(duty.span, "the duty"),), details, time.perf_counter() - start))
    return out


def _possible(s: StateEncoding, formula, timeout_ms: int, seed: int) -> bool:
    """Some extended state satisfies `formula` (an unknown answer counts as possible: no warning)."""
    import z3
    solver = _solver(s.ctx, timeout_ms, seed)
    solver.add(*s.bounds)
    solver.add(formula)
    return solver.check() != z3.unsat


def _overdue_readers(policy: Policy) -> set[str]:
    from ..semantics import ir
    exprs = [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    exprs += [t.condition for t in policy.thresholds.values()]
    exprs += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return {n.duty for e in exprs for n in ir.walk(e) if isinstance(n, ir.Overdue)}
