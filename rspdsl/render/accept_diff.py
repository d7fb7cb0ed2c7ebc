"""`rspdsl diff` and accepted findings: an `accept` that NEW adds is a weakening (a finding
that OLD reported as a violation is no longer one), an `accept` NEW removes a strengthening.
Added to the differ's report by the command; rendered here in each format."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..semantics.model import Accept, Policy
from .escape import markdown_inline, visible


@dataclass(frozen=True)
class AcceptChanges:
    added: tuple[Accept, ...]      # in NEW only: weakenings
    removed: tuple[Accept, ...]    # in OLD only: strengthenings

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def accept_changes(old: Policy, new: Policy) -> AcceptChanges:
    old_keys = {(a.property, a.subject) for a in old.accepts}
    new_keys = {(a.property, a.subject) for a in new.accepts}
    return AcceptChanges(tuple(a for a in new.accepts if (a.property, a.subject) not in old_keys),
                         tuple(a for a in old.accepts if (a.property, a.subject) not in new_keys))


def _line(sign: str, accept: Accept, path: str) -> str:
    effect = "weaker — NEW accepts a finding" if sign == "+" else "stronger — NEW no longer accepts a finding"
    return (f"  {sign} accept {accept.property} {json.dumps(accept.subject)} ({path}:{accept.span.line}): {effect}"
            f" (by {json.dumps(accept.owner)}: {json.dumps(accept.reason)})")


def text_section(changes: AcceptChanges, old_path: str, new_path: str, before: str) -> str:
    if changes.empty:
        return ""
    lines = ["", "Accepted findings:"]
    lines += [_line("+", a, new_path) for a in changes.added]
    lines += [_line("-", a, old_path) for a in changes.removed]
    lines += ["", f"Verdict with the accepted findings: {verdict(before, changes)}."]
    return visible("\n".join(lines)) + "\n"


def markdown_section(changes: AcceptChanges) -> str:
    if changes.empty:
        return ""
    rows = ["", "**Accepted findings**", "", "| change | property | subject | owner | reason |", "|---|---|---|---|---|"]
    for sign, accepts in (("weaker: newly accepted", changes.added), ("stronger: no longer accepted", changes.removed)):
        rows += [f"| {sign} | {markdown_inline(a.property)} | {markdown_inline(a.subject)} | "
                 f"{markdown_inline(a.owner)} | {markdown_inline(a.reason)} |" for a in accepts]
    return "\n".join(rows) + "\n"


def _entries(accepts: Sequence[Accept]) -> list[dict[str, Any]]:
    return [{"property": a.property, "subject": a.subject, "reason": a.reason, "owner": a.owner,
             "line": a.span.line} for a in accepts]


def amend_json(text: str, changes: AcceptChanges) -> str:
    """The differ's JSON with `accepted_findings` added, and the summary and verdict counting
    each newly accepted finding as a weakening (a removed one as a strengthening)."""
    doc = json.loads(text)
    doc["accepted_findings"] = {"added": _entries(changes.added), "removed": _entries(changes.removed)}
    summary = doc.get("summary", {})
    summary["weakenings"] = summary.get("weakenings", 0) + len(changes.added)
    summary["strengthenings"] = summary.get("strengthenings", 0) + len(changes.removed)
    doc["verdict"] = verdict(doc.get("verdict", "equivalent"), changes)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def verdict(before: str, changes: AcceptChanges) -> str:
    weaker = before in ("weaker", "incomparable") or bool(changes.added)
    stronger = before in ("stronger", "incomparable") or bool(changes.removed)
    if weaker and stronger:
        return "incomparable"
    if weaker:
        return "weaker"
    if stronger:
        return "stronger"
    return before
