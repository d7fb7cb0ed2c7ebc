"""The results interface between the proof core and the renderers: data, never sentences.

A Result says which property and subject it is about, its status and severity, the facts of its
subject and of its witness (rspdsl.logic.facts), the replayed witness, and the source locations
(each with its Role). rspdsl.render.messages words them; every format renders through it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..diagnostics import Severity
from ..source import Location
from .facts import FACT_CLASSES, FACT_ENUMS, Facts

__all__ = ["PROPERTIES", "Status", "Severity", "Location", "Witness", "Result", "Report", "RESULT_CLASSES",
           "RESULT_ENUMS", "property_family"]

PROPERTIES = ("mitigations", "consistency", "monotonic", "reachability")  # plus "assert:NAME"
RUN_PROPERTIES = ("deadlines", "duties")  # language v2: only for policies that declare duties


def property_family(prop: str) -> str:
    """`assert:NAME` -> `assert`; the four built-in ids are their own family."""
    return "assert" if prop.startswith("assert:") else prop


class Status(StrEnum):
    """Tri-state: unknown (a timeout, solver incompleteness) is never shown as proved."""
    PROVED = "proved"
    VIOLATED = "violated"
    UNKNOWN = "unknown"
    ACCEPTED = "accepted"       # violated, and accepted by the policy (rspdsl/analyses/acceptance.py)


@dataclass(frozen=True)
class Acceptance:
    """The `accept` declaration that accepted a violated result: why, who, where."""
    reason: str
    owner: str
    line: int


@dataclass(frozen=True)
class Witness:
    state: dict | None = None   # STATE.json form (rspdsl.state.state_to_json), for single-state witnesses
    lower: dict | None = None   # monotonic: the pair (lower <= higher)
    higher: dict | None = None
    run: list | None = None     # language v2: a run, as `rspdsl eval --run` reads it (RUN.jsonl lines)
    # language v2: what the history terms of an extended-state witness saw (a state of a policy
    # about time, judged with its history free): {"day", "done": {act: days since}, "overdue": [...],
    # "at": {act: STATE.json}}; None for a state with no history to show
    history: dict | None = None

    def to_json(self) -> dict:
        """{"state": {...}}, {"lower": {...}, "higher": {...}} or {"run": [...]} (values exact),
        with "history" beside an extended-state witness."""
        if self.run is not None:
            return {"run": [dict(step) for step in self.run]}
        extra = {"history": dict(self.history)} if self.history is not None else {}
        if self.state is not None:
            return {"state": dict(self.state), **extra}
        out: dict = dict(extra)
        if self.lower is not None:
            out["lower"] = dict(self.lower)
        if self.higher is not None:
            out["higher"] = dict(self.higher)
        return out


@dataclass(frozen=True)
class Result:
    property: str               # "mitigations" | "consistency" | "monotonic" | "reachability" | "assert:NAME"
    subject: str                # e.g. "deploy", "deploy: asl3_security", "tier", "ASL-3", "no-weights-at-asl3"
    status: Status
    severity: Severity
    facts: Facts                # what the result is about, and what its witness showed
    witness: Witness | None = None
    locations: tuple[Location, ...] = ()   # primary first (the declaration the result is about)
    reason: str | None = None   # unknown: why the solver gave up (e.g. "timeout")
    seconds: float = 0.0
    accepted: Acceptance | None = None   # status ACCEPTED: the policy's `accept`


@dataclass(frozen=True)
class Report:                   # one file's verification
    results: tuple[Result, ...]

    def exit_code(self) -> int:
        """1 if any error-severity result violated; else 3 if any unknown; else 0."""
        if any(r.severity == Severity.ERROR and r.status == Status.VIOLATED for r in self.results):
            return 1
        if any(r.status == Status.UNKNOWN for r in self.results):
            return 3
        return 0


# What the result cache must be able to write and read back (rspdsl.cache_codec).
RESULT_CLASSES: tuple[type, ...] = (Report, Result, Witness, Location, Acceptance, *FACT_CLASSES)
RESULT_ENUMS: tuple[type, ...] = (Status, *FACT_ENUMS)
