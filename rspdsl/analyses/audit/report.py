"""The audit of one policy (and of a revision history) as data; rspdsl/render/audit_out.py words
and formats it."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...semantics.model import Policy
from . import race, selfmarking, vagueness
from .voluntariness import RevisionStep
from .who import inputs_by_standing


@dataclass(frozen=True)
class PolicyAudit:
    path: str
    title: str
    inputs: dict[str, list[str]]                         # standing -> input names
    tiers: list[selfmarking.TierControl]
    thresholds: list[vagueness.ThresholdVagueness]
    commitments: list[vagueness.CommitmentKind]
    waivers: list[race.WaiverInputs]


@dataclass(frozen=True)
class AuditReport:
    policies: list[PolicyAudit]
    revisions: list[RevisionStep] = field(default_factory=list)   # voluntariness: consecutive pairs


def audit_policy(policy: Policy, *, timeout_ms: int = 10_000, seed: int = 0) -> PolicyAudit:
    return PolicyAudit(
        path=policy.source.path, title=policy.title, inputs=inputs_by_standing(policy),
        tiers=selfmarking.tier_control(policy, timeout_ms=timeout_ms, seed=seed),
        thresholds=vagueness.thresholds(policy, timeout_ms=timeout_ms, seed=seed),
        commitments=vagueness.commitments(policy), waivers=race.waivers(policy))
