"""The meaning of a run (language-v2.md §1, §3, §7), read straight off the contract.

A run is a list of steps; step k has a `day`, a complete state and the acts done at it. Each
step is decided by `interpret.decide` with the history its terms see (strictly earlier steps,
plus today's day for the clocks). A duty's clock (§3):

- `A within N days after T`: each trigger (T done, or T's onset: true now and false at the
  previous step or at step 0) at step i is discharged by A at some step j >= i. D is overdue at
  step k when a trigger at i <= k is not discharged by A at steps i..k-1 and day_k - day_i > N.
  One A discharges every earlier trigger, so only the earliest trigger after the last A counts.
- `A every N days while C`: the clock restarts at each onset of C and at each A; D is overdue at
  step k when C holds and more than N days passed since the later of the two.

A run *breaches* the policy at a step where an act taken is not allowed, a duty is overdue, or
an assertion is false. Validation of the input (days that go backwards, ...) is rspdsl/runs.py's.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .decision import Decision
from .interpret import StepHistory, Value, current_values, decide, value
from .model import Duty, Policy


@dataclass(frozen=True)
class Step:
    day: Fraction | int
    state: Mapping[str, Value]      # complete and validated
    acts: frozenset[str]            # actions taken and events that happened


@dataclass(frozen=True)
class DutyStatus:
    """A duty at one step: pending (triggered, not yet discharged) with its due day, overdue."""
    pending: bool
    overdue: bool
    due: Fraction | int | None      # the day after which it is overdue; None when not pending


@dataclass(frozen=True)
class StepResult:
    decision: Decision
    duties: dict[str, DutyStatus]
    forbidden_acts: tuple[str, ...]  # actions taken at this step that were not allowed
    # an act not allowed, a duty overdue or an assertion false (computed once: every renderer asks)
    breached: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "breached", bool(
            self.forbidden_acts or any(d.overdue for d in self.duties.values())
            or not all(self.decision.assertions.values())))


_CLEAR = DutyStatus(False, False, None)  # not pending: one object for every such step
_NOTHING_OVERDUE: frozenset[str] = frozenset()


class _Clock:
    """One duty's clock along a run: fed each step's day and values, then its acts."""

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


Decide = Callable[[Mapping[str, Value], StepHistory], Decision]
Now = Callable[[Mapping[str, Value]], Mapping[str, Any]]


def evaluate_run(policy: Policy, steps: Sequence[Step], *, decide_step: Decide | None = None,
                 now_values: Now | None = None) -> list[StepResult]:
    """Each step's decision, duty statuses and breaches. `decide_step` and `now_values` default
    to the definitional evaluator; `eval --run` passes the compiled evaluator's (the same
    meaning, tested against these: tests/test_v2_differential.py)."""
    if decide_step is None:
        def decide_step(state: Mapping[str, Value], history: StepHistory) -> Decision:
            return decide(policy, state, history)
    if now_values is None:
        def now_values(state: Mapping[str, Value]) -> Mapping[str, Any]:
            return current_values(policy, state)
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
