"""Static types of expressions, as the checker sees them (richer than the IR's sorts)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class BoolT:
    def describe(self) -> str:
        return "a boolean"


@dataclass(frozen=True)
class RealT:
    """A number. unit None on a variable means dimensionless; `literal` numbers adopt any unit."""
    unit: str | None = None
    literal: bool = False              # built from numbers only: takes the unit of its partner
    value: Fraction | None = None      # known constant value (for linearity and division)

    def describe(self) -> str:
        if self.literal:
            return "a number"
        return f"a number in {self.unit}" if self.unit else "a number (no unit)"


@dataclass(frozen=True)
class ScaleT:
    scale: str

    def describe(self) -> str:
        return f"a value of scale `{self.scale}`"


@dataclass(frozen=True)
class TierT:
    def describe(self) -> str:
        return "a tier"


@dataclass(frozen=True)
class ErrorT:
    """An expression that already has an error reported; absorbs further complaints."""

    def describe(self) -> str:
        return "an erroneous expression"


Type = BoolT | RealT | ScaleT | TierT | ErrorT
BOOL = BoolT()
TIER = TierT()
ERROR = ErrorT()
