"""The typed, name-resolved expression IR shared by the evaluator and the Z3 encoder.

Sorts: "real" (exact rationals: metrics, controls, numbers), "bool", and "int" (bounded
integers: a scale value's index, or a tier's index). Units and scale identity are checked
before this point and are gone here; only what the semantics needs survives.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Union


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


IExpr = Union[Const, BoolConst, IntConst, Var, ThresholdRef, TierValue, AllowedRef, Not, And, Or,
              Implies, Cmp, Add, Neg, Mul, MinMax]


def children(e: IExpr) -> tuple[IExpr, ...]:
    if isinstance(e, (Not, Neg, Mul)):
        return (e.arg,)
    if isinstance(e, (And, Or, Add, MinMax)):
        return e.args
    if isinstance(e, (Implies, Cmp)):
        return (e.left, e.right)
    return ()


def walk(e: IExpr):
    """Every node of e, depth first (iteratively, so deep expressions do not recurse)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


