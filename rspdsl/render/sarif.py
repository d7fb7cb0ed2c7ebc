"""`rspdsl check --format sarif`: SARIF 2.1.0 for code-scanning dashboards.

Choices (documented in docs/output-formats.md):
- One run, tool.driver "rspdsl". Rules: the four built-in properties always, one rule
  `assert` shared by every assertion (the assertion's name is in the result's message,
  `properties.subject` and its fingerprint; rule ids stay stable as assertions come and
  go), and one rule per front-end diagnostic code that occurs (E0103, ...).
- Violated: kind "fail", level "error" or "warning". Proved: kind "pass", level "none".
  Unknown: kind "open", level "none" (SARIF §3.27.10 allows a level other than "none"
  only with kind "fail"; CI should act on exit code 3, not on the level).
- Columns are Unicode code points, 1-based, end exclusive: exactly our Span.
- The witness, status, subject and details go in result.properties, numbers exact.
- partialFingerprints."rspdsl/v1": sha256 of the property and the subject (canonical text), so
  accepted findings and code-scanning history survive reformatting and moved lines.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..analyses.checked import CheckedFile
from ..diagnostics import CODES, Diagnostic
from ..logic.results import PROPERTIES, RUN_PROPERTIES, Result, Status, property_family
from ..source import Location, Span
from ..state import dumps_exact
from .json_out import plain, witness_json
from .messages import result_details, result_locations, result_message

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

PROPERTY_RULES: dict[str, tuple[str, str]] = {
    "mitigations": ("MissingMitigation",
                    "No state allows an action while a requirement active for it is unmet."),
    "consistency": ("ConflictingCommitments",
                    "For every action and every input, some choice of responses meets all active requirements."),
    "monotonic": ("NonMonotonic",
                  "More capability never lowers the tier, allows more, or deactivates a requirement."),
    "reachability": ("Unreachable",
                     "Every tier is reached by some state; every rule, threshold and requirement can matter."),
    "assert": ("Assertion", "A policy assertion holds in every state."),
    "deadlines": ("UnmeetableDeadline",
                  "Every duty can always be met: its act is never kept forbidden while it is pending."),
    "duties": ("IdleDuty", "Every duty can be triggered and discharged, and some rule depends on it."),
}


def artifact_uri(path: str) -> str:
    """The path as given, as a URI reference: forward slashes, reserved characters escaped."""
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return "file://" + quote(posix)
    return quote(posix)


def region(span: Span) -> dict[str, int]:
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, 1)
    if end_line == line:
        end_column = max(end_column, column)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def physical_location(path: str, span: Span, message: str = "") -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)},
                                                "region": region(span)}}
    if message:
        loc["message"] = {"text": message}
    return loc


def _rule(rule_id: str, name: str, description: str, level: str) -> dict[str, Any]:
    return {"id": rule_id, "name": name, "shortDescription": {"text": description},
            "defaultConfiguration": {"level": level}}


def _rules(files: list[CheckedFile]) -> list[dict[str, Any]]:
    families = {property_family(r.property) for f in files for r in f.results}
    rules = [_rule(p, *PROPERTY_RULES[p], "error") for p in PROPERTIES]
    if "assert" in families:
        rules.append(_rule("assert", *PROPERTY_RULES["assert"], "error"))
    rules += [_rule(p, *PROPERTY_RULES[p], "error" if p == "deadlines" else "warning")
              for p in RUN_PROPERTIES if p in families]
    codes: dict[str, str] = {}
    for f in files:
        for d in f.diagnostics:
            codes.setdefault(d.code, d.severity.value)
    for code in sorted(codes):
        level = codes[code] if codes[code] in ("error", "warning", "note") else "warning"
        rules.append(_rule(code, f"Diagnostic{code}", CODES.get(code, code), level))
    return rules


def _result_level_kind(result: Result) -> tuple[str, str]:
    if result.status in (Status.VIOLATED, Status.ACCEPTED):  # an accepted finding is a suppressed failure
        return ("error" if result.severity == "error" else "warning"), "fail"
    if result.status == Status.PROVED:
        return "none", "pass"
    return "none", "open"


def _related(path: str, locations: Iterable[Location]) -> list[dict[str, Any]]:
    out = []
    for i, loc in enumerate(locations):
        entry = physical_location(path, loc.span, loc.message)
        entry["id"] = i
        out.append(entry)
    return out


def fingerprint(result: Result) -> str:
    """A result's identity across revisions: its property and subject (canonical text, no line
    numbers: see rspdsl.logic.names), hashed. Reformatting or moving lines keeps it."""
    return hashlib.sha256(f"{result.property}\n{result.subject}".encode()).hexdigest()


def result_sarif(path: str, result: Result, rule_index: dict[str, int]) -> dict[str, Any]:
    family = property_family(result.property)
    level, kind = _result_level_kind(result)
    text = result_message(result)
    message = text if result.status != Status.UNKNOWN else f"unknown: {text}"
    locations = result_locations(result)
    out: dict[str, Any] = {
        "ruleId": family,
        "ruleIndex": rule_index[family],
        "kind": kind,
        "level": level,
        "message": {"text": message},
        "locations": [physical_location(path, locations[0].span, locations[0].message)]
        if locations else [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}}}],
        "partialFingerprints": {"rspdsl/v1": fingerprint(result)},
        "properties": {
            "property": result.property,
            "subject": result.subject,
            "status": result.status.value,
            "severity": result.severity.value,
            "witness": witness_json(result),
            "details": plain(result_details(result)),
        },
    }
    if len(locations) > 1:
        out["relatedLocations"] = _related(path, locations[1:])
    if result.accepted is not None:  # SARIF 2.1.0 §3.35: suppressed in source, with its justification
        out["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                "justification": f"{result.accepted.reason} (owner: {result.accepted.owner})"}]
    return out


def diagnostic_sarif(path: str, diag: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    level = diag.severity.value if diag.severity.value in ("error", "warning", "note") else "warning"
    text = diag.message + (f" (hint: {diag.hint})" if diag.hint else "")
    out: dict[str, Any] = {
        "ruleId": diag.code,
        "ruleIndex": rule_index[diag.code],
        "kind": "fail",
        "level": level,
        "message": {"text": text},
        "locations": [physical_location(path, diag.span)],
    }
    if diag.related:
        out["relatedLocations"] = _related(path, diag.related)
    return out


def sarif_log(files: Iterable[CheckedFile]) -> dict[str, Any]:
    files = list(files)
    rules = _rules(files)
    rule_index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in files:
        results += [diagnostic_sarif(f.path, d, rule_index) for d in f.diagnostics]
        results += [result_sarif(f.path, r, rule_index) for r in f.results]
    internal = any(d.code == "E0900" for f in files for d in f.diagnostics)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rspdsl", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "invocations": [{"executionSuccessful": not internal}],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render_sarif(files: Iterable[CheckedFile], indent: int | None = 2) -> str:
    return dumps_exact(sarif_log(files), indent=indent) + "\n"
