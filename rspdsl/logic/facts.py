"""What a verification result is about and what its witness showed, as typed data.

An obligation carries the facts of its subject (the action, the requirement, the tier, ...); when
the prover finds a violation it adds what the replayed witness showed (the deciding rule, the
clashing commitments, the dropped requirements, the tiers of a pair, why nothing reaches a
target). rspdsl.render.messages turns facts into sentences and into the JSON "details" object;
nothing here is worded for people.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a location is to its result (rspdsl.render.messages words it)."""
    REQUIREMENT = "requirement"                 # the requirement the result is about
    ACTION = "action"
    PERMITTING_RULE = "permitting rule"         # a rule permitting the action
    DECIDING_RULE = "deciding rule"             # the rule that allows the action in the witness
    ACTION_REQUIREMENT = "action requirement"   # a requirement for the action
    CLASHING = "clashing"                       # a commitment in the clash
    LADDER = "ladder"                           # the tier ladder
    LOWER_TIER = "lower tier"                   # the lower state's tier
    HIGHER_TIER = "higher tier"
    ACTION_RULE = "action rule"                 # a rule for the action
    FORBIDS_LOWER = "forbids lower"             # the rule forbidding it in the lower state
    ALLOWS_HIGHER = "allows higher"             # the rule allowing it in the higher state
    DROPPED = "dropped"                         # a requirement active in the lower state only
    A_REQUIREMENT = "a requirement"             # one of the requirements (monotonic)
    TIER = "tier"
    THRESHOLD = "threshold"
    RULE = "rule"
    ASSERTION = "assertion"
    BOUND = "bound"                             # a policy entity a baseline name is bound to
    POLICY = "policy"                           # the policy as a whole
    RECOMMENDATION = "recommendation"           # v2: the recommendation the result is about
    DUTY = "duty"                               # v2: the duty the result is about


class Finding(StrEnum):
    """Why a reachability result is violated: which target no state reaches."""
    NEVER_REACHED = "never reached"             # a tier
    NEVER_HOLDS = "never holds"                 # a threshold or a rule's condition
    ALWAYS_HOLDS = "always holds"               # a threshold
    NEVER_ALLOWS = "never allows"               # a permit overridden wherever it holds
    NEVER_CHANGES = "never changes a decision"  # a redundant rule
    NEVER_ACTIVE = "never active"               # a requirement


class Why(StrEnum):
    """Why no state is at a tier."""
    LATER_TIER_ALWAYS = "later tier always"     # the first tier: some later tier holds in every state
    LATER_TIER_WHEN = "later tier when"         # whenever its condition holds, a later tier holds too
    NEVER = "never"                             # its condition never holds


class Inactivity(StrEnum):
    """Why a requirement can never be active, as far as its declaration says."""
    NO_ACTION = "no action"                     # it binds no action
    TIER_AND_CONDITION = "tier and condition"   # no state at its tier or above satisfies its `when`
    TIER = "tier"                               # no state reaches its tier
    CONDITION = "condition"                     # no state satisfies its `when`


@dataclass(frozen=True)
class RuleRef:
    """A rule as people find it: effect, action and line."""
    effect: str
    action: str
    line: int


@dataclass(frozen=True)
class NoPermit:
    """The cover "no permit for the action holds" (for a forbid of a default-deny action)."""
    action: str


Cover = RuleRef | NoPermit


@dataclass(frozen=True)
class Mitigation:
    action: str
    requirement: str                 # the commitment's text
    line: int
    decided_by: RuleRef | None = None
    recommended: bool = False        # v2: a recommendation (advisory: a warning)
    run: RunFacts | None = None      # v2: how it was decided over runs


@dataclass(frozen=True)
class Consistency:
    action: str
    core: tuple[str, ...] | None = None          # the clashing commitments (their subject names)
    core_lines: tuple[int, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)   # STATE.json values of the inputs
    core_minimal: bool = True


@dataclass(frozen=True)
class MonotonicTier:
    lower_tier: str | None = None
    higher_tier: str | None = None


@dataclass(frozen=True)
class MonotonicAction:
    action: str
    lower_decided_by: RuleRef | None = None
    higher_decided_by: RuleRef | None = None


@dataclass(frozen=True)
class MonotonicRequirements:
    dropped: tuple[str, ...] | None = None       # requirements active in the lower state only


@dataclass(frozen=True, kw_only=True)
class Reach:
    """A reachability result: which target no state reaches, and why, when violated."""
    finding: Finding | None = None
    why: Why | None = None
    covered_by: tuple[Cover, ...] | None = None  # what decides wherever a redundant rule holds


@dataclass(frozen=True, kw_only=True)
class TierReach(Reach):
    tier: str


@dataclass(frozen=True, kw_only=True)
class ThresholdReach(Reach):
    threshold: str


@dataclass(frozen=True, kw_only=True)
class RuleReach(Reach):
    rule: RuleRef
    default_permit: bool             # the rule's action is `default permit`


@dataclass(frozen=True, kw_only=True)
class RequirementReach(Reach):
    requirement: str
    line: int
    inactivity: Inactivity
    tier: str | None = None          # the tier that holds it (when that is why)


@dataclass(frozen=True)
class AssertionFacts:
    name: str
    description: str | None = None
    run: RunFacts | None = None      # v2: how it was decided over runs


class RunMethod(StrEnum):
    """How a property of a policy about time was decided (language-v2.md §5)."""
    EXTENDED = "extended states"     # proved over every extended state
    SEARCH = "bounded search"        # a violating run was found
    INDUCTION = "k-induction"        # proved by k-induction
    NOT_PROVED = "not proved"        # no violation in runs of up to `depth` steps; not proved


@dataclass(frozen=True)
class RunFacts:
    method: RunMethod
    steps: int | None = None         # search: the run's length; induction: k; not proved: the depth


class DutyProblem(StrEnum):
    """Why a duty is never in force."""
    ACT_NEVER_ALLOWED = "act never allowed"
    TRIGGER_NEVER_ALLOWED = "trigger never allowed"
    TRIGGER_NEVER_HOLDS = "trigger never holds"
    WHILE_NEVER_HOLDS = "while never holds"


@dataclass(frozen=True)
class DeadlineFacts:
    """v2 `deadlines`: can the duty be pending while its act stays forbidden whatever the responses?"""
    duty: str
    act: str
    act_is_event: bool = False
    due: Any = None                  # the witness: the day it falls due (a Fraction)
    run: RunFacts | None = None


@dataclass(frozen=True)
class DutyFacts:
    """v2 `duties`: is the duty ever in force, and does any rule read overdue(D)?"""
    duty: str
    act: str
    trigger: str | None
    problems: tuple[DutyProblem, ...] = ()
    self_enforced: bool = False


@dataclass(frozen=True)
class BaselineFacts:
    """A baseline assertion proved over a policy (rspdsl.analyses.baseline)."""
    name: str
    description: str | None
    baseline_path: str
    line: int | None                 # the assertion in the baseline (None: not found)
    column: int | None
    bound: dict[str, str]            # baseline name -> the policy side it is bound to, as written
    places: tuple[tuple[str, str], ...]  # per location: (policy entity, the baseline name bound to it)
    in_baseline_terms: dict[str, Any] | None = None   # the witness in the baseline's names
    inner: Any = None                # the prover's facts about the translated assertion


Facts = (Mitigation | Consistency | MonotonicTier | MonotonicAction | MonotonicRequirements | TierReach
         | ThresholdReach | RuleReach | RequirementReach | AssertionFacts | BaselineFacts | DeadlineFacts
         | DutyFacts)

# What the result cache must be able to write and read back (rspdsl.cache_codec).
FACT_CLASSES: tuple[type, ...] = (RuleRef, NoPermit, Mitigation, Consistency, MonotonicTier, MonotonicAction,
                                  MonotonicRequirements, TierReach, ThresholdReach, RuleReach, RequirementReach,
                                  AssertionFacts, BaselineFacts, RunFacts, DeadlineFacts, DutyFacts)
FACT_ENUMS: tuple[type, ...] = (Role, Finding, Why, Inactivity, RunMethod, DutyProblem)
