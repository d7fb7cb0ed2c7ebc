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

from collections.abc import Mapping, Sequence
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


NOT_PENDING = DutyStatus(False, False, None)


class DutyClock:
    """One duty's clock along a run: fed each step's day and values, then its acts."""

    def __init__(self, duty: Duty) -> None:
        self.duty = duty
        self.days: Fraction | int = duty.days
        self.since: Fraction | int | None = None      # within: day of the earliest undischarged trigger
        self.started: Fraction | int | None = None    # every: day of the latest onset of C or A
        self.held = False                       # every: C at the previous step / within: T's threshold

    def status(self, day: Fraction | int, now: Mapping[str, Any], acts: frozenset[str]) -> DutyStatus:
        duty = self.duty
        if duty.kind == "within":
            assert duty.trigger is not None
            if duty.trigger_is_act:
                triggered = duty.trigger in acts
            else:
                holds = bool(now[f"thr:{duty.trigger}"])
                triggered, self.held = holds and not self.held, holds
            if triggered and self.since is None:
                self.since = day
            if self.since is None:
                return NOT_PENDING
            return self.pending(day, self.since + self.days)
        assert duty.condition is not None
        holds = bool(value(duty.condition, now))
        if holds and not self.held:
            self.started = day if self.started is None else max(self.started, day)
        self.held = holds
        if not holds or self.started is None:
            return NOT_PENDING
        return self.pending(day, self.started + self.days)

    def pending(self, day: Fraction | int, due: Fraction | int) -> DutyStatus:
        """Pending since a clock that ends at `due`: overdue once the day is past it."""
        return DutyStatus(True, day > due, due)

    def after(self, day: Fraction | int, acts: frozenset[str]) -> None:
        """The step's acts: A discharges every pending trigger and restarts the clock."""
        if self.duty.act in acts:
            if self.duty.kind == "within":
                self.since = None
            else:
                self.started = day


def evaluate_run(policy: Policy, steps: Sequence[Step]) -> list[StepResult]:
    """Each step's decision, duty statuses and breaches, by the definitional evaluator. (`eval
    --run` takes rspdsl/compiled/run_steps.py's fast path, tested against this.)"""
    clocks = {name: DutyClock(duty) for name, duty in policy.duties.items()}
    # The history a step sees. Each dict is replaced, never changed, when an act happens, so a
    # StepHistory keeps what it was given (and quiet steps, most of a long run, copy nothing).
    latest: dict[str, Fraction | int] = {}          # act -> day it was last done
    seen: dict[str, Mapping[str, Any]] = {}          # act -> values at its last doing (`E at X`)
    out: list[StepResult] = []
    for step in steps:
        now = current_values(policy, step.state)
        if not out:  # an act that never happened is read at step 0; the first step reads itself
            seen = {act: now for act in policy.acts}
        duties = {name: clock.status(step.day, now, step.acts) for name, clock in clocks.items()}
        history = StepHistory(step.day, latest, seen,
                              frozenset(name for name, status in duties.items() if status.overdue))
        decision = decide(policy, step.state, history)
        forbidden = tuple(a for a in policy.actions if a in step.acts and not decision.allowed[a]) \
            if step.acts else ()
        out.append(StepResult(decision, duties, forbidden))
        if step.acts:
            for clock in clocks.values():
                clock.after(step.day, step.acts)
            latest = {**latest, **{act: step.day for act in step.acts}}
            seen = {**seen, **{act: now for act in step.acts}}
    return out
