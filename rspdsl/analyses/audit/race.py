"""Race dynamics (language-v2.md §6): every waiver, the inputs its condition reads (through the
thresholds it names) and who decides each of them."""
from __future__ import annotations

from dataclasses import dataclass

from ...semantics.model import Policy
from .vagueness import _reads
from .who import standing


@dataclass(frozen=True)
class WaiverInputs:
    commitments: tuple[str, ...]
    actions: tuple[str, ...]
    line: int
    description: str | None
    inputs: tuple[tuple[str, str, str | None], ...]   # (input, its standing, its authority)


def waivers(policy: Policy) -> list[WaiverInputs]:
    out = []
    for w in policy.waivers:
        names = sorted(_reads(policy, w.condition))
        inputs = tuple((n, standing(policy, policy.variables[n]), policy.variables[n].by) for n in names
                       if policy.variables[n].is_input)
        out.append(WaiverInputs(w.commitments, w.actions, w.span.line, w.description, inputs))
    return out
