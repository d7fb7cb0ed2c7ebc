"""Recursion headroom for the stages that walk a policy's IR recursively.

The parser accepts expressions nested up to MAX_DEPTH levels and chains of up to MAX_PATH operands
(rspdsl.syntax.parser); `a implies b implies ...` is right-nested, so its IR is thousands of levels
deep. The encoder and `ir.walk` are iterative; printing (semantics/show.py) and the baseline's
substitution recurse, a few frames per level. Rather than a second, tighter bound than the
parser's, these stages run with the recursion limit raised for the measured depth, as the
evaluator's code generator does (Python 3.11+ frames of Python-to-Python calls do not use the C
stack, so a higher limit is safe). Depth is measured without recursion.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager

from ..semantics import ir
from ..semantics.model import Policy, Threshold

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
    roots = [t.condition for t in policy.thresholds.values()]
    roots += [t.condition for t in policy.tiers if t.condition is not None]
    roots += [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    roots += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return roots


def policy_depth(policy: Policy, *, inline: bool = False) -> int:
    """The deepest IR expression of the policy (thresholds inlined when `inline`)."""
    return expr_depth(policy_roots(policy), policy.thresholds if inline else None)


@contextmanager
def headroom_for(depth: int) -> Iterator[None]:
    """Run with the recursion limit raised for IR `depth` levels deep (never lowered)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, FRAMES_PER_LEVEL * depth + BASE_FRAMES))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def headroom(*policies: Policy) -> AbstractContextManager[None]:
    """Headroom for walking any of `policies`' expressions, or one substituted into another (the
    depths add up), thresholds inlined."""
    return headroom_for(sum(policy_depth(p, inline=True) for p in policies))

