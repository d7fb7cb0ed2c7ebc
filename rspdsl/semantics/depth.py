"""Room on the call stack for walks that recurse over a policy's expressions.

The parser accepts chains of up to 2,000 operands and `implies` is right-associative, so the IR
can be thousands of levels deep. Walks that recurse over it (code generation, printing an
expression for a message, the differ's and baseline's term building) get a recursion limit
sized to the deepest expression of the policies they handle, as the evaluator's generator
always has, instead of failing with RecursionError on a policy `check` accepts.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from . import ir
from .model import Policy


def policy_depth(policy: Policy) -> int:
    """The deepest IR expression of the policy, measured without recursion."""
    roots = [t.condition for t in policy.thresholds.values()]
    roots += [t.condition for t in policy.tiers if t.condition is not None]
    roots += [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    roots += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    deepest = 0
    stack = [(e, 1) for e in roots]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ir.children(node))
    return deepest


@contextlib.contextmanager
def room_for(*policies: Policy | None, extra_depth: int = 0) -> Iterator[None]:
    """Lift the recursion limit to fit walks of a few frames per level over these policies."""
    limit = sys.getrecursionlimit()
    deepest = max([policy_depth(p) for p in policies if p is not None] + [0]) + extra_depth
    sys.setrecursionlimit(max(limit, 4 * deepest + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
