"""`rspdsl check --format json`: the contract's shape, numbers written exactly.

    {"files": [{"file", "policy", "diagnostics": [...], "results": [...]}]}

Fields beyond the contract (it allows additions): diagnostics carry end_line, end_column,
hint and related; results carry details, and each location its end and message.
Nothing time-dependent is written, so the same input always gives the same bytes.
"""
from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ..analyses.checked import CheckedFile
from ..diagnostics import Diagnostic
from ..logic.results import Result
from ..source import Location, Span
from ..state import dumps_exact
from .messages import result_details, result_locations, result_message


def span_json(span: Span) -> dict[str, int]:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def diagnostic_json(diag: Diagnostic) -> dict[str, Any]:
    span = diag.span
    return {
        "severity": diag.severity.value,
        "code": diag.code,
        "message": diag.message,
        **span_json(span),
        "hint": diag.hint,
        "related": [{**span_json(rel.span), "message": rel.message} for rel in diag.related],
    }


def location_json(loc: Location) -> dict[str, Any]:
    return {**span_json(loc.span), "message": loc.message}


def witness_json(result: Result) -> dict[str, Any] | None:
    if result.witness is None:
        return None
    return result.witness.to_json() or None  # a Witness with neither form says nothing


def plain(value: Any) -> Any:
    """Details as JSON data: containers become lists/objects, spans locations, anything else text.

    Fractions stay Fractions so dumps_exact writes them exactly.
    """
    if value is None or isinstance(value, (bool, int, str, Fraction)):
        return value
    if isinstance(value, Span):
        return span_json(value)
    if isinstance(value, Location):
        return location_json(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=str)
    if isinstance(value, float):
        return Fraction(value)  # exact value of the float; never its rounded repr
    return str(value)


def result_json(result: Result) -> dict[str, Any]:
    return {
        "property": result.property,
        "subject": result.subject,
        "status": result.status.value,
        "severity": result.severity.value,
        "message": result_message(result),
        "witness": witness_json(result),
        "locations": [location_json(loc) for loc in result_locations(result)],
        "details": plain(result_details(result)),
    }


def file_json(checked: CheckedFile) -> dict[str, Any]:
    return {
        "file": checked.path,
        "policy": checked.title,
        "diagnostics": [diagnostic_json(d) for d in checked.diagnostics],
        "results": [result_json(r) for r in checked.results],
    }


def check_json(files: Iterable[CheckedFile]) -> dict[str, Any]:
    return {"files": [file_json(f) for f in files]}


def render_json(files: Iterable[CheckedFile], indent: int | None = 2) -> str:
    return dumps_exact(check_json(files), indent=indent) + "\n"
