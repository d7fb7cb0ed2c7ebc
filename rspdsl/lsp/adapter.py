"""The one seam between the language server and the result classes of the front end and prover.

Diagnostics (rspdsl.diagnostics) and proof results (rspdsl.logic.results) are turned into the
small records below, which every other module of rspdsl.lsp uses. When those result classes
change shape, this is the only file to adjust.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..diagnostics import Diagnostic
from ..logic.results import Result
from ..source import Span


@dataclass(frozen=True)
class Note:
    """A location that explains a problem or finding (LSP relatedInformation)."""
    span: Span
    message: str


@dataclass(frozen=True)
class Problem:
    """A front-end diagnostic: syntax, names, types."""
    code: str
    severity: str                  # "error" | "warning" | "note"
    message: str
    span: Span
    hint: str | None = None
    related: tuple[Note, ...] = ()
    replacement: str | None = None  # the name a did-you-mean hint proposes for the span


@dataclass(frozen=True)
class WitnessValue:
    """One line of a witness: a variable's value in a state (`side`: "state", "lower", "higher"
    or "step K" of a run), or in a run a step's day or an act taken at it."""
    side: str
    name: str                      # the variable or act ("" for a day)
    value: str                     # as written in a state file ("" for an act)
    kind: str = "value"            # "value" | "day" | "act"


@dataclass(frozen=True)
class Finding:
    """One proof result."""
    property: str                  # "mitigations", ..., "assert:NAME"
    subject: str
    status: str                    # "proved" | "violated" | "unknown"
    severity: str                  # "error" | "warning"
    message: str
    span: Span | None              # the declaration it is about
    related: tuple[Note, ...] = ()
    witness: dict | None = None                  # {"state": {...}} or {"lower": ..., "higher": ...}
    witness_values: tuple[WitnessValue, ...] = ()

    @cached_property
    def witness_text(self) -> str | None:
        """The witness in STATE.json form with exact numbers (made only when asked for)."""
        from ..state import dumps_exact

        return dumps_exact(self.witness, indent=2) if self.witness else None


_SUGGESTION = re.compile(r"did you mean `([^`]+)`\?")


def problems(diagnostics: Iterable[Diagnostic]) -> list[Problem]:
    out = []
    for d in diagnostics:
        found = _SUGGESTION.search(d.hint or "") if d.code == "E0103" else None
        out.append(Problem(d.code, d.severity.value, d.message, d.span, d.hint,
                           tuple(Note(r.span, r.message) for r in d.related),
                           found.group(1) if found else None))
    return out


def finding(result: Result) -> Finding:
    from ..render.messages import location_text, result_message
    from ..render.results_text import value_text

    witness = result.witness.to_json() if result.witness is not None else None
    values: list[WitnessValue] = []
    for side, state in (witness or {}).items():
        if side == "run":  # language v2: a run; per step its day, the acts taken, then the state
            for k, step in enumerate(state):
                at = f"step {k}"
                values.append(WitnessValue(at, "", value_text(step.get("day", 0)), "day"))
                values += [WitnessValue(at, act, "", "act") for act in step.get("acts", ())]
                values += [WitnessValue(at, name, value_text(value)) for name, value in _state(step.get("state")).items()]
            continue
        values += [WitnessValue(side, name, value_text(value)) for name, value in _state(state).items()]
    primary = result.locations[0].span if result.locations else None
    return Finding(result.property, result.subject, str(result.status), str(result.severity), result_message(result),
                   primary, tuple(Note(loc.span, location_text(loc, result.facts)) for loc in result.locations[1:]),
                   witness or None, tuple(values))


def _state(state: Any) -> dict[str, Any]:
    return state if isinstance(state, dict) else {}
