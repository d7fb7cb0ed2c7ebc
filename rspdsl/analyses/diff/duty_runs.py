"""A duty's change judged by a run (language v2 §3, issue 10's diff): a run that both revisions
let the developer follow (every act done is allowed in each), at whose last step the duty is
overdue under one revision and not under the other. Such a run in the old -> new direction shows
the duty loosened (a longer deadline, a narrower trigger, a laxer clock, or the duty dropped); in
the other direction, tightened. The two policies share the run's days, its acts and every input
or response they both declare (by name and sort); what only one declares is free for it. Each
run is replayed through the definitional run evaluator of both policies before it is returned.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...diagnostics import InternalError
from ...logic.history import UnrolledHistory, _builder_of, read_run, unroll
from ...runs import run_to_json
from ...semantics.model import Policy
from ...semantics.run import Step, StepResult, evaluate_run

DEPTH = 4            # runs of 1..DEPTH steps: a trigger, a wait, a late check, and one step to spare
TIMEOUT_MS = 5000


Runs = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def looser_run(strict: Policy, lax: Policy, duty: str, *, depth: int = DEPTH, seed: int = 0,
               timeout_ms: int = TIMEOUT_MS) -> Runs | None:
    """One run, in RUN.jsonl form for each policy (strict's, lax's: the same days, acts and shared
    values, each in its own vocabulary, so `eval --run` replays either), where `duty` is overdue
    at the last step under `strict` and not under `lax` (or `lax` has no such duty); None when no
    run of at most `depth` steps shows one, or the solver runs out of time."""
    import z3

    def question(a: Any, b: Any) -> list:
        late = [a.history.overdue(_builder_of(a), duty)]
        return late + ([z3.Not(b.history.overdue(_builder_of(b), duty))] if duty in lax.duties else [])

    def confirmed(ra: list[StepResult], rb: list[StepResult]) -> bool:
        return ra[-1].duties[duty].overdue and (duty not in lax.duties or not rb[-1].duties[duty].overdue)

    return _search(strict, lax, duty, question, confirmed, depth, seed, timeout_ms)


def ungated_run(strict: Policy, lax: Policy, duty: str, *, depth: int = DEPTH, seed: int = 0,
                timeout_ms: int = TIMEOUT_MS) -> Runs | None:
    """A run at whose last step `duty` is overdue under `strict` and some action `strict` forbids
    there is allowed by `lax`: what a rule that stopped reading overdue(D) lets through."""
    import z3

    shared = [x for x in strict.actions if x in lax.actions]

    def question(a: Any, b: Any) -> list:
        gained = [z3.And(z3.Not(a.allowed[x]), b.allowed[x]) for x in shared]
        return [a.history.overdue(_builder_of(a), duty), z3.Or(*gained) if gained else z3.BoolVal(False, a.ctx)]

    def confirmed(ra: list[StepResult], rb: list[StepResult]) -> bool:
        return ra[-1].duties[duty].overdue and any(
            not ra[-1].decision.allowed[x] and rb[-1].decision.allowed[x] for x in shared)

    return _search(strict, lax, duty, question, confirmed, depth, seed, timeout_ms)


def _search(strict: Policy, lax: Policy, duty: str, question: Callable[[Any, Any], list],
            confirmed: Callable[[list[StepResult], list[StepResult]], bool], depth: int, seed: int,
            timeout_ms: int) -> Runs | None:
    """The shortest run of 1..depth steps, followed under both policies, whose last steps (strict's,
    lax's) satisfy `question`; replayed, and `confirmed` by both run evaluators."""
    import z3

    for n in range(1, depth + 1):
        ctx = z3.Context()
        a, b = unroll(strict, n, ctx, prefix="a."), unroll(lax, n, ctx, prefix="b.")
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", timeout_ms)
        solver.set("random_seed", seed)
        for k in range(n):
            sa, sb = a.steps[k], b.steps[k]
            solver.add(*sa.bounds, *sb.bounds, a.days[k] == b.days[k])
            for act, done in a.acts[k].items():
                if act in b.acts[k]:
                    solver.add(done == b.acts[k][act])
            for name, var in strict.variables.items():
                other = lax.variables.get(name)
                if other is not None and other.sort == var.sort and other.scale == var.scale:
                    solver.add(sa.vars[name] == sb.vars[name])
        last_a, last_b = a.steps[-1], b.steps[-1]
        assert isinstance(last_a.history, UnrolledHistory) and isinstance(last_b.history, UnrolledHistory)
        solver.add(*question(last_a, last_b))
        verdict = solver.check()
        if verdict == z3.unknown:
            return None
        if verdict != z3.sat:
            continue
        model = _plain(solver, a, b)
        steps_a, steps_b = read_run(a, model), read_run(b, model)
        ra, rb = evaluate_run(strict, steps_a), evaluate_run(lax, steps_b)
        if not (_followed(steps_a, ra, strict) and _followed(steps_b, rb, lax) and confirmed(ra, rb)):
            raise InternalError(f"diff, duty {duty}: the run evaluator does not confirm the solver's run")
        return run_to_json(strict, steps_a), run_to_json(lax, steps_b)
    return None


def _plain(solver: Any, a: Any, b: Any) -> Any:
    """A model of the solver's question that reads like a run a person writes: greedily, each act
    left undone, each value kept from the step before, each day a whole number where the question
    still holds (a run is still a witness when an attempt fails or runs out of time)."""
    import z3

    def keep(*constraint: Any) -> bool:
        solver.push()
        solver.add(*constraint)
        kept = solver.check() == z3.sat
        solver.pop()
        if kept:
            solver.add(*constraint)
        return kept

    model = solver.model()
    for run in (a, b):
        for acts in run.acts:
            for done in acts.values():
                if z3.is_true(model.eval(done, model_completion=True)):
                    keep(z3.Not(done))
        for k in range(1, len(run.steps)):
            for name, now in run.steps[k].vars.items():
                keep(now == run.steps[k - 1].vars[name])
    for day in a.days:  # read from the latest model: the pins above may have moved the days
        solver.check()
        value = solver.model().eval(day, model_completion=True)
        if z3.is_rational_value(value):
            whole = value.numerator_as_long() // value.denominator_as_long()
            keep(day == whole) or keep(day == whole + 1)
    solver.check()
    return solver.model()


def _followed(steps: list[Step], results: list[StepResult], policy: Policy) -> bool:
    """Every act done was allowed where it was done."""
    return all(result.decision.allowed[a] for step, result in zip(steps, results)
               for a in step.acts if a in policy.actions)
