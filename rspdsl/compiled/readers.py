"""The JSON readers of the batch (`--states`) and run (`--run`) paths: msgspec when installed
(the `fast` extra), else the standard library; both hand numbers over exactly."""
from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..semantics.model import Policy


def _state_reader(policy: Policy) -> Callable[[str], tuple]:
    """The batch path's JSON reader for this policy's states: text -> the values in declaration
    order, or an exception for anything but an object naming each variable once with a value
    of the right JSON type. msgspec does that in C (a Struct with one field per variable,
    unknown names refused, booleans and scale names typed), and hands each number with a
    fraction or exponent over as its text to Decimal (exact, like json's parse_float=Decimal);
    integers stay ints. Numbers are typed Any, so a string or a boolean where a number belongs
    reaches the generated checks, which refuse it. msgspec is stricter than json (no NaN, no
    lone surrogates): such a line fails here and the reference path (state.read_state, the
    standard library) reads it or names the problem. ~1.0 us for a 36-value line, against
    ~3.1 us for json's C scanner plus ~1.2 us of checks in Python. Imported on first use:
    `check` never reads states in batch."""
    try:
        import msgspec
    except ImportError:  # optional (the `fast` extra): the standard library reads the same lines
        return _json_state_reader(policy)

    fields = []
    for i, var in enumerate(policy.variables.values()):
        kind: Any = bool if var.sort == "bool" else str if var.sort == "int" else Any
        fields.append((f"v{i}", kind))
    state = msgspec.defstruct("State", fields, forbid_unknown_fields=True,
                              rename={f"v{i}": name for i, name in enumerate(policy.variables)})
    decode = msgspec.json.Decoder(state, float_hook=Decimal).decode
    astuple = msgspec.structs.astuple
    return lambda text: astuple(decode(text))


def _json_state_reader(policy: Policy) -> Callable[[str], tuple]:
    """The batch reader without msgspec: json with numbers as Decimals (ints stay ints), checked
    for what msgspec checks (exactly the declared names, booleans for flags, strings for scale
    values). Anything else raises, and the line takes the reference path, which names the problem."""
    names = tuple(policy.variables)
    kinds = tuple(bool if v.sort == "bool" else str if v.sort == "int" else None for v in policy.variables.values())
    decode = json.JSONDecoder(parse_float=Decimal).decode

    def read(text: str) -> tuple:
        obj = decode(text)
        if type(obj) is not dict or len(obj) != len(names):
            raise ValueError("not exactly the declared names")
        values = tuple(obj[name] for name in names)  # KeyError for an unknown or missing name
        for value, kind in zip(values, kinds):
            if kind is not None and type(value) is not kind:
                raise TypeError("a flag or scale value of the wrong JSON type")
        return values

    return read


def json_decoder() -> Callable[[str], Any]:
    """Plain JSON text -> Python values with numbers exact (ints stay ints, any other number a
    Decimal of its literal): msgspec's decoder when installed, else the standard library's C
    scanner (no per-object hook). Neither refuses a repeated key (the last value wins) and the
    standard library accepts NaN (as a float): callers check for both."""
    try:
        import msgspec
    except ImportError:  # optional (the `fast` extra)
        return _stdlib_decoder()
    return msgspec.json.Decoder(float_hook=Decimal).decode


_JSON_SPACE = " \t\n\r"


def _stdlib_decoder() -> Callable[[str], Any]:
    """JSONDecoder(parse_float=Decimal).decode without its Python-level layers (half the time of a
    short line): its C scanner from the first non-space, then nothing but JSON whitespace."""
    scan = json.JSONDecoder(parse_float=Decimal).scan_once  # type: ignore[attr-defined]

    def decode(text: str) -> Any:
        start = 0 if text[:1] == "{" else len(text) - len(text.lstrip(_JSON_SPACE))
        value, end = scan(text, start)  # StopIteration when no value starts there
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            raise ValueError("extra data after the JSON value")
        return value

    return decode
