"""Reading a run (RUN.jsonl, language-v2.md §7) into validated steps, and writing one back.

One step per line: `{"day": 3, "state": {...}, "acts": ["train"]}`. Step 0 gives a complete
state; later steps may omit `state` ("unchanged") or give only the names that change. A run
file is untrusted input: nothing is silently accepted. Each of these is an error naming the
line and the field: a day that is not a number >= 0 or goes backwards, an unknown act, an act
given twice, a `cumulative` input that decreases, a `set at X` input that changes at a step
where X does not happen, an unknown key, and anything `read_state` refuses.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .diagnostics import did_you_mean
from .semantics.model import Policy
from .semantics.run import Step
from .state import StateError, parse_json, read_state, state_to_json

MAX_ERRORS = 20
_RATIO = re.compile(r"[0-9]{1,12}/[0-9]{1,12}")
_KEYS = ("day", "state", "acts")


@dataclass(frozen=True)
class RunError:
    line: int
    field: str | None       # "day", "acts", "state.NAME", or None for the whole line
    message: str


class RunFileError(Exception):
    """Every problem found in a run file (at most MAX_ERRORS, then a count)."""

    def __init__(self, errors: list[RunError], more: int = 0) -> None:
        super().__init__(errors[0].message if errors else "bad run")
        self.errors = errors
        self.more = more


def read_run(policy: Policy, lines: Iterable[str], origin: str = "run",
             read_line: Callable[[str, Step | None], Step | None] | None = None) -> list[Step]:
    """Validate a run's lines (blank lines are skipped) against `policy`; raise RunFileError.
    `read_line` (`eval --run` passes the compiled evaluator's run_line_reader) is tried first on
    each line: it returns the step this module would, or None, and then this module reads the
    line (tests/test_v2_differential.py checks it)."""
    errors: list[RunError] = []
    more = 0
    steps: list[Step] = []
    previous: Step | None = None
    for lineno, text in enumerate(lines, 1):
        if not text.strip():
            continue
        step = read_line(text, previous) if read_line is not None else None
        if step is not None:
            steps.append(step)
            previous = step
            continue
        try:
            step = _read_step(policy, text, previous, lineno, origin)
        except _LineError as exc:
            if len(errors) < MAX_ERRORS:
                errors.append(RunError(lineno, exc.field, exc.message))
            else:
                more += 1
            continue
        steps.append(step)
        previous = step
    if not steps and not errors:
        errors.append(RunError(1, None, "the run has no steps: one JSON object per line, "
                                        '{"day": 0, "state": {...}, "acts": [...]}'))
    if errors:
        raise RunFileError(errors, more)
    return steps


class _LineError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _read_step(policy: Policy, text: str, previous: Step | None, lineno: int, origin: str) -> Step:
    try:
        obj = parse_json(text, origin=f"{origin}:{lineno}")
    except StateError as exc:
        raise _LineError(None, exc.message) from None
    if not isinstance(obj, dict):
        raise _LineError(None, 'a step is a JSON object {"day": ..., "state": {...}, "acts": [...]}')
    for key in obj:
        if key not in _KEYS:
            hint = did_you_mean(str(key), list(_KEYS))
            raise _LineError(str(key), f"unknown key `{key}` in a step (a step has day, state and acts)"
                             + (f"; {hint}" if hint else ""))
    day = _day(obj, previous)
    acts = _acts(policy, obj)
    state = _state(policy, obj, previous, origin, lineno)
    if previous is not None and state is not previous.state:
        _continuity(policy, previous, state, acts)
    return Step(day, state, acts)


def _day(obj: Mapping[str, Any], previous: Step | None) -> Fraction | int:
    if "day" not in obj:
        raise _LineError("day", "missing `day` (the step's day, a number >= 0)")
    raw = obj["day"]
    if isinstance(raw, str) and _RATIO.fullmatch(raw):  # an exact ratio, as witnesses write 1/3
        num, den = (int(part) for part in raw.split("/"))
        if den == 0:
            raise _LineError("day", f"`day` = {raw!r} divides by zero")
        return _ordered(Fraction(num, den), raw, previous)
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
        raise _LineError("day", f"`day` is a number of days, not {type(raw).__name__}")
    if isinstance(raw, Decimal) and not raw.is_finite():
        raise _LineError("day", "`day` must be finite")
    if isinstance(raw, Decimal) and abs(raw.adjusted()) > 12:
        raise _LineError("day", "`day` is beyond the range rspdsl reads (at most 12 digits)")
    # an integer day stays an int (exact, and cheaper than a Fraction in every clock)
    return _ordered(raw if isinstance(raw, int) else Fraction(raw), raw, previous)


def _ordered(day: Fraction | int, raw: Any, previous: Step | None) -> Fraction | int:
    if day < 0:
        raise _LineError("day", f"`day` is {raw}; days are >= 0")
    if previous is not None and day < previous.day:
        raise _LineError("day", f"`day` goes backwards: {raw} after {_text(previous.day)}; "
                                "steps are in time order (equal days are fine)")
    return day


_NO_ACTS: frozenset[str] = frozenset()


def _acts(policy: Policy, obj: Mapping[str, Any]) -> frozenset[str]:
    raw = obj.get("acts", [])
    if raw == []:  # most steps of a long run
        return _NO_ACTS
    if not isinstance(raw, list):
        raise _LineError("acts", "`acts` is a list of action and event names")
    known = policy.acts
    seen: list[str] = []
    for act in raw:
        if not isinstance(act, str):
            raise _LineError("acts", f"`acts` holds names, not {type(act).__name__}")
        if act not in known:
            hint = did_you_mean(act, known)
            what = "a threshold" if act in policy.thresholds else "an input or response" \
                if act in policy.variables else None
            why = f"`{act}` is {what}, not an act" if what else f"unknown act `{act}`"
            raise _LineError("acts", f"{why}: acts are the policy's actions and events"
                             + (f"; {hint}" if hint else f" ({', '.join(known) or 'none declared'})"))
        if act in seen:
            raise _LineError("acts", f"`{act}` is given twice in one step")
        seen.append(act)
    return frozenset(seen)


def _state(policy: Policy, obj: Mapping[str, Any], previous: Step | None, origin: str,
           lineno: int) -> Mapping[str, Any]:
    raw = obj.get("state")
    if previous is None:
        if raw is None:
            raise _LineError("state", "the first step must give the whole state")
        merged = raw
    else:
        if raw is None:  # nothing changes: the same (never mutated) state, shared
            return previous.state
        if not isinstance(raw, dict):
            raise _LineError("state", "`state` is a JSON object of the names that change")
        merged = {**state_to_json(policy, dict(previous.state)), **raw}
    try:
        state = read_state(policy, merged, origin=f"{origin}:{lineno}")
    except StateError as exc:
        field = f"state.{exc.name}" if exc.name else "state"
        raise _LineError(field, exc.message) from None
    # an integral real as an int: the same exact value, compared far faster at every later step
    return {k: v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v for k, v in state.items()}


def _continuity(policy: Policy, previous: Step, state: Mapping[str, Any], acts: frozenset[str]) -> None:
    for name, var in policy.variables.items():
        before, now = previous.state[name], state[name]
        if var.cumulative and now < before:
            raise _LineError(f"state.{name}", f"`{name}` is cumulative and cannot decrease "
                                              f"({_text(before)} then {_text(now)})")
        if var.set_at is not None and now != before and var.set_at not in acts:
            raise _LineError(f"state.{name}", f"`{name}` is set at `{var.set_at}` and changes only at a step "
                                              f"where `{var.set_at}` happens (add it to `acts`)")


def _text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def run_to_json(policy: Policy, steps: Iterable[Step]) -> list[dict[str, Any]]:
    """The RUN.jsonl form of a run (full states), as witnesses are shown."""
    return [{"day": step.day, "state": state_to_json(policy, dict(step.state)),
             "acts": [a for a in policy.acts if a in step.acts]} for step in steps]
