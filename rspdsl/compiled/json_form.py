"""The `eval --format json` form of a Decision (the contract's shape)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..semantics.decision import Decision
from ..semantics.model import Policy, Requirement, Rule

# Generated expressions deeper than this are hoisted into temporaries: CPython's parser and
# compiler have nesting limits far below what a long `a + b + ...` chain can reach.

# ---------------------------------------------------------------- JSON form

def _rule_json(rule: Rule) -> dict[str, Any]:
    return {"line": rule.span.line, "column": rule.span.column, "effect": rule.effect}


def _requirement_json(req: Requirement) -> dict[str, Any]:
    return {"line": req.span.line, "column": req.span.column, "text": req.text}


def decision_to_json(policy: Policy, decision: Decision,
                     actions: Sequence[str] | None = None) -> dict[str, Any]:
    """The `eval --format json` shape of the contract, plus "effect" in decided_by and "assertions".
    `actions` (default: all, in declaration order) lists the actions to include, in that order."""
    listed = {}
    for name in (policy.actions if actions is None else actions):
        rule = decision.decided_by[name]
        listed[name] = {
            "allowed": decision.allowed[name],
            "decided_by": _rule_json(rule) if rule is not None else None,
            "unmet": [_requirement_json(r) for r in decision.unmet(name)],
        }
        if policy.recommendations:  # v2 §4: advisory commitments active here and not met
            listed[name]["unheeded"] = [_requirement_json(r) for r in decision.unheeded(name)]
    return {
        "tier": policy.tiers[decision.tier].name,
        "thresholds": dict(decision.thresholds),
        "actions": listed,
        "assertions": dict(decision.assertions),
    }
