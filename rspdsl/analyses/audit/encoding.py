"""One state of a policy as Z3 terms for the audit's questions (history free for a policy about
time: no question here reads it, and tiers never do)."""
from __future__ import annotations

from typing import Any

from ...logic.encode import StateEncoding, encode_state
from ...logic.history import FreeHistory
from ...semantics.model import Policy


def encode(policy: Policy, prefix: str, ctx: Any, shared: dict[str, Any] | None = None) -> StateEncoding:
    history = FreeHistory(policy, "", ctx) if policy.temporal else None
    return encode_state(policy, prefix, ctx=ctx, shared=shared, history=history)


def solver(ctx: Any, timeout_ms: int, seed: int) -> Any:
    import z3
    s = z3.Solver(ctx=ctx)
    s.set("timeout", timeout_ms)
    s.set("random_seed", seed)
    return s
