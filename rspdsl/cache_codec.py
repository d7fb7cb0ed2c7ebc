"""The result cache's file format: a check's outcome as JSON, read back into the same objects.

Plain JSON cannot tell a tuple from a list, an exact Fraction from a float, or a Result from a
dict, and the renderers need all of that back exactly (a witness value 1/10 must stay one tenth).
So non-JSON values are tagged objects, each with a single "$" key:

    {"$q": [1, 10]}                   Fraction(1, 10)
    {"$t": [...]}                     a tuple
    {"$m": [[key, value], ...]}       a dict (any keys, order kept)
    {"$c": "Result", "f": {...}}      an instance of one of the classes in CLASSES, by field
    {"$e": "Severity", "v": "error"}  a member of one of the enums in ENUMS

Only the classes listed here can come back: unlike a pickle, an entry cannot name code to run.
encode() raises CodecError for anything it does not know, and the caller then stores nothing.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from enum import Enum
from fractions import Fraction
from typing import Any

from .analyses.checked import CheckedFile
from .diagnostics import Diagnostic, Severity
from .logic.results import RESULT_CLASSES, RESULT_ENUMS
from .source import SourceFile, Span

CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    CheckedFile, SourceFile, Span, Diagnostic, *RESULT_CLASSES)}
ENUMS: dict[str, type[Enum]] = {cls.__name__: cls for cls in (Severity, *RESULT_ENUMS)}


class CodecError(ValueError):
    """A value the format cannot hold, or an entry that is not in the format."""


def dumps(value: Any) -> str:
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def loads(text: str) -> Any:
    try:
        return decode(json.loads(text))
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise CodecError(f"not a cache entry: {exc}") from None


def encode(value: Any) -> Any:
    if isinstance(value, Enum):  # first: Severity is also a str
        name = type(value).__name__
        if ENUMS.get(name) is not type(value):
            raise CodecError(f"enum {name} is not in the cache format")
        return {"$e": name, "v": value.value}
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value  # elapsed seconds; JSON keeps a float's shortest repr exactly
    if isinstance(value, Fraction):
        return {"$q": [value.numerator, value.denominator]}
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    cls = type(value)
    if dataclasses.is_dataclass(value) and CLASSES.get(cls.__name__) is cls:
        return {"$c": cls.__name__,
                "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}}
    raise CodecError(f"{cls.__name__} is not in the cache format")


def decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise CodecError("an object without a type tag")
    if "$q" in data:
        numerator, denominator = data["$q"]
        if not (type(numerator) is int and type(denominator) is int and denominator > 0):
            raise CodecError("a malformed fraction")
        return Fraction(numerator, denominator)
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$m" in data:
        return {_key(decode(k)): decode(v) for k, v in data["$m"]}
    if "$e" in data:
        enum = ENUMS.get(data["$e"])
        if enum is None:
            raise CodecError(f"unknown enum {data['$e']!r}")
        return enum(data["v"])
    if "$c" in data:
        cls = CLASSES.get(data["$c"])
        if cls is None or not isinstance(data.get("f"), dict):
            raise CodecError(f"unknown class {data.get('$c')!r}")
        return cls(**{name: decode(v) for name, v in data["f"].items()})
    raise CodecError(f"unknown tag {sorted(data)!r}")


def well_typed(value: Any) -> bool:
    """Whether every field of every format class in `value` holds what its annotation says: a
    decodable entry with a string where a Report belongs would otherwise fail far from here."""
    return _fits(value, Any)


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        cls: Any = type(value)
        if dataclasses.is_dataclass(value) and CLASSES.get(cls.__name__) is cls:
            hints = _hints(cls)
            return all(_fits(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(value))
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(v, args[0]) for v in value)
        return len(args) == len(value) and all(_fits(v, a) for v, a in zip(value, args))
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0] if args else Any) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(k, args[0]) and _fits(v, args[1])
                                               for k, v in value.items()) if args else isinstance(value, dict)
    if origin is not None:  # Literal, Callable...: not used by the format's classes
        return True
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint) and _fits(value, Any)
    return True


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _key(key: Any) -> Any:
    if isinstance(key, (list, dict)):
        raise CodecError("an unhashable dict key")
    return key
