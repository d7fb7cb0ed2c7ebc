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

from ..semantics.interpret import StepHistory, Value, value
from ..semantics.model import Duty, Policy
from ..semantics.run import DutyStatus, Step, StepResult
from .evaluator import Evaluator

_CLEAR = DutyStatus(False, False, None)  # not pending: one object for every such step
_NOTHING_OVERDUE: frozenset[str] = frozenset()


class _Clock:
    """semantics/run.py's clock, its state kept so that an unchanged status is the same object."""

    def __init__(self, duty: Duty) -> None:
        self.duty = duty
        self.within = duty.kind == "within"
        # within: the key of the trigger's value in a step's values, when it is a threshold
        self.trigger_value = None if duty.trigger_is_act or duty.trigger is None else f"thr:{duty.trigger}"
        # an integral number of days as an int: the same exact value, and int + int keeps every
        # due day an int (a Fraction's arithmetic and comparisons cost ~20x an int's)
        self.days: Fraction | int = duty.days.numerator if duty.days.denominator == 1 else duty.days
        self.since: Fraction | int | None = None      # within: day of the earliest undischarged trigger
        self.started: Fraction | int | None = None    # every: day of the latest onset of C or A
        self.held = False                       # every: C at the previous step / within: T's threshold
        self.shown = _CLEAR                     # the last status given (reused while it is unchanged)

    def status(self, day: Fraction | int, now: Mapping[str, Any], acts: frozenset[str]) -> DutyStatus:
        duty = self.duty
        if self.within:
            if self.trigger_value is None:  # an act
                triggered = duty.trigger in acts
            else:  # a threshold's onset
                holds = bool(now[self.trigger_value])
                triggered, self.held = holds and not self.held, holds
            if triggered and self.since is None:
                self.since = day
            if self.since is None:
                return _CLEAR
            return self._pending(day, self.since + self.days)
        assert duty.condition is not None
        holds = bool(value(duty.condition, now))
        if holds and not self.held:
            self.started = day if self.started is None else max(self.started, day)
        self.held = holds
        if not holds or self.started is None:
            return _CLEAR
        return self._pending(day, self.started + self.days)

    def _pending(self, day: Fraction | int, due: Fraction | int) -> DutyStatus:
        # DutyStatus is immutable: the previous step's object serves when nothing changed
        shown, overdue = self.shown, day > due
        if shown.due != due or shown.overdue is not overdue:
            shown = self.shown = DutyStatus(True, overdue, due)
        return shown

    def after(self, day: Fraction | int, acts: frozenset[str]) -> None:
        """The step's acts: A discharges every pending trigger and restarts the clock."""
        if self.duty.act in acts:
            if self.within:
                self.since = None
            else:
                self.started = day



def evaluate_run_fast(policy: Policy, steps: Sequence[Step], fast: Evaluator) -> list[StepResult]:
    """What rspdsl.semantics.run.evaluate_run gives, each step decided by the compiled evaluator."""
    decide_step, now_values = fast.decide_step, fast.current_values
    clocks = [_Clock(duty) for duty in policy.duties.values()]
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
