"""The JSON documents the commands publish, read back exactly, and their values as a reader sees them.

The report is built from the documents `check --format json`, `baseline --format json` and
`diff --format json` write (their dict builders, serialised with `dumps_exact` and read back
here), never from the internal result classes: the page shows what a program reading that JSON
would get. Numbers come back exact (`Decimal` for JSON fractions; a non-decimal rational is the
string "p/q" the JSON carries).
"""
from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ...state import dumps_exact, number_text


def as_document(data: Any) -> Any:
    """`data` as published: serialised exactly, then read back with exact numbers."""
    return json.loads(dumps_exact(data), parse_float=Decimal)


def value_text(value: Any) -> str:
    """A witness value as a drafter writes it (and as STATE.json spells it): `true`, `0.5`, `1/3`, `high`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return number_text(Fraction(value))
    if value is None:
        return "null"
    return str(value)


def state_json(state: dict[str, Any]) -> str:
    """A witness state as the one-line STATE.json text `rspdsl eval --state` reads."""
    return dumps_exact(state)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 48) -> str:
    """An ASCII fragment for an id: `deploy: asl3_security` -> `deploy-asl3-security`."""
    out = _NOT_SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-")
    return out or "x"


class Anchors:
    """Unique, stable ids: made from what a finding is about (never its position in the file), so
    a link to `#…-mitigations-deploy-asl3-security` survives edits that move lines. A clash (two
    texts with the same slug) gets a short hash of the exact text, not a counter."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, *parts: str) -> str:
        base = "-".join(slug(p) for p in parts)
        candidate = base
        if candidate in self._taken:
            digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
            candidate = f"{base}-{digest[:8]}"
            n = 2
            while candidate in self._taken:  # the same parts twice: only then a counter
                candidate = f"{base}-{digest[:8]}-{n}"
                n += 1
        self._taken.add(candidate)
        return candidate
