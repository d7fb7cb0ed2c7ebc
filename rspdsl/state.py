"""States in and out, exactly: STATE.json text -> validated values, and values -> exact JSON.

A state names every input and response of a policy once. Numbers are read from their
literal text (`0.1` is one tenth, `1e25` is 10**25), never through floats, so the concrete
evaluator agrees with the prover at every boundary. Reals are returned as Fractions,
booleans as bools and scale values as their index (an int).

Extension to the contract: a real may also be written as an exact rational string
"p/q" (e.g. "1/3"), because a witness may need a value no decimal literal can spell.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .diagnostics import did_you_mean
from .numbers import STATE_MAX_DIGITS, STATE_MAX_EXPONENT, decimal_text, is_finite_decimal  # noqa: F401  (re-exported)
from .semantics.model import Policy, Variable

MAX_EXPONENT = STATE_MAX_EXPONENT  # see rspdsl/numbers.py

_RATIONAL = re.compile(r"\s*([+-]?[0-9]+)\s*/\s*([0-9]+)\s*")
_SORT_WORD = {"real": "a number", "bool": "true or false", "int": "a scale value"}


class StateError(Exception):
    """A state that cannot be used. `name` is the culprit (None when the whole text is bad)."""

    def __init__(self, message: str, name: str | None = None, *, origin: str = "state",
                 line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.name = name
        self.origin = origin
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


# ---------------------------------------------------------------- exact numbers

def number_text(q: Fraction | int) -> str:
    """The exact JSON spelling of a rational: `3`, `0.1`, `-2.5`, or (not a decimal) `1/3`."""
    q = Fraction(q)
    text = decimal_text(q)
    return text if text is not None else f"{q.numerator}/{q.denominator}"


def _json_token(q: Fraction | int) -> str:
    text = number_text(q)
    return json.dumps(text) if "/" in text else text


def _exponent_ok(d: Decimal) -> bool:
    return not d or -MAX_EXPONENT <= d.adjusted() <= MAX_EXPONENT


def _decimal_to_fraction(d: Decimal) -> Fraction:
    return Fraction(d)  # exact: a Decimal read from a literal is a finite decimal


# ---------------------------------------------------------------- reading JSON text

class _Constant:
    """A NaN / Infinity literal, kept so the error can name the key it was given for."""

    def __init__(self, text: str):
        self.text = text


class _Duplicate(Exception):
    def __init__(self, name: str):
        self.name = name


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return obj


class _TooLong:
    """A number written with more than STATE_MAX_DIGITS characters, kept unconverted so the error
    can name the key it was given for (converting it could take minutes)."""

    def __init__(self, text: str):
        self.length = len(text)


def _float(text: str) -> Decimal | _TooLong:
    return _TooLong(text) if len(text) > STATE_MAX_DIGITS else Decimal(text)


def _int(text: str) -> int | Decimal | _TooLong:
    if len(text) > STATE_MAX_DIGITS:
        return _TooLong(text)
    # int() of text stops at 4,300 digits; a longer integer is beyond ±STATE_MAX_EXPONENT anyway,
    # and as a Decimal it meets the exponent check with a clear message
    return int(text) if len(text) <= STATE_MAX_EXPONENT else Decimal(text)


# parse_float keeps the literal's exact value; Decimal is C-fast and converts to Fraction exactly.
_DECODER = json.JSONDecoder(parse_float=_float, parse_int=_int, parse_constant=_Constant,
                            object_pairs_hook=_pairs)


def parse_json(text: str | bytes | bytearray, origin: str = "state") -> Any:
    """Decode JSON keeping numbers exact (ints stay int, other literals become Decimal)."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StateError(f"the state is not valid UTF-8 (byte {exc.start})", origin=origin) from None
    text = text.lstrip("\ufeff")
    try:
        return _DECODER.decode(text)
    except _Duplicate as dup:
        raise StateError(f"`{dup.name}` is given more than once", dup.name, origin=origin) from None
    except json.JSONDecodeError as exc:
        raise StateError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         origin=origin, line=exc.lineno, column=exc.colno) from None
    except ValueError as exc:  # e.g. an integer literal longer than Python will convert
        raise StateError(f"a number in the state cannot be read: {exc}", origin=origin) from None
    except RecursionError:
        raise StateError("the state is nested too deeply to be a state", origin=origin) from None


# ---------------------------------------------------------------- validation

def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, _Constant):
        return value.text
    if isinstance(value, _TooLong):
        return f"a number of {value.length} characters"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, (int, Fraction)):
        return f"the number {number_text(value)}"
    if isinstance(value, (Decimal, float)):
        return f"the number {value}"
    if isinstance(value, (dict,)):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return type(value).__name__


def _bounds_text(var: Variable) -> str:
    lo = "-inf" if var.lo is None else number_text(var.lo)
    hi = "inf" if var.hi is None else number_text(var.hi)
    return f"[{lo}, {hi}]"


def _real_value(policy: Policy, var: Variable, value: Any, origin: str) -> Fraction:
    name = var.name
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, Decimal, float, str)):
        raise StateError(f"`{name}` is a {var.kind} and takes a number in {_bounds_text(var)}, "
                         f"not {_describe(value)}", name, origin=origin)
    if isinstance(value, str):
        m = _RATIONAL.fullmatch(value)
        if not m:
            raise StateError(f"`{name}` is a {var.kind} and takes a number in {_bounds_text(var)}, "
                             f"not {_describe(value)} (a string is read only as an exact ratio \"p/q\")",
                             name, origin=origin)
        num, den = m.group(1), m.group(2)
        if len(num) > MAX_EXPONENT or len(den) > MAX_EXPONENT:
            raise StateError(f"`{name}` = {json.dumps(value)} has too many digits to read", name, origin=origin)
        if int(den) == 0:
            raise StateError(f"`{name}` = {json.dumps(value)} divides by zero", name, origin=origin)
        q = Fraction(int(num), int(den))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise StateError(f"`{name}` = {value} is not a finite number", name, origin=origin)
        q = Fraction(repr(value))  # the shortest spelling of the float: what its author wrote
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise StateError(f"`{name}` = {value} is not a finite number", name, origin=origin)
        if not _exponent_ok(value):
            raise StateError(f"`{name}` = {value} has an exponent beyond ±{MAX_EXPONENT}; "
                             "rspdsl reads numbers exactly and refuses ones this extreme", name, origin=origin)
        q = _decimal_to_fraction(value)
    else:
        q = Fraction(value)
    if (var.lo is not None and q < var.lo) or (var.hi is not None and q > var.hi):
        raise StateError(f"`{name}` = {number_text(q)} is outside its bounds {_bounds_text(var)}",
                         name, origin=origin)
    return q


def _scale_value(policy: Policy, var: Variable, value: Any, origin: str) -> int:
    name = var.name
    scale = policy.scales.get(var.scale or "")
    values = scale.values if scale else ()
    listing = ", ".join(values)
    if not isinstance(value, str):
        raise StateError(f"`{name}` takes a value of scale `{var.scale}` ({listing}), given by name, "
                         f"not {_describe(value)}", name, origin=origin)
    if value not in values:
        hint = did_you_mean(value, values)
        raise StateError(f"`{name}` = {json.dumps(value)} is not a value of scale `{var.scale}` ({listing})"
                         + (f"; {hint}" if hint else ""), name, origin=origin)
    index = values.index(value)
    if (var.lo is not None and index < var.lo) or (var.hi is not None and index > var.hi):
        raise StateError(f"`{name}` = {json.dumps(value)} is outside its bounds", name, origin=origin)
    return index


def _unknown(policy: Policy, key: str, origin: str) -> StateError:
    other = None
    if key in policy.thresholds:
        other = "a threshold (computed from the inputs, never given)"
    elif key in policy.actions:
        other = "an action (decided by the policy, never given)"
    elif any(t.name == key for t in policy.tiers):
        other = "a tier (computed from the thresholds, never given)"
    elif key in policy.scales:
        other = "a scale, not an input or response"
    if other:
        return StateError(f"`{key}` is {other}", key, origin=origin)
    hint = did_you_mean(key, list(policy.variables))
    return StateError(f"unknown name `{key}`: not an input or response of this policy"
                      + (f"; {hint}" if hint else ""), key, origin=origin)


def read_state(policy: Policy, obj_or_text: Any, origin: str = "state") -> dict[str, Fraction | bool | int]:
    """Validate a state (JSON text, bytes, or an already decoded mapping) against `policy`.

    Returns name -> value in declaration order: Fraction for reals, bool, or a scale index.
    Raises StateError naming the first culprit.
    """
    obj = parse_json(obj_or_text, origin) if isinstance(obj_or_text, (str, bytes, bytearray)) else obj_or_text
    if not isinstance(obj, dict):
        raise StateError(f"a state is a JSON object naming every input and response, not {_describe(obj)}",
                         origin=origin)
    for key in obj:
        if not isinstance(key, str) or key not in policy.variables:
            raise _unknown(policy, str(key), origin)
    missing = [name for name in policy.variables if name not in obj]
    if missing:
        first = policy.variables[missing[0]]
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise StateError(f"missing value for {first.kind} `{first.name}`{more}; a state gives every "
                         "input and response a value", first.name, origin=origin)
    state: dict[str, Fraction | bool | int] = {}
    for name, var in policy.variables.items():
        value = obj[name]
        if isinstance(value, _Constant):
            raise StateError(f"`{name}` = {value.text}: NaN and infinities are not values rspdsl accepts",
                             name, origin=origin)
        if isinstance(value, _TooLong):
            raise StateError(f"`{name}` is a number written with {value.length} characters; rspdsl reads "
                             f"state numbers of at most {STATE_MAX_DIGITS}", name, origin=origin)
        if var.sort == "bool":
            if not isinstance(value, bool):
                raise StateError(f"`{name}` is a {var.kind} and takes true or false, not {_describe(value)}",
                                 name, origin=origin)
            state[name] = value
        elif var.sort == "int":
            state[name] = _scale_value(policy, var, value, origin)
        else:
            state[name] = _real_value(policy, var, value, origin)
    return state


# ---------------------------------------------------------------- writing

def state_to_json(policy: Policy, state: dict[str, Any]) -> dict[str, Any]:
    """The STATE.json form: declaration order, reals as Fractions (for dumps_exact), scale names."""
    out: dict[str, Any] = {}
    for name, var in policy.variables.items():
        value = state[name]
        if var.sort == "bool":
            out[name] = bool(value)
        elif var.sort == "int":
            out[name] = policy.scales[var.scale].values[int(value)] if var.scale in policy.scales else int(value)
        else:
            out[name] = Fraction(value)
    return out


def dumps_exact(obj: Any, indent: int | None = None) -> str:
    """json.dumps, except that Fractions (and Decimals) are written exactly: `3`, `0.1`, or "1/3"."""
    parts: list[str] = []
    _write(obj, parts, indent, 0)
    return "".join(parts)


def dumps_exact_at(obj: Any, indent: int, level: int) -> str:
    """dumps_exact's text of `obj` where it stands `level` deep in an indented document (a long
    document written in parts, each part's text made once: rspdsl/render/run_out.py)."""
    parts: list[str] = []
    _write(obj, parts, indent, level)
    return "".join(parts)


def _write(obj: Any, out: list[str], indent: int | None, level: int) -> None:
    if obj is None or isinstance(obj, (bool, str)):
        out.append(json.dumps(obj))
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, Fraction):
        out.append(_json_token(obj))
    elif isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"cannot write {obj} as JSON")
        out.append(_json_token(Fraction(obj)))
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"cannot write {obj} as JSON")
        out.append(repr(obj))
    elif isinstance(obj, dict):
        _write_items([(json.dumps(str(k)) + ": ", v) for k, v in obj.items()], "{", "}", out, indent, level)
    elif isinstance(obj, (list, tuple)):
        _write_items([("", v) for v in obj], "[", "]", out, indent, level)
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _write_items(items: list[tuple[str, Any]], open_: str, close: str, out: list[str],
                 indent: int | None, level: int) -> None:
    if not items:
        out.append(open_ + close)
        return
    out.append(open_)
    inner = "" if indent is None else "\n" + " " * (indent * (level + 1))
    sep = ", " if indent is None else ","
    for i, (prefix, value) in enumerate(items):
        if i:
            out.append(sep)
        out.append(inner + prefix)
        _write(value, out, indent, level + 1)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)
