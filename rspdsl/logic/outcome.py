"""What a check found, before the prover makes it a Result (shared by the prover's checks)."""
from __future__ import annotations

from collections.abc import Sequence

from .facts import Facts
from .results import Status


class Outcome:
    """What a check found, before it becomes a Result."""

    def __init__(self, status: Status, states: Sequence[dict] | None = None, facts: Facts | None = None,
                 locations: tuple | None = None, reason: str | None = None):
        self.status = status
        self.states = states
        self.facts = facts           # None: the obligation's own
        self.locations = locations   # None: the obligation's own
        self.reason = reason


def unknown(reason: str) -> Outcome:
    return Outcome(Status.UNKNOWN, reason=reason)
