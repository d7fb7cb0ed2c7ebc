"""Accepted findings: a policy's `accept` declarations applied to its verification results.

A post-processing step over a Report, after proving (the prover knows nothing of it): each
violated result whose property id and canonical subject an `accept` names becomes status
ACCEPTED, carrying an Acceptance (reason, owner, line). Accepted results are not
violations: no exit code counts them, and every format shows them as accepted (SARIF as
suppressions). An `accept` that matches no violated result is a warning (W0303): the finding
was fixed (remove the accept), its subject is misspelt, or its property was not checked.
"""
from __future__ import annotations

from dataclasses import replace

from ..diagnostics import Diagnostic, did_you_mean, warning
from ..logic.results import Acceptance, Report, Result, Status
from ..semantics.model import Accept, Policy


def apply_accepts(policy: Policy, report: Report, checked: set[str] | None = None) -> tuple[Report, list[Diagnostic]]:
    """The report with accepted results marked, and a W0303 for each `accept` that matched no
    violated result. `checked`: the property ids verified (None: all); an accept of a property
    that was not checked is not reported."""
    if not policy.accepts:
        return report, []
    by_key = {(a.property, a.subject): a for a in policy.accepts}
    used: set[tuple[str, str]] = set()
    results: list[Result] = []
    for result in report.results:
        accept = by_key.get((result.property, result.subject))
        if accept is not None and result.status == Status.VIOLATED:
            used.add((accept.property, accept.subject))
            result = replace(result, status=Status.ACCEPTED,
                             accepted=Acceptance(accept.reason, accept.owner, accept.span.line))
        results.append(result)
    warnings = []
    checked_properties = {r.property for r in report.results}
    for accept in policy.accepts:
        key = (accept.property, accept.subject)
        if key in used or (checked is not None and accept.property not in checked):
            continue
        warnings.append(_unmatched(accept, report, accept.property in checked_properties))
    return replace(report, results=tuple(results)), warnings


def _unmatched(accept: Accept, report: Report, property_checked: bool) -> Diagnostic:
    same = [r for r in report.results if r.property == accept.property]
    match = next((r for r in same if r.subject == accept.subject), None)
    what = f"`accept {accept.property} {accept.subject!r}`"
    if match is not None:
        why = "matches a finding that is now " + str(match.status)
        hint = "the finding is fixed: remove this `accept`" if match.status == "proved" else \
            "an unknown result is not a violation; rerun with a larger --timeout"
    elif not property_checked:
        why = "matches nothing: this property was not checked"
        hint = None
    else:
        why = "matches no finding"
        suggestion = did_you_mean(accept.subject, [r.subject for r in same if r.status == "violated"])
        hint = suggestion or ("the subject is the finding's `subject` in `rspdsl check --format json`, e.g. "
                              + ", ".join(repr(r.subject) for r in same[:3])) if same else None
    return warning("W0303", f"{what} {why}", accept.span, hint=hint)
