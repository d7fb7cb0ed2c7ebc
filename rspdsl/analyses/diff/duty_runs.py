"""A duty's change judged by a run (language v2 §3, issue 10's diff): a run that both revisions
let the developer follow (every act done is allowed in each), at whose last step the duty is
overdue under one revision and not under the other. Such a run in the old -> new direction shows
the duty loosened (a longer deadline, a narrower trigger, a laxer clock, or the duty dropped); in
the other direction, tightened. The two policies share the run's days, its acts and every input
or response they both declare (by name and sort); what only one declares is free for it. Each
run is replayed through the definitional run evaluator of both policies before it is returned.
"""
from __future__ import annotations

from typing import Any

from ...diagnostics import InternalError
from ...logic.history import UnrolledHistory, _builder_of, read_run, unroll
from ...runs import run_to_json
from ...semantics.model import Policy
from ...semantics.run import Step, evaluate_run

DEPTH = 4            # runs of 1..DEPTH steps: a trigger, a wait, a late check, and one step to spare
TIMEOUT_MS = 5000


def looser_run(strict: Policy, lax: Policy, duty: str, *, depth: int = DEPTH, seed: int = 0,
               timeout_ms: int = TIMEOUT_MS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """One run, in RUN.jsonl form for each policy (strict's, lax's: the same days, acts and shared
    values, each in its own vocabulary, so `eval --run` replays either), where `duty` is overdue
    at the last step under `strict` and not under `lax` (or `lax` has no such duty); None when no
    run of at most `depth` steps shows one, or the solver runs out of time."""
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
        solver.add(last_a.history.overdue(_builder_of(last_a), duty))
        if duty in lax.duties:
            solver.add(z3.Not(last_b.history.overdue(_builder_of(last_b), duty)))
        verdict = solver.check()
        if verdict == z3.unknown:
            return None
        if verdict != z3.sat:
            continue
        model = solver.model()
        steps_a, steps_b = read_run(a, model), read_run(b, model)
        _confirm(strict, steps_a, duty, overdue=True)
        if duty in lax.duties:
            _confirm(lax, steps_b, duty, overdue=False)
        return run_to_json(strict, steps_a), run_to_json(lax, steps_b)
    return None


def _confirm(policy: Policy, steps: list[Step], duty: str, *, overdue: bool) -> None:
    results = evaluate_run(policy, steps)
    followed = all(result.decision.allowed[a] for step, result in zip(steps, results)
                   for a in step.acts if a in policy.actions)
    if results[-1].duties[duty].overdue != overdue or not followed:
        raise InternalError(f"diff, duty {duty}: the run evaluator does not confirm the solver's run")
