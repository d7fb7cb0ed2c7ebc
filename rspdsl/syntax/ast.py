"""The abstract syntax tree: frozen dataclasses, a Span on every node, no Lark types.

Spans and comments are excluded from equality, so two ASTs compare equal exactly when
they mean the same text up to layout (the property `parse(format(ast)) == ast` uses this).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from ..source import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Ident:
    name: str
    span: Span = _span()


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str = field(default="", compare=False)  # the spelling written (1e25, 1_000), kept by fmt
    span: Span = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class Name:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class TierRef:
    """The keyword `tier`: the current state's tier."""
    span: Span = _span()


@dataclass(frozen=True)
class Allowed:
    action: Ident
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    func: str  # "max" | "min"
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Unary:
    op: str  # "not" | "-"
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Binary:
    op: str  # "implies" | "or" | "and" | "+" | "-" | "*" | "/"
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Compare:
    """`a < b <= c`: operands has one more element than ops; a chain means a conjunction."""
    operands: tuple[Expr, ...]
    ops: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class History:
    """A history term (language-v2.md §2): `done(X)`, `days_since(X)` or `overdue(D)`."""
    func: str  # "done" | "days_since" | "overdue"
    target: Ident
    span: Span = _span()


@dataclass(frozen=True)
class At:
    """`E at X`: the value of history-free E at X's latest earlier step."""
    operand: Expr
    act: Ident
    span: Span = _span()


Expr = Union[Num, BoolLit, Name, TierRef, Allowed, Call, Unary, Binary, Compare, History, At]

BOOL_OPS = ("implies", "or", "and")
ARITH_OPS = ("+", "-", "*", "/")
COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")


# ---------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Comments:
    """Comments attached to a declaration by the parser, so the formatter can keep them."""
    leading: tuple[str, ...] = ()
    trailing: str | None = None
    blank_before: bool = False  # before the item's first line: its first leading comment, or its code
    # the lines after the first (leading[1:], then the code, at index len(leading)) that a
    # blank line separates from the line above them
    gaps: frozenset[int] = frozenset()


def _comments() -> Comments:
    return field(default_factory=Comments, compare=False, repr=False)


@dataclass(frozen=True)
class PolicyDecl:
    title: str
    version: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class ScaleDecl:
    name: Ident
    values: tuple[Ident, ...]
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class QuantityDecl:
    """`metric` (an input) or `control` (a response): a bounded real, or a value of a scale."""
    kind: str  # "metric" | "control"
    name: Ident
    bounds: tuple[Num, Num] | None = None
    unit: Ident | None = None
    scale: Ident | None = None
    reassuring: bool = False  # extension: higher values mean less risk (see docs/language.md)
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()
    cumulative: bool = False       # v2: never decreases along a run
    set_at: Ident | None = None    # v2: changes only at steps where this act happens
    by: Ident | None = None        # v2: the authority that measures it


@dataclass(frozen=True)
class FlagDecl:
    """`judgement` (an input) or `safeguard` (a response): a true/false fact."""
    kind: str  # "judgement" | "safeguard"
    name: Ident
    reassuring: bool = False  # extension: a judgement whose truth lowers risk ("ruled out")
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()
    set_at: Ident | None = None    # v2: changes only at steps where this act happens
    by: Ident | None = None        # v2: the authority that decides it
    cumulative: bool = False       # v2 allows it on metrics and controls only (checked, E0302)


@dataclass(frozen=True)
class ActionDecl:
    name: Ident
    default: str | None = None  # "permit" | "deny" | None (deny)
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class ThresholdDecl:
    name: Ident
    condition: Expr
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class RequireDecl:
    commitments: tuple[Expr, ...]
    actions: tuple[Ident, ...] | None = None  # None: every action
    condition: Expr | None = None
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()
    force: str = "require"  # v2 §4: "require" (binding) or "recommend" (advisory)


@dataclass(frozen=True)
class WaiveDecl:
    """v2 §4: `waive C1, C2 for A1, A2 when COND "desc"`."""
    commitments: tuple[Expr, ...]
    actions: tuple[Ident, ...] | None  # None: every action the commitments bind
    condition: Expr
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class TierDecl:
    name: Ident
    condition: Expr | None = None
    requirements: tuple[RequireDecl, ...] = ()
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()
    closing_comments: tuple[str, ...] = field(default=(), compare=False, repr=False)
    closing_trailing: str | None = field(default=None, compare=False, repr=False)  # after the `}`
    # indices of closing_comments with a blank line above (0: below the last requirement)
    closing_gaps: frozenset[int] = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class RuleDecl:
    effect: str  # "permit" | "forbid"
    action: Ident
    condition: Expr | None = None  # None: always
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class AssertDecl:
    name: Ident
    body: Expr
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class EventDecl:
    """v2: something that happens outside the developer's rules (never allowed or forbidden)."""
    name: Ident
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class AuthorityDecl:
    """v2: who measures or decides an input; `internal` to the developer or `external`."""
    name: Ident
    standing: str  # "internal" | "external"
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


@dataclass(frozen=True)
class DutyDecl:
    """v2: `A within N days after T` (kind "within", trigger T) or `A every N days while C`
    (kind "every", condition C)."""
    name: Ident
    kind: str  # "within" | "every"
    act: Ident
    days: Num
    trigger: Ident | None = None
    condition: Expr | None = None
    description: str | None = None
    span: Span = _span()
    comments: Comments = _comments()


Decl = Union[PolicyDecl, ScaleDecl, QuantityDecl, FlagDecl, ActionDecl, ThresholdDecl,
             TierDecl, RuleDecl, RequireDecl, AssertDecl, EventDecl, AuthorityDecl, DutyDecl, WaiveDecl]


@dataclass(frozen=True)
class Module:
    declarations: tuple[Decl, ...]
    trailing_comments: tuple[str, ...] = field(default=(), compare=False, repr=False)
    span: Span = _span()
    # indices of trailing_comments with a blank line above (0: below the last declaration)
    trailing_gaps: frozenset[int] = field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class AcceptDecl:
    """An accepted finding: `accept PROPERTY "SUBJECT" "REASON" by "OWNER"` (PROPERTY is a
    property id such as `mitigations`, or `assert:NAME`). Matched against results after proving
    (rspdsl/acceptance.py); the prover never sees it."""
    property: str
    subject: str
    reason: str
    owner: str
    span: Span = _span()
    property_span: Span = _span()
    comments: Comments = _comments()
