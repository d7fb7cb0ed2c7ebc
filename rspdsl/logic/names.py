"""How results name what they are about: subjects identify results across revisions.

Pinned verdicts, accepted findings (SARIF partialFingerprints) and baselines key on a result's
property and subject, so a subject never contains a line number, and a commitment is named by
its canonical text (the formatter's printing, rspdsl.syntax.format), not by its spelling:
reformatting, re-spacing or re-parenthesizing a policy keeps every subject.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from ..semantics.model import Policy, Requirement

_WRAP = "assert m: "   # an expression parses as the body of an assertion


@lru_cache(maxsize=4096)
def canonical_text(text: str) -> str:
    """The formatter's printing of an expression written as `text` (`text` itself if it does not
    parse on its own, which a commitment taken from a checked policy always does)."""
    from ..source import SourceFile
    from ..syntax import ast
    from ..syntax.format import format_expr
    from ..syntax.lower import lower
    from ..syntax.parser import parse_tree, recursion_headroom

    source = SourceFile("<expression>", _WRAP + text)
    with recursion_headroom():  # lowering and printing recurse along a chain of operands
        tree, diagnostics = parse_tree(source)
        if tree is None:
            return text
        module, diagnostics = lower(source, tree)
        decls = module.declarations
        if len(decls) != 1 or not isinstance(decls[0], ast.AssertDecl) or any(d.is_error for d in diagnostics):
            return text
        return format_expr(decls[0].body)


def requirement_names(policy: Policy, action: str | None = None) -> dict[int, str]:
    """How each requirement (of `action`, or of the policy) is named in subjects: its canonical
    text; when two share a text, the tier that holds each (`(tier ASL-3)`, `(top level)`), then an
    ordinal."""
    by_text: dict[str, list[Requirement]] = {}
    for r in (policy.requirements if action is None else policy.requirements_for(action)):
        by_text.setdefault(canonical_text(r.text), []).append(r)
    names: dict[int, str] = {}
    for text, reqs in by_text.items():
        if len(reqs) == 1:
            names[reqs[0].index] = text
            continue
        placed = {r.index: f"{text} ({'top level' if r.tier is None else 'tier ' + policy.tiers[r.tier].name})"
                  for r in reqs}
        names.update(numbered(placed))
    return names


def numbered(labels: dict[int, str]) -> dict[int, str]:
    """Labels made unique by an ordinal (`#2`) where several are equal, in declaration order."""
    seen: dict[str, int] = {}
    total = Counter(labels.values())
    out = {}
    for key, label in labels.items():
        seen[label] = seen.get(label, 0) + 1
        out[key] = label if total[label] == 1 else f"{label} #{seen[label]}"
    return out


def rule_names(policy: Policy) -> dict[int, str]:
    """`permit deploy`, or `forbid train #2` for the second of several forbids of train."""
    return numbered({r.index: f"{r.effect} {r.action}" for r in policy.rules})
