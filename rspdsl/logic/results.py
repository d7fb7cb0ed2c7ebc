"""The results interface between the proof core and the renderers (fixed contract)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..source import Span

PROPERTIES = ("mitigations", "consistency", "monotonic", "reachability")  # plus "assert:NAME"
RUN_PROPERTIES = ("deadlines", "duties")  # language v2: only for policies that declare duties


@dataclass(frozen=True)
class Location:
    span: Span
    message: str = ""          # e.g. "the requirement", "the permitting rule"


@dataclass(frozen=True)
class Witness:
    state: dict | None = None   # STATE.json form (rspdsl.state.state_to_json), for single-state witnesses
    lower: dict | None = None   # monotonic: the pair (lower <= higher)
    higher: dict | None = None
    run: list | None = None     # language v2: a run, as `rspdsl eval --run` reads it (RUN.jsonl lines)

    def to_json(self) -> dict:
        """{"state": {...}}, {"lower": {...}, "higher": {...}} or {"run": [...]} (values exact)."""
        if self.run is not None:
            return {"run": [dict(step) for step in self.run]}
        if self.state is not None:
            return {"state": dict(self.state)}
        out: dict = {}
        if self.lower is not None:
            out["lower"] = dict(self.lower)
        if self.higher is not None:
            out["higher"] = dict(self.higher)
        return out


@dataclass(frozen=True)
class Result:
    property: str               # "mitigations" | "consistency" | "monotonic" | "reachability" | "assert:NAME"
    subject: str                # e.g. "deploy", "deploy: asl3_security", "tier", "ASL-3", "no-weights-at-asl3"
    status: str                 # "proved" | "violated" | "unknown"
    severity: str               # "error" | "warning"
    message: str                # one plain sentence a drafter understands
    witness: Witness | None = None
    locations: tuple[Location, ...] = ()   # primary first (the declaration the result is about)
    details: dict = field(default_factory=dict)  # e.g. {"core": ["asl3_security", ...]}, {"reason": "timeout"}
    seconds: float = 0.0


@dataclass(frozen=True)
class Report:                   # one file's verification
    results: tuple[Result, ...]

    def exit_code(self) -> int:
        """1 if any error-severity result violated; else 3 if any unknown; else 0."""
        if any(r.severity == "error" and r.status == "violated" for r in self.results):
            return 1
        if any(r.status == "unknown" for r in self.results):
            return 3
        return 0
