"""The one namespace of a policy: what each name denotes, and where an expression sits (which
decides whether `tier`, `allowed(...)` and history terms may appear there)."""
from __future__ import annotations

from dataclasses import dataclass

from ..source import Span


@dataclass(frozen=True)
class Entity:
    """What a name denotes in the one namespace."""
    kind: str      # scale | scale_value | metric | control | judgement | safeguard | action | threshold | tier | assertion
    span: Span
    decl: object = None
    scale: str | None = None   # for scale_value: its scale
    index: int = 0             # scale_value index or tier index


KIND_WORDS = {
    "scale": "a scale", "scale_value": "a scale value", "metric": "a metric", "control": "a control",
    "judgement": "a judgement", "safeguard": "a safeguard", "action": "an action",
    "threshold": "a threshold", "tier": "a tier", "assertion": "an assertion",
    "event": "an event", "authority": "an authority", "duty": "a duty",
}
ACT_KINDS = ("action", "event")  # what a run's step does, and what history terms look back at



@dataclass
class Context:
    """Where an expression sits: decides whether `tier` and `allowed()` are allowed."""
    where: str               # "threshold" | "tier" | "rule" | "require" | "assert" | "duty"
    threshold: str | None = None
    in_at: bool = False      # inside `E at X`, whose E must be history-free

    @property
    def tier_allowed(self) -> bool:
        return self.where in ("rule", "require", "assert", "duty")

    @property
    def history_allowed(self) -> bool:
        """History terms may appear anywhere but in tier `when`s (the tier is a function of the
        state, v2 §2) and in a duty's `while` (what starts a clock must not depend on clocks)."""
        return self.where not in ("tier", "duty") and not self.in_at

    @property
    def allowed_allowed(self) -> bool:
        return self.where == "assert"
