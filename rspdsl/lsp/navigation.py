"""Go to definition, find references, rename, and the outline (document symbols)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..source import Span
from ..syntax import ast
from .analysis import Analysis
from .index import SymbolIndex

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*\Z")   # grammar/rsp.lark's NAME


class RenameRefused(ValueError):
    """A rename that would break the policy; its message says why."""


def definition(index: SymbolIndex, line: int, column: int) -> Span | None:
    occ = index.at(line, column)
    if occ is None or occ.name not in index.declarations:
        return None
    return index.declarations[occ.name].span


def references(index: SymbolIndex, line: int, column: int, *, include_declaration: bool = True) -> list[Span]:
    occ = index.at(line, column)
    if occ is None:
        return []
    return index.uses(occ.name, with_declaration=include_declaration)


def rename_target(index: SymbolIndex, line: int, column: int) -> tuple[str, Span] | None:
    """The declared name under the position and its span, or None where nothing can be renamed."""
    occ = index.at(line, column)
    if occ is None or occ.name not in index.declarations:
        return None
    return occ.name, occ.span


def rename(index: SymbolIndex, line: int, column: int, new_name: str) -> list[Span]:
    """Every span to rewrite to `new_name`; raises RenameRefused for a name the grammar rejects,
    a reserved word, or one already declared (all declarations share one namespace)."""
    from ..syntax.parser import KEYWORDS

    target = rename_target(index, line, column)
    if target is None:
        raise RenameRefused("there is no declared name here to rename")
    if not NAME.match(new_name):
        raise RenameRefused(f"`{new_name}` is not a name: letters, digits and `_`, with `-` only between them")
    if new_name in KEYWORDS:
        raise RenameRefused(f"`{new_name}` is a reserved word")
    if new_name != target[0] and new_name in index.declarations:
        raise RenameRefused(f"`{new_name}` is already declared (all declarations share one namespace)")
    return index.uses(target[0])


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str                     # the declaration keyword, or "scale value", "requirement", "rule"
    detail: str
    span: Span                    # the whole declaration
    selection: Span               # its name (or keyword)
    children: tuple[Symbol, ...] = field(default=())


def outline(analysis: Analysis) -> list[Symbol]:
    """The file as an outline: declarations in order, each tier holding its requirements (the
    ladder reads top to bottom), each scale its values."""
    module = analysis.module
    if module is None:
        return []
    return [s for d in module.declarations if (s := _symbol(analysis, d)) is not None]


def _short(analysis: Analysis, span: Span, limit: int = 80) -> str:
    text = " ".join(analysis.source.slice(span).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _symbol(analysis: Analysis, d: ast.Decl) -> Symbol | None:
    if isinstance(d, ast.PolicyDecl):
        return Symbol(d.title, "policy", d.version or "", d.span, d.span)
    if isinstance(d, ast.ScaleDecl):
        values = tuple(Symbol(v.name, "scale value", "", v.span, v.span) for v in d.values)
        return Symbol(d.name.name, "scale", d.description or "", d.span, d.name.span, values)
    if isinstance(d, ast.QuantityDecl | ast.FlagDecl):
        return Symbol(d.name.name, d.kind, d.description or "", d.span, d.name.span)
    if isinstance(d, ast.ActionDecl | ast.ThresholdDecl | ast.AssertDecl):
        kind = {ast.ActionDecl: "action", ast.ThresholdDecl: "threshold", ast.AssertDecl: "assert"}[type(d)]
        return Symbol(d.name.name, kind, d.description or "", d.span, d.name.span)
    if isinstance(d, ast.TierDecl):
        reqs = tuple(_requirement(analysis, r) for r in d.requirements)
        when = f"when {_short(analysis, d.condition.span)}" if d.condition is not None else "the first tier"
        return Symbol(d.name.name, "tier", when, d.span, d.name.span, reqs)
    if isinstance(d, ast.RuleDecl):
        return Symbol(f"{d.effect} {d.action.name}", "rule", d.description or "", d.span, d.action.span)
    if isinstance(d, ast.RequireDecl):
        return _requirement(analysis, d)
    return None


def _requirement(analysis: Analysis, r: ast.RequireDecl) -> Symbol:
    what = ", ".join(_short(analysis, c.span) for c in r.commitments)
    actions = "every action" if r.actions is None else ", ".join(a.name for a in r.actions)
    return Symbol(f"require {what}", "requirement", f"for {actions}", r.span, r.commitments[0].span)
