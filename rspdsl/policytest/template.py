"""State skeletons: every input and response of a policy at its lowest value, in declaration
order (for `rspdsl eval --template` and the `[defaults]` of a new test file)."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..semantics.model import Policy, Variable


def lowest_value(policy: Policy, var: Variable) -> Any:
    """false; the first value of a scale (within the bounds); a number's lower bound, or 0
    when it has none (or the upper bound, when that is below 0)."""
    if var.sort == "bool":
        return False
    if var.sort == "int":
        scale = policy.scales.get(var.scale or "")
        index = int(var.lo) if var.lo is not None else 0
        return scale.values[index] if scale is not None and index < len(scale.values) else index
    if var.lo is not None:
        return Fraction(var.lo)
    if var.hi is not None and var.hi < 0:
        return Fraction(var.hi)
    return 0


def state_template(policy: Policy) -> dict[str, Any]:
    return {name: lowest_value(policy, var) for name, var in policy.variables.items()}
