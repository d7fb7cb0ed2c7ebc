"""The `eval --run` line reader, generated per policy: one RUN.jsonl line and the step before it
-> the Step that rspdsl/runs.py's reference reader returns for it, or None.

None means "not the common form, or bad": the caller then reads the line with the reference
reader (runs._read_step), which returns the same Step or names the problem. So the generated
reader may refuse anything, but must never accept a line the reference refuses nor return a
different step (tests/test_v2_differential.py checks both on random good and broken lines).

What it accepts: one JSON object of at most STATE_MAX_DIGITS characters with `day` (an integer
in [0, 10**12), not before the previous step's), optionally `acts` (a list of distinct declared
acts) and `state` (the names that change, each with a value of the right form, as the batch
`_line` checks it; step 0 names them all); a `cumulative` input that does not decrease and a
`set at X` input that changes only with X. The text is decoded by readers.json_decoder (msgspec
or the standard library, numbers exact); code is generated from the policy's validated model
only, names written as Python literals (repr), never as code.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..numbers import STATE_MAX_DIGITS
from ..semantics.model import Policy
from ..semantics.run import Step
from .batch import value_checks
from .readers import json_decoder

_MAX_DAY = 10 ** 12      # a larger or fractional day: the reference reader's rules
_ACT_SETS_KEPT = 4096    # the distinct `acts` lists remembered (bounded: memory stays flat)


def _exact(d: Decimal) -> Fraction | int:
    """A checked Decimal as read_run keeps it: an int when integral, else the exact Fraction."""
    q = Fraction(d)
    return q.numerator if q.denominator == 1 else q


def run_line_source(policy: Policy, ns: dict[str, Any]) -> str | None:
    """The source of `_step(text, previous)` (its constants put in `ns`), or None when the
    policy's names could make the duplicate-key test below unsound (never for a parsed policy)."""
    names = [*policy.variables, *policy.acts,
             *(v for scale in policy.scales.values() for v in scale.values)]
    if any(not isinstance(n, str) or ":" in n for n in names):
        return None
    ns.update(_decode=json_decoder(), _Step=Step, _exact=_exact, Decimal=Decimal, _MISSING=object(),
              _NO_ACTS=frozenset(), _KNOWN_ACTS=frozenset(policy.acts), _ACT_SETS={})
    lines = [
        f"    if len(text) > {STATE_MAX_DIGITS}:",  # the reference reader checks each number's length
        "        return None",
        "    obj = _decode(text)",
        "    if obj.__class__ is not dict:",
        "        return None",
        "    day = obj.get('day')",
        f"    if day.__class__ is not int or not 0 <= day < {_MAX_DAY}:",
        "        return None",
        "    if previous is not None and day < previous.day:",
        "        return None",
        "    raw = obj.get('acts', _NO_ACTS)",
        "    if raw.__class__ is list:",
        "        acts = _acts(raw) if raw else _NO_ACTS",
        "        if acts is None:",
        "            return None",
        "    elif raw is _NO_ACTS:",
        "        acts = _NO_ACTS",
        "    else:",
        "        return None",
        "    given = obj.get('state')",
        "    pairs = len(obj) + (len(given) if given.__class__ is dict else 0)",
        "    if 1 + ('acts' in obj) + ('state' in obj) != len(obj):",  # an unknown key
        "        return None",
        # A repeated key is not refused by the decoder (the last value wins): every string this
        # reader accepts is a declared name (no colon), so each colon in the text separates a key
        # from its value, and a line without repeats has exactly as many colons as pairs.
        "    if text.count(':') != pairs:",
        "        return None",
        "    if given is None:",  # `state` left out (or null): unchanged, the same mapping shared
        "        if previous is None:",
        "            return None",
        "        return _Step(day, previous.state, acts)",
        "    if given.__class__ is not dict:",
        "        return None",
        "    if previous is None:",
        f"        if len(given) != {len(policy.variables)}:",
        "            return None",
        "        s = {}",
        "    else:",
        "        s = dict(previous.state)",
        "    n = 0",
    ]
    for name, var in policy.variables.items():
        lines += [f"    v = given.get({name!r}, _MISSING)",
                  "    if v is not _MISSING:",
                  "        n += 1"]
        lines += value_checks(policy, ns, var, "v", typed=False, indent="        ")
        if var.sort == "real":
            lines += ["        if v.__class__ is Decimal:", "            v = _exact(v)"]
        if var.cumulative or var.set_at is not None:
            lines += ["        if previous is not None:", f"            p = previous.state[{name!r}]"]
            if var.cumulative:
                lines += ["            if v < p:", "                return None"]
            if var.set_at is not None:
                lines += [f"            if v != p and {var.set_at!r} not in acts:", "                return None"]
        lines.append(f"        s[{name!r}] = v")
    lines += ["    if n != len(given):",  # a key that is not an input or response
              "        return None",
              "    return _Step(day, s, acts)"]
    # any exception (a decoding error, an unhashable act, a nesting too deep for the decoder)
    # is a None too: the reference reader then reads the line
    lines = ["def _step(text, previous):", "    try:"] + ["    " + line for line in lines]
    lines += ["    except Exception:", "        return None",
              "",
              "",
              "def _acts(raw):",
              "    key = tuple(raw)",
              "    acts = _ACT_SETS.get(key)",
              "    if acts is None:",
              "        acts = frozenset(key)",
              "        if len(acts) != len(key) or not acts <= _KNOWN_ACTS:",
              "            return None",
              f"        if len(_ACT_SETS) >= {_ACT_SETS_KEPT}:",
              "            _ACT_SETS.clear()",
              "        _ACT_SETS[key] = acts",
              "    return acts",
              ""]
    return "\n".join(lines)

