"""Who decides each input: its `by` authority's standing, or "unattributed" without one."""
from __future__ import annotations

from ...semantics.model import Policy, Variable

INTERNAL, EXTERNAL, UNATTRIBUTED = "internal", "external", "unattributed"


def standing(policy: Policy, var: Variable) -> str:
    if var.by is None or var.by not in policy.authorities:
        return UNATTRIBUTED
    return policy.authorities[var.by].standing


def inputs_by_standing(policy: Policy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {INTERNAL: [], EXTERNAL: [], UNATTRIBUTED: []}
    for var in policy.inputs:
        out[standing(policy, var)].append(var.name)
    return out
