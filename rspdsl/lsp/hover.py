"""What hovering a name shows, as facts: declaration, kind, bounds or unit, description,
authority, the comments above it (where shipped policies cite their source), and for a tier its
`when` and the requirements active there. render/editor.py turns the facts into markdown."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..source import SourceFile, Span
from ..syntax import ast
from ..syntax.format import number_text
from .analysis import Analysis
from .index import Declaration, Occurrence

# v1 policies name who decides a judgement at the end of its description: "[self-assessed: RSO]"
_AUTHORITY = re.compile(r"\[([^\[\]]*:[^\[\]]*)\]\s*$")


@dataclass(frozen=True)
class HoverFacts:
    name: str
    kind: str
    declaration: str                     # the declaration's first line, as written
    range_text: str | None = None        # "in [0, 1e6] unit months", "on scale risk (low, high)"
    description: str | None = None
    authority: str | None = None
    citations: tuple[str, ...] = ()      # the comment lines above the declaration
    condition: str | None = None         # a threshold's or tier's `when`, an assertion's body
    requirements: tuple[str, ...] = ()   # a tier: every requirement active at it
    uses: int = 0
    extra: tuple[str, ...] = field(default=())


def hover_at(analysis: Analysis, line: int, column: int) -> tuple[HoverFacts, Span] | None:
    occ: Occurrence | None = analysis.index.at(line, column)
    if occ is None:
        return None
    decl = analysis.index.declarations.get(occ.name)
    if decl is None:
        return None
    return facts(analysis, decl), occ.span


def facts(analysis: Analysis, d: Declaration) -> HoverFacts:
    source = analysis.source
    node = d.decl
    first_line = source.line_text(node.span.line).strip() if d.kind != "scale value" else f"{d.scale} value {d.name}"
    description = getattr(node, "description", None) if d.kind != "scale value" else None
    uses = len(analysis.index.uses(d.name, with_declaration=False))
    condition: str | None = None
    requirements: tuple[str, ...] = ()
    range_text: str | None = None
    if isinstance(node, ast.QuantityDecl):
        range_text = _range(node)
    elif isinstance(node, ast.ScaleDecl) and d.kind == "scale":
        range_text = "values, lowest first: " + ", ".join(v.name for v in node.values)
    elif isinstance(node, ast.ScaleDecl):
        values = [v.name for v in node.values]
        range_text = f"value {values.index(d.name) + 1} of {len(values)} on scale {node.name.name}"
    elif isinstance(node, ast.ThresholdDecl):
        condition = _text(source, node.condition.span)
    elif isinstance(node, ast.AssertDecl):
        condition = _text(source, node.body.span)
    elif isinstance(node, ast.TierDecl):
        condition = _text(source, node.condition.span) if node.condition is not None else None
        requirements = _active_requirements(analysis, d.name)
    elif isinstance(node, ast.ActionDecl):
        range_text = f"default {node.default or 'deny'}"
    return HoverFacts(d.name, d.kind, first_line, range_text, description, _authority(node, description),
                      tuple(c.lstrip("#").strip() for c in node.comments.leading) if d.kind != "scale value" else (),
                      condition, requirements, uses)


def _range(node: ast.QuantityDecl) -> str:
    if node.scale is not None:
        return f"on scale {node.scale.name}"
    parts = []
    if node.bounds is not None:
        parts.append(f"in [{number_text(node.bounds[0])}, {number_text(node.bounds[1])}]")
    if node.unit is not None:
        parts.append(f"unit {node.unit.name}")
    return " ".join(parts)


def _authority(node: ast.Decl, description: str | None) -> str | None:
    by = getattr(node, "by", None) or getattr(node, "authority", None)   # language v2: `by AUTHORITY`
    if by is not None:
        return str(getattr(by, "name", by))
    found = _AUTHORITY.search(description or "")
    return found.group(1).strip() if found else None


def _text(source: SourceFile, span: Span) -> str:
    return " ".join(source.slice(span).split())


def _active_requirements(analysis: Analysis, tier: str) -> tuple[str, ...]:
    """Requirements in force at `tier`: those of every tier up to it, and the top-level ones
    (with their own `when`, if any)."""
    module = analysis.module
    if module is None:
        return ()
    out: list[str] = []
    for decl in module.declarations:
        if isinstance(decl, ast.TierDecl):
            out += [_text(analysis.source, r.span) + f"  (from {decl.name.name})" for r in decl.requirements]
            if decl.name.name == tier:
                break
    out += [_text(analysis.source, r.span) + "  (top level)" for r in module.declarations
            if isinstance(r, ast.RequireDecl)]
    return tuple(out)
