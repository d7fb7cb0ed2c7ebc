"""The typed, name-resolved expression IR shared by the evaluator and the Z3 encoder.

Sorts: "real" (exact rationals: metrics, controls, numbers), "bool", and "int" (bounded
integers: a scale value's index, or a tier's index). Units and scale identity are checked
before this point and are gone here; only what the semantics needs survives.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union


@dataclass(frozen=True)
class Const:
    value: Fraction


@dataclass(frozen=True)
class BoolConst:
    value: bool


@dataclass(frozen=True)
class IntConst:
    """A scale value or a tier, by its index (0 = lowest)."""
    value: int


@dataclass(frozen=True)
class Var:
    """An input or a response of the state, by name; sort is that of its declaration."""
    name: str
    sort: str  # "real" | "bool" | "int"


@dataclass(frozen=True)
class ThresholdRef:
    name: str


@dataclass(frozen=True)
class TierValue:
    """The tier of the state, as an index into Policy.tiers."""


@dataclass(frozen=True)
class AllowedRef:
    action: str


@dataclass(frozen=True)
class Not:
    arg: IExpr


@dataclass(frozen=True)
class And:
    args: tuple[IExpr, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[IExpr, ...]


@dataclass(frozen=True)
class Implies:
    left: IExpr
    right: IExpr


@dataclass(frozen=True)
class Cmp:
    """op in < <= > >= == !=; operands share a sort (== and != also on bools)."""
    op: str
    left: IExpr
    right: IExpr


@dataclass(frozen=True)
class Add:
    args: tuple[IExpr, ...]


@dataclass(frozen=True)
class Neg:
    arg: IExpr


@dataclass(frozen=True)
class Mul:
    """Linear scaling by a constant: `k * arg` (division by c is Mul(1/c, arg))."""
    k: Fraction
    arg: IExpr


@dataclass(frozen=True)
class MinMax:
    func: str  # "min" | "max"
    args: tuple[IExpr, ...]


# ---------------------------------------------------------------- history terms (language-v2.md §2)
# Each looks only at the steps of a run strictly before the current one.

@dataclass(frozen=True)
class Done:
    """`done(X)`: act X happened at some earlier step."""
    act: str


@dataclass(frozen=True)
class SinceCmp:
    """`days_since(X) op k` (days_since is only ever compared with a constant, so the comparison is
    one term): day now minus day at X's latest earlier step, +infinity when X never happened."""
    act: str
    op: str
    k: Fraction


@dataclass(frozen=True)
class At:
    """`arg at X`: the value of history-free `arg` at X's latest earlier step (step 0 if none)."""
    arg: IExpr
    act: str


@dataclass(frozen=True)
class Overdue:
    """`overdue(D)`: duty D is overdue now (§3)."""
    duty: str


HISTORY_NODES = (Done, SinceCmp, At, Overdue)

IExpr = Union[Const, BoolConst, IntConst, Var, ThresholdRef, TierValue, AllowedRef, Not, And, Or,
              Implies, Cmp, Add, Neg, Mul, MinMax, Done, SinceCmp, At, Overdue]


def _no_children(e: IExpr) -> tuple[IExpr, ...]:
    return ()


_CHILDREN: dict[type, Callable[[Any], tuple[IExpr, ...]]] = {
    **{kind: lambda e: (e.arg,) for kind in (Not, Neg, Mul, At)},
    **{kind: lambda e: e.args for kind in (And, Or, Add, MinMax)},
    **{kind: lambda e: (e.left, e.right) for kind in (Implies, Cmp)},
}


def children(e: IExpr) -> tuple[IExpr, ...]:
    # by exact type (the node classes are final): every walk over the IR calls this per node
    return _CHILDREN.get(type(e), _no_children)(e)


def uses_history(e: IExpr) -> bool:
    """Whether e contains a history term (thresholds it names are not followed)."""
    return any(isinstance(node, HISTORY_NODES) for node in walk(e))


def walk(e: IExpr):
    """Every node of e, depth first (iteratively, so deep expressions do not recurse)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


