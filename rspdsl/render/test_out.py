"""`rspdsl test` output: text, JSON and JUnit XML from FileOutcomes and PolicyCoverages.

Case names, field names and values come from test files and policies written by others: the
text and XML formats show them through `visible` (JSON escapes them itself).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

from ..policytest.coverage import KINDS, PolicyCoverage
from ..policytest.runner import CaseResult, Difference, FileOutcome
from .escape import visible
from .text import render_diagnostic

TEST_FILE_CODE = "E0801"


def totals(outcomes: Sequence[FileOutcome]) -> dict[str, int]:
    return {"files": len(outcomes),
            "passed": sum(c.passed for o in outcomes for c in o.cases),
            "failed": sum(o.failed for o in outcomes),
            "errors": sum(not o.usable for o in outcomes)}


# ---------------------------------------------------------------- text

def _value(field: str, value: Any) -> str:
    kind = field.split(".", 1)[0]
    if isinstance(value, bool):
        if kind == "allowed":
            return "allowed" if value else "denied"
        if kind == "thresholds":
            return "crossed" if value else "not crossed"
        if kind == "assertions":
            return "holds" if value else "fails"
        if kind == "complies":
            return "complies" if value else "breaches the policy"
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]" if value else "none"
    return str(value)


def difference_text(diff: Difference) -> str:
    return f"{diff.field}: expected {_value(diff.field, diff.expected)}, got {_value(diff.field, diff.actual)}"


def _error_text(outcome: FileOutcome) -> list[str]:
    if outcome.error is not None:
        e = outcome.error
        field = f" ({e.field})" if e.field else ""
        lines = [f"{e.path}:{e.line}:{e.column}: {TEST_FILE_CODE} {e.message}{field}"]
        if e.hint:
            lines.append(f"  hint: {e.hint}")
        return lines
    lines = [f"{outcome.path}: {TEST_FILE_CODE} its policy `{outcome.policy_path}` cannot be used "
             f"({len(outcome.policy_diagnostics)} error{'s' * (len(outcome.policy_diagnostics) != 1)})"]
    if outcome.policy_source is not None:
        lines += [render_diagnostic(d, outcome.policy_source) for d in outcome.policy_diagnostics]
    return lines


def _case_text(outcome: FileOutcome, case: CaseResult) -> list[str]:
    if case.passed:
        return [f"{outcome.path}:{case.line}: ok    {case.name}"]
    return [f"{outcome.path}:{case.line}: FAIL  {case.name}"] + [f"    {difference_text(d)}" for d in case.differences]


def _file_line(outcome: FileOutcome) -> str:
    if not outcome.usable:
        return f"{outcome.path}: not run (1 error)"
    passed = len(outcome.cases) - outcome.failed
    return f"{outcome.path}: {passed} passed, {outcome.failed} failed ({outcome.seconds:.2f} s)"


def coverage_text(cov: PolicyCoverage, *, list_missed: bool = True) -> list[str]:
    covered, total = cov.count()
    # language v2's kinds are named only where the policy has some
    kinds = ", ".join(f"{kind} {c}/{t}" for kind in KINDS for c, t in [cov.count(kind)]
                      if t or kind not in ("recommendations", "duties"))
    lines = [f"{cov.path}: {cov.percent:.0f}% covered ({covered}/{total} by {cov.cases} case"
             f"{'s' * (cov.cases != 1)}): {kinds}"]
    if list_missed and cov.missed:
        lines.append("  never exercised:")
        for item in cov.missed:
            kind = "duty" if item.kind == "duties" else item.kind[:-1]
            lines.append(f"    {cov.path}:{item.line}: {kind} {item.name}")
    return lines


def render_text(outcomes: Sequence[FileOutcome], coverages: Sequence[PolicyCoverage] | None = None, *,
                quiet: bool = False, verbose: bool = False, min_percent: float | None = None) -> str:
    """Every case of a single test file, or (several files) each file's summary and its
    failures; `verbose` lists every case, `quiet` only failures, errors and the totals."""
    lines: list[str] = []
    every_case = verbose or (len(outcomes) == 1 and not quiet)
    for outcome in outcomes:
        if not outcome.usable:
            lines += _error_text(outcome)
            continue
        for case in outcome.cases:
            if every_case or not case.passed:
                lines += _case_text(outcome, case)
        if not quiet:
            lines.append(_file_line(outcome))
    if coverages:
        if lines:
            lines.append("")
        lines.append("coverage:" if min_percent is None else f"coverage (minimum {min_percent:g}%):")
        for cov in coverages:
            lines += ["  " + line for line in coverage_text(cov, list_missed=not quiet)]
    t = totals(outcomes)
    if lines:
        lines.append("")
    errors = f", {t['errors']} file{'s' * (t['errors'] != 1)} not run" if t["errors"] else ""
    lines.append(f"{t['files']} test file{'s' * (t['files'] != 1)}: {t['passed']} passed, {t['failed']} failed"
                 + errors)
    if coverages and min_percent is not None:
        under = [c for c in coverages if c.percent < min_percent]
        for cov in under:
            lines.append(f"{cov.path}: coverage {cov.percent:.0f}% is under the minimum {min_percent:g}%")
    return visible("\n".join(lines)) + "\n"


# ---------------------------------------------------------------- JSON

def _difference_json(diff: Difference) -> dict[str, Any]:
    return {"field": diff.field, "expected": diff.expected, "actual": diff.actual}


def _outcome_json(outcome: FileOutcome) -> dict[str, Any]:
    error: dict[str, Any] | None = None
    if outcome.error is not None:
        e = outcome.error
        error = {"code": TEST_FILE_CODE, "line": e.line, "column": e.column, "field": e.field,
                 "message": e.message, "hint": e.hint}
    elif outcome.policy_diagnostics:
        error = {"code": TEST_FILE_CODE, "line": None, "column": None, "field": "policy",
                 "message": f"its policy `{outcome.policy_path}` cannot be used",
                 "hint": None,
                 "diagnostics": [{"code": d.code, "line": d.span.line, "column": d.span.column,
                                  "message": d.message, "hint": d.hint} for d in outcome.policy_diagnostics]}
    return {"file": outcome.path, "policy": outcome.policy_path, "error": error,
            "passed": len(outcome.cases) - outcome.failed, "failed": outcome.failed,
            "cases": [{"name": c.name, "line": c.line, "status": "passed" if c.passed else "failed",
                       "differences": [_difference_json(d) for d in c.differences]} for c in outcome.cases]}


def coverage_json(cov: PolicyCoverage) -> dict[str, Any]:
    covered, total = cov.count()
    return {"policy": cov.path, "cases": cov.cases, "percent": round(cov.percent, 2),
            "covered": covered, "total": total,
            "kinds": {kind: dict(zip(("covered", "total"), cov.count(kind))) for kind in KINDS},
            "missed": [{"kind": i.kind, "name": i.name, "line": i.line} for i in cov.missed]}


def render_json(outcomes: Sequence[FileOutcome], coverages: Sequence[PolicyCoverage] | None = None,
                min_percent: float | None = None) -> str:
    doc: dict[str, Any] = {"files": [_outcome_json(o) for o in outcomes], "summary": totals(outcomes)}
    if coverages is not None:
        doc["coverage"] = {"minimum": min_percent, "policies": [coverage_json(c) for c in coverages]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- JUnit XML

def render_junit(outcomes: Sequence[FileOutcome]) -> str:
    """The JUnit XML CI servers read: a testsuite per test file, a testcase per case; a test
    file that cannot be used is one testcase with an <error>."""
    t = totals(outcomes)
    root = ElementTree.Element("testsuites", name="rspdsl test", tests=str(t["passed"] + t["failed"] + t["errors"]),
                               failures=str(t["failed"]), errors=str(t["errors"]))
    for outcome in outcomes:
        path = visible(outcome.path, keep="")
        suite = ElementTree.SubElement(root, "testsuite", name=path, file=path,
                                       tests=str(len(outcome.cases) or 1), failures=str(outcome.failed),
                                       errors=str(int(not outcome.usable)), time=f"{outcome.seconds:.3f}")
        if not outcome.usable:
            case = ElementTree.SubElement(suite, "testcase", classname=path, name="(test file)", file=path)
            text = "\n".join(_error_text(outcome))
            error = ElementTree.SubElement(case, "error", message=visible(text.splitlines()[0], keep=""))
            error.text = visible(text)
            continue
        for result in outcome.cases:
            case = ElementTree.SubElement(suite, "testcase", classname=path, name=visible(result.name, keep=""),
                                          file=path, line=str(result.line))
            if not result.passed:
                details = [difference_text(d) for d in result.differences]
                failure = ElementTree.SubElement(case, "failure", message=visible("; ".join(details), keep=""))
                failure.text = visible("\n".join(details))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
