"""What `rspdsl diff` found, as data: changes in meaning (each with a replayed witness),
declaration and text changes, open questions, and the verdict. Sentences are made by
rspdsl.render.messages from these facts."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ...source import Span

WEAKENING, STRENGTHENING = "weakening", "strengthening"

Where = tuple[str, Span]          # (path, span) in one of the two files


@dataclass(frozen=True)
class Permission:
    """How one policy decides the action at the witness: allowed or not, and by what."""
    action: str
    allowed: bool
    rule_effect: str | None          # the deciding rule's effect, None when the default decides
    rule_at: Where | None            # the deciding rule
    default_permit: bool


@dataclass(frozen=True)
class Demand:
    """Whether one policy demands the commitment at the witness, and where it requires it."""
    commitment: str
    demanded: bool
    at: Where | None = None


@dataclass(frozen=True)
class Side:
    """What one policy does at a witness state."""
    state: dict[str, Any]            # STATE.json form of this policy's projection of the witness
    tier: str
    outcome: Permission | Demand | None = None   # None for tier changes: the tier says it all
    location: Where | None = None


class NoteKind(str, Enum):
    """How a witness variable relates to the two policies (shown next to its value)."""
    NEW_ONLY = "new only"
    OLD_ONLY = "old only"
    OLD_NAME = "old name"            # paired under another name in OLD
    OLD_VALUE = "old value"          # a scale value mapped from another value in OLD


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    value: str | None = None         # OLD's name or value


@dataclass(frozen=True)
class Change:
    kind: str                        # "weakening" | "strengthening"
    aspect: str                      # "permission" | "tier" | "requirement"
    action: str | None               # NEW's name of the action (None for tier changes)
    subject: str                     # what the line is about: "deploy", "tier ASL-3"
    state: dict[str, Any]            # the witness over the union of both policies' variables
    old: Side
    new: Side
    name: str = ""                   # NEW's name of the action or common tier
    old_name: str | None = None      # OLD's name when renamed
    detail: str | None = None        # the commitment, for requirement changes
    notes: dict[str, Note] = field(default_factory=dict)  # union variable -> how it relates to each side
    # language v2: the history both revisions' terms saw (one shared history; prover.history_json)
    history: dict[str, Any] | None = None


class Detail(str, Enum):
    """What a declaration change says (the facts are in DeclChange.old / .new)."""
    NONE = ""
    SUMMARY = "summary"              # added / removed: a summary of the declaration (`new`)
    TITLE = "title"
    VERSION = "version"
    RENAMED = "renamed"              # old: OLD's name
    VALUES = "values"                # a scale's values
    KIND = "kind"
    BOUNDS = "bounds"                # old/new: Bounds
    UNIT = "unit"
    SCALE = "scale"
    REASSURING = "reassuring"        # new: bool
    DEFAULT = "default"              # new: default permit?
    PLACE = "place"                  # a common tier's place among the common tiers changed
    INSERTED = "inserted"            # old/new: the tiers below and above (None at an end)
    SORT_UNRELATED = "sort unrelated"          # old/new: Bounds (their sorts differ)
    NO_COMMON_VALUE = "no common value"
    NO_OVERLAP = "no overlap"
    HOLDS_MORE = "holds more"
    HOLDS_FEWER = "holds fewer"
    HOLDS_DIFFERENT = "holds different"
    HOLDS_UNKNOWN = "holds unknown"


@dataclass(frozen=True)
class Bounds:
    """A variable's range as declared: what a declaration change reports about it."""
    sort: str                        # "real" | "bool" | "int"
    lo: Any = None                   # real: a Fraction or None (unbounded); int: a scale value's name
    hi: Any = None
    unit: str | None = None
    scale: str | None = None


@dataclass(frozen=True)
class Summary:
    """An added or removed declaration, in brief."""
    bounds: Bounds | None = None     # variables (None for booleans)
    default_permit: bool | None = None   # actions
    values: tuple[str, ...] | None = None  # scales
    rung: tuple[int, int] | None = None  # tiers: (place, ladder length)


@dataclass(frozen=True)
class DeclChange:
    change: str                      # "added" | "removed" | "changed" | "renamed"
    entity: str                      # "metric", "action", "tier", "threshold", "scale", "policy", ...
    name: str                        # NEW's name (OLD's when removed)
    what: Detail = Detail.NONE
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class TextChange:
    """Text that people read but that has no meaning changed between two paired entities."""
    entity: str                      # "policy", "scale", "metric", ..., "requirement", "rule"
    name: str                        # NEW's name; for a requirement its commitments, for a rule "forbid train"
    field: str                       # "title" | "version" | "description" | "text"
    old: str | None                  # None: there was none (a description added)
    new: str | None                  # None: removed
    old_location: Where
    new_location: Where


class Question(str, Enum):
    """An open question's shape (see rspdsl.render.messages.unknown_question)."""
    TIER_BELOW = "tier below"            # does NEW place a state below the tier where OLD does not?
    TIER_AT_OR_ABOVE = "tier at or above"
    ALLOW = "allow"                      # does NEW allow the action where OLD forbids it?
    FORBID = "forbid"
    NEW_DEMANDS = "new demands"          # does NEW demand the commitment wherever OLD does?
    OLD_DEMANDS = "old demands"
    IMPLIES = "implies"                  # does a commitment of the other revision imply it?


@dataclass(frozen=True)
class Unknown:
    aspect: str
    subject: str
    question: Question
    reason: str
    name: str = ""                   # the tier or action (NEW's name), or the commitment
    old_name: str | None = None
    commitment: str | None = None


class ForceDetail(str, Enum):
    """What changed about a duty, an authority or who decides an input (language v2)."""
    ADDED = "added"
    REMOVED = "removed"
    DEADLINE = "deadline"            # old/new: the days
    CLOCK = "clock"                  # its trigger, act or `while` changed (judged by a run when one differs)
    UNGATED = "ungated"              # no rule reads overdue(D) any more
    GATED = "gated"                  # a rule now reads overdue(D)
    STANDING = "standing"            # an authority internal <-> external; old/new: the standing
    DECIDED_BY = "decided by"        # an input's `by` moved to or from an external authority
    ACCEPTED = "accepted"            # NEW accepts a finding OLD did not; new: (owner, reason)
    UNACCEPTED = "unaccepted"        # NEW no longer accepts it; old: (owner, reason)


@dataclass(frozen=True)
class ForceChange:
    """A change to how binding the policy is over time or who decides (rspdsl/analyses/diff/force.py)."""
    kind: str | None                 # "weakening" | "strengthening" | None (listed, not judged)
    entity: str                      # "duty" | "authority" | an input's kind
    name: str
    detail: ForceDetail
    old: Any = None
    new: Any = None
    # a duty's change: one run, as RUN.jsonl for each file ({"old": [...], "new": [...]}), after
    # which the duty is overdue under the stricter revision and not under the other (duty_runs.py)
    witness: dict[str, Any] | None = None


@dataclass(frozen=True)
class DiffReport:
    old_path: str
    new_path: str
    old_title: str | None
    new_title: str
    changes: tuple[Change, ...]
    declarations: tuple[DeclChange, ...]
    unknowns: tuple[Unknown, ...] = ()
    text_changes: tuple[TextChange, ...] = ()   # never part of the verdict: meaning is unchanged
    new_file: bool = False
    seconds: float = 0.0
    queries: int = 0
    force: tuple[ForceChange, ...] = ()   # language v2: duties, authorities (declaration by declaration)

    @property
    def weakenings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == WEAKENING)

    @property
    def strengthenings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == STRENGTHENING)

    @property
    def verdict(self) -> str:
        """equivalent | stronger | weaker | incomparable, or "unknown" when a question stayed
        open and no weakening was found (a verdict that would otherwise claim too much)."""
        weak = bool(self.weakenings) or any(f.kind == WEAKENING for f in self.force)
        strong = bool(self.strengthenings) or any(f.kind == STRENGTHENING for f in self.force)
        if weak:
            return "incomparable" if strong else "weaker"
        if self.unknowns:
            return "unknown"
        return "stronger" if strong else "equivalent"

    def exit_code(self) -> int:
        if self.weakenings or any(f.kind == WEAKENING for f in self.force):
            return 1
        if self.unknowns:
            return 3
        return 0
