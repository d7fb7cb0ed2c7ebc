"""The checked policy: names bound, types and bounds known, expressions in the typed IR.

This is what the evaluator, the encoder and the differ consume. Everything here is frozen;
spans point back into the source for reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..source import SourceFile, Span
from . import ir
from .ir import IExpr

INPUT_KINDS = ("metric", "judgement")
RESPONSE_KINDS = ("safeguard", "control")


@dataclass(frozen=True)
class Scale:
    name: str
    values: tuple[str, ...]
    span: Span
    description: str | None = None


@dataclass(frozen=True)
class Variable:
    """A component of the state: an input (metric, judgement) or a response (safeguard, control)."""
    name: str
    kind: str          # "metric" | "judgement" | "safeguard" | "control"
    sort: str          # "real" | "bool" | "int" (int: a scale value's index)
    lo: Fraction | int | None = None   # bounds for real and int sorts (inclusive)
    hi: Fraction | int | None = None
    unit: str | None = None
    scale: str | None = None           # for sort "int": the scale's name
    reassuring: bool = False           # higher / true means *less* capability or risk
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)
    cumulative: bool = False           # v2: never decreases from one step of a run to the next
    set_at: str | None = None          # v2: keeps its value except at steps where this act happens
    by: str | None = None              # v2: the authority that measures or decides it

    @property
    def is_input(self) -> bool:
        return self.kind in INPUT_KINDS


@dataclass(frozen=True)
class Action:
    name: str
    default_permit: bool
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Event:
    """v2: something that happens outside the developer's rules (never allowed or forbidden)."""
    name: str
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Authority:
    name: str
    standing: str                      # "internal" | "external"
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Duty:
    """v2 §3. kind "within": `act` within `days` after each trigger (an act, or the onset of a
    threshold); kind "every": `act` every `days` while `condition` holds."""
    name: str
    kind: str                          # "within" | "every"
    act: str                           # an action or an event
    days: Fraction
    trigger: str | None = None         # within: an act or a threshold
    trigger_is_act: bool = True
    condition: IExpr | None = None     # every: the `while` condition (history-free)
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Threshold:
    name: str
    condition: IExpr
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Tier:
    name: str
    index: int
    condition: IExpr | None  # None only for the first tier
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Rule:
    index: int
    effect: str            # "permit" | "forbid"
    action: str
    condition: IExpr       # BoolConst(True) when the source had no `when`
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Requirement:
    """One commitment: for each of `actions`, only in states where `commitment` holds, while active.

    Active when tier >= `tier` (if declared inside a tier) and `condition` holds (if any).
    """
    index: int
    commitment: IExpr
    text: str                      # the commitment as written, e.g. "asl3_security"
    actions: tuple[str, ...]       # resolved: every action when the source had no `for`
    tier: int | None = None
    condition: IExpr | None = None
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)       # the commitment expression
    decl_span: Span = field(default=Span(1, 1, 1, 1), compare=False)  # the whole `require`
    force: str = "require"         # v2 §4: "recommend" is advisory (Policy.recommendations)


@dataclass(frozen=True)
class Waiver:
    """v2 §4: while `condition` holds, the requirements `requirements` (indices into
    Policy.requirements, matched by the canonical text of their commitment) are not required
    for `actions`."""
    index: int
    commitments: tuple[str, ...]     # the waived commitments' canonical text, as written in the waiver
    requirements: tuple[int, ...]    # every requirement whose commitment has one of those texts
    actions: tuple[str, ...]
    condition: IExpr
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Assertion:
    name: str
    body: IExpr
    description: str | None = None
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Accept:
    """An accepted finding (`accept`): the result with this property id and subject is reported
    as accepted, with its reason and owner, instead of as a violation (rspdsl/acceptance.py)."""
    property: str      # "mitigations", ..., or "assert:NAME"
    subject: str       # the result's canonical subject, e.g. "train: asl4_security"
    reason: str
    owner: str
    span: Span = field(default=Span(1, 1, 1, 1), compare=False)


@dataclass(frozen=True)
class Policy:
    source: SourceFile
    title: str
    version: str | None
    scales: dict[str, Scale]
    variables: dict[str, Variable]       # declaration order
    actions: dict[str, Action]           # declaration order
    thresholds: dict[str, Threshold]     # dependency order: each after those it uses
    tiers: tuple[Tier, ...]              # the ladder, lowest first
    rules: tuple[Rule, ...]
    requirements: tuple[Requirement, ...]
    assertions: tuple[Assertion, ...]
    header_span: Span = field(default=Span(1, 1, 1, 1), compare=False)  # the `policy` declaration
    # language v2 (empty for a v1 policy)
    events: dict[str, Event] = field(default_factory=dict)
    authorities: dict[str, Authority] = field(default_factory=dict)
    duties: dict[str, Duty] = field(default_factory=dict)
    history_thresholds: frozenset[str] = frozenset()  # thresholds that read history, directly or not
    accepts: tuple[Accept, ...] = ()   # accepted findings, in declaration order
    recommendations: tuple[Requirement, ...] = ()      # v2 §4: advisory; numbered apart from requirements
    waivers: tuple[Waiver, ...] = ()

    def waivers_of_any(self, index: int) -> bool:
        """Whether some waiver can lift requirement `index` (for some action)."""
        return any(index in w.requirements for w in self.waivers)

    def waivers_of(self, index: int, action: str) -> list[Waiver]:
        """The waivers that can lift requirement `index` for `action`."""
        return [w for w in self.waivers if index in w.requirements and action in w.actions]

    @property
    def acts(self) -> tuple[str, ...]:
        """What a run's step may do: every action and every event, in declaration order."""
        cached = self.__dict__.get("_acts")
        if cached is None:  # asked at every step of a run: computed once (the policy is frozen)
            cached = tuple(self.actions) + tuple(self.events)
            object.__setattr__(self, "_acts", cached)
        return cached

    @property
    def temporal(self) -> bool:
        """Whether the policy says anything about runs (duties, history terms, how inputs evolve):
        if not, a run is just a sequence of independent states and v1's proofs cover it."""
        if self.duties or self.history_thresholds:
            return True
        exprs = [r.condition for r in self.rules] + [a.body for a in self.assertions]
        exprs += [w.condition for w in self.waivers]
        exprs += [e for r in self.requirements + self.recommendations for e in (r.commitment, r.condition)
                  if e is not None]
        return any(ir.uses_history(e) for e in exprs)

    @property
    def inputs(self) -> list[Variable]:
        return [v for v in self.variables.values() if v.is_input]

    @property
    def responses(self) -> list[Variable]:
        return [v for v in self.variables.values() if not v.is_input]

    def tier_index(self, name: str) -> int:
        for t in self.tiers:
            if t.name == name:
                return t.index
        raise KeyError(name)

    def requirements_for(self, action: str) -> list[Requirement]:
        return [r for r in self.requirements if action in r.actions]

    def rules_for(self, action: str) -> list[Rule]:
        return [r for r in self.rules if r.action == action]
