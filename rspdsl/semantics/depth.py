"""Room on the call stack for walks that recurse over a policy's expressions.

The parser accepts chains of up to 2,000 operands and `implies` is right-associative, so the IR
can be thousands of levels deep. Walks that recurse over it (code generation, printing an
expression for a message, the differ's and baseline's term building, the baseline's
substitution) get a recursion limit sized to the deepest expression of the policies they handle,
as the evaluator's generator always has, instead of failing with RecursionError on a policy
`check` accepts (Python 3.11+ frames of Python-to-Python calls do not use the C stack, so a
higher limit is safe). Depth is measured without recursion. This is the one place that sizes it.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Mapping

from . import ir
from .model import Policy, Threshold

FRAMES_PER_LEVEL = 4
BASE_FRAMES = 1000


def expr_depth(roots: Iterable[ir.IExpr], thresholds: Mapping[str, Threshold] | None = None) -> int:
    """The deepest of `roots`; with `thresholds`, a reference to one counts as its condition inlined
    (thresholds come in dependency order, so each one's depth is known before it is used)."""
    inlined: dict[str, int] = {}

    def deepest(e: ir.IExpr) -> int:
        best = 0
        stack = [(e, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, ir.ThresholdRef) and node.name in inlined:
                depth += inlined[node.name]
            best = max(best, depth)
            stack.extend((child, depth + 1) for child in ir.children(node))
        return best

    for name, th in (thresholds or {}).items():
        inlined[name] = deepest(th.condition)
    return max((deepest(e) for e in roots), default=0)


def policy_roots(policy: Policy) -> list[ir.IExpr]:
    """Every top-level expression of the policy."""
    roots = [t.condition for t in policy.thresholds.values()]
    roots += [t.condition for t in policy.tiers if t.condition is not None]
    roots += [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    roots += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return roots


def policy_depth(policy: Policy, *, inline: bool = False) -> int:
    """The deepest IR expression of the policy (threshold references inlined when `inline`)."""
    return expr_depth(policy_roots(policy), policy.thresholds if inline else None)


@contextlib.contextmanager
def room_for_depth(depth: int) -> Iterator[None]:
    """Lift the recursion limit for walks of a few frames per level, `depth` levels deep (never
    lowered; restored on exit)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, FRAMES_PER_LEVEL * depth + BASE_FRAMES))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def room_for(*policies: Policy | None, extra_depth: int = 0) -> contextlib.AbstractContextManager[None]:
    """Room for walks over any one of these policies' expressions."""
    deepest = max([policy_depth(p) for p in policies if p is not None] + [0]) + extra_depth
    return room_for_depth(deepest)


def room_for_combined(*policies: Policy, extra_depth: int = 0) -> contextlib.AbstractContextManager[None]:
    """Room for walks over one policy's expressions substituted into another's (the depths add up),
    threshold references inlined."""
    return room_for_depth(sum(policy_depth(p, inline=True) for p in policies) + extra_depth)
