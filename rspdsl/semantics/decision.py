"""A decision: what a policy says about one state (the result of both evaluators)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Requirement, Rule


@dataclass(frozen=True)
class Decision:
    tier: int
    thresholds: dict[str, bool]
    allowed: dict[str, bool]
    decided_by: dict[str, Rule | None]
    active: dict[str, tuple[int, ...]]
    met: tuple[bool, ...]
    rules_holding: tuple[bool, ...]
    assertions: dict[str, bool]
    requirements: tuple[Requirement, ...] = field(default=(), repr=False, compare=False)
    # language v2 §4: recommendations (advisory), by index into Policy.recommendations
    advised: dict[str, tuple[int, ...]] = field(default_factory=dict)
    advice_met: tuple[bool, ...] = ()
    recommendations: tuple[Requirement, ...] = field(default=(), repr=False, compare=False)

    def unmet(self, action: str) -> tuple[Requirement, ...]:
        """The requirements active for `action` whose commitment does not hold."""
        return tuple(self.requirements[k] for k in self.active[action] if not self.met[k])

    def unheeded(self, action: str) -> tuple[Requirement, ...]:
        """The recommendations active for `action` whose commitment does not hold."""
        return tuple(self.recommendations[k] for k in self.advised.get(action, ()) if not self.advice_met[k])
