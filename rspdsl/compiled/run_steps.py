"""`eval --run`'s fast path: rspdsl/semantics/run.py's `evaluate_run` (the meaning of a run, the
oracle every witness run is replayed by) with each step decided by the compiled evaluator, and
the work of a quiet step shared with the step before it.

A long run is mostly quiet steps (no act, an unchanged state). Everything a step yields is
immutable, so a step equal to the one before shares its objects: the values of an unchanged
state, each duty's status, the overdue set, the whole StepResult. A whole number of days is kept
as an int (a Fraction's arithmetic costs ~20x an int's). Same results as the definitional
function, by tests/test_v2_differential.py on random policies and runs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ..semantics.interpret import StepHistory, Value
from ..semantics.model import Duty, Policy
from ..semantics.run import NOT_PENDING, DutyClock, DutyStatus, Step, StepResult
from .evaluator import Evaluator

_NOTHING_OVERDUE: frozenset[str] = frozenset()


class _SharingClock(DutyClock):
    """The definitional clock (semantics/run.py), giving the same status object while a pending
    duty's status is unchanged, and counting whole days as ints (the same exact values: a
    Fraction's arithmetic and comparisons cost ~20x an int's)."""

    def __init__(self, duty: Duty) -> None:
        super().__init__(duty)
        if duty.days.denominator == 1:
            self.days = duty.days.numerator
        self.shown = NOT_PENDING                # the last pending status given

    def pending(self, day: Fraction | int, due: Fraction | int) -> DutyStatus:
        shown, overdue = self.shown, day > due
        if shown.due != due or shown.overdue is not overdue:
            shown = self.shown = DutyStatus(True, overdue, due)
        return shown


def evaluate_run_fast(policy: Policy, steps: Sequence[Step], fast: Evaluator) -> list[StepResult]:
    """What rspdsl.semantics.run.evaluate_run gives, each step decided by the compiled evaluator."""
    decide_step, now_values = fast.decide_step, fast.current_values
    clocks = [_SharingClock(duty) for duty in policy.duties.values()]
    # The history a step sees. Each dict is replaced, never changed, when an act happens, so a
    # StepHistory keeps what it was given (and quiet steps, most of a long run, copy nothing).
    latest: dict[str, Fraction | int] = {}          # act -> day it was last done
    seen: dict[str, Mapping[str, Any]] = {}          # act -> values at its last doing (`E at X`)
    out: list[StepResult] = []
    # Everything below is immutable, so a step equal to the one before shares its objects
    # (a long run is mostly quiet steps): the values of an unchanged state (now_values reads the
    # state alone), the duty statuses, the overdue set, the whole result.
    state: Mapping[str, Value] | None = None
    now: Mapping[str, Any] = {}
    duties: dict[str, DutyStatus] = {}
    shown: list[DutyStatus] = []
    overdue = _NOTHING_OVERDUE
    result: StepResult | None = None
    for step in steps:
        day, acts = step.day, step.acts
        if step.state is not state:
            state, now = step.state, now_values(step.state)
        if not out:  # an act that never happened is read at step 0; the first step reads itself
            seen = {act: now for act in policy.acts}
        statuses = [clock.status(day, now, acts) for clock in clocks]
        if statuses != shown:  # (a list compares its items by identity first: fast when unchanged)
            shown, duties = statuses, dict(zip(policy.duties, statuses))
            late = frozenset(name for name, status in duties.items() if status.overdue)
            overdue = late if late != overdue else overdue
        decision = decide_step(state, StepHistory(day, latest, seen, overdue))
        forbidden = tuple(a for a in policy.actions if a in acts and not decision.allowed[a]) if acts else ()
        if result is None or result.decision is not decision or result.duties is not duties \
                or result.forbidden_acts != forbidden:
            result = StepResult(decision, duties, forbidden)
        out.append(result)
        if acts:
            for clock in clocks:
                clock.after(day, acts)
            latest = {**latest, **{act: day for act in acts}}
            seen = {**seen, **{act: now for act in acts}}
    return out
