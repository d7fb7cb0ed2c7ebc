"""Every name in a policy's AST: where each is declared and every place it is used.

Built from the syntax tree alone, so navigation works as soon as a file parses, even while a
name or type error keeps it from checking. All declarations share one namespace (E0101), so a
name means one thing in the whole file; the first declaration wins when one is repeated.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..source import Span
from ..syntax import ast


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: str              # scale, scale value, metric, control, judgement, safeguard, action,
    #                        threshold, tier, assert
    span: Span             # the name itself
    decl: ast.Decl         # the whole declaration
    scale: str | None = None  # for a scale value: its scale


@dataclass(frozen=True)
class Occurrence:
    name: str
    span: Span
    declares: bool


@dataclass
class SymbolIndex:
    declarations: dict[str, Declaration] = field(default_factory=dict)
    occurrences: list[Occurrence] = field(default_factory=list)   # in source order
    _starts: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def at(self, line: int, column: int) -> Occurrence | None:
        """The name under (1-based line, code-point column); its end counts, as editors place
        the caret just after a word."""
        i = bisect.bisect_right(self._starts, (line, column)) - 1
        for occ in self.occurrences[max(i - 1, 0):i + 1][::-1]:
            s = occ.span
            if s.line == line and s.column <= column <= s.end_column:
                return occ
        return None

    def uses(self, name: str, *, with_declaration: bool = True) -> list[Span]:
        return [o.span for o in self.occurrences if o.name == name and (with_declaration or not o.declares)]

    def names_of_kind(self, *kinds: str) -> list[Declaration]:
        return [d for d in self.declarations.values() if d.kind in kinds]


def build_index(module: ast.Module) -> SymbolIndex:
    index = SymbolIndex()
    occurrences: list[Occurrence] = []
    for decl in module.declarations:
        for occ in _decl_occurrences(decl):
            occurrences.append(occ)
            if occ.declares and occ.name not in index.declarations:
                index.declarations[occ.name] = _declaration(occ, decl)
    occurrences.sort(key=lambda o: (o.span.line, o.span.column))
    index.occurrences = occurrences
    index._starts = [(o.span.line, o.span.column) for o in occurrences]
    return index


def _declaration(occ: Occurrence, decl: ast.Decl) -> Declaration:
    if isinstance(decl, ast.ScaleDecl) and occ.name != decl.name.name:
        return Declaration(occ.name, "scale value", occ.span, decl, decl.name.name)
    if isinstance(decl, ast.QuantityDecl | ast.FlagDecl):
        kind = decl.kind
    else:
        kind = {ast.ScaleDecl: "scale", ast.ActionDecl: "action", ast.ThresholdDecl: "threshold",
                ast.TierDecl: "tier", ast.AssertDecl: "assert"}[type(decl)]
    return Declaration(occ.name, kind, occ.span, decl)


def _decl_occurrences(decl: ast.Decl) -> Iterator[Occurrence]:
    if isinstance(decl, ast.ScaleDecl):
        yield _declares(decl.name)
        for value in decl.values:
            yield _declares(value)
    elif isinstance(decl, ast.QuantityDecl):
        yield _declares(decl.name)
        if decl.scale is not None:
            yield _uses(decl.scale)
    elif isinstance(decl, ast.FlagDecl | ast.ActionDecl | ast.AssertDecl):
        yield _declares(decl.name)
        if isinstance(decl, ast.AssertDecl):
            yield from _expr_occurrences(decl.body)
    elif isinstance(decl, ast.ThresholdDecl):
        yield _declares(decl.name)
        yield from _expr_occurrences(decl.condition)
    elif isinstance(decl, ast.TierDecl):
        yield _declares(decl.name)
        if decl.condition is not None:
            yield from _expr_occurrences(decl.condition)
        for req in decl.requirements:
            yield from _decl_occurrences(req)
    elif isinstance(decl, ast.RuleDecl):
        yield _uses(decl.action)
        if decl.condition is not None:
            yield from _expr_occurrences(decl.condition)
    elif isinstance(decl, ast.RequireDecl):
        for c in decl.commitments:
            yield from _expr_occurrences(c)
        for action in decl.actions or ():
            yield _uses(action)
        if decl.condition is not None:
            yield from _expr_occurrences(decl.condition)


def _declares(ident: ast.Ident) -> Occurrence:
    return Occurrence(ident.name, ident.span, True)


def _uses(ident: ast.Ident) -> Occurrence:
    return Occurrence(ident.name, ident.span, False)


def _expr_occurrences(expr: ast.Expr) -> Iterator[Occurrence]:
    stack: list[ast.Expr] = [expr]   # iterative: chains thousands of operands long stay flat
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Name):
            yield Occurrence(e.name, e.span, False)
        elif isinstance(e, ast.Allowed):
            yield _uses(e.action)
        elif isinstance(e, ast.Binary):
            stack += [e.right, e.left]
        elif isinstance(e, ast.Compare | ast.Call):
            stack += list(e.operands if isinstance(e, ast.Compare) else e.args)[::-1]
        elif isinstance(e, ast.Unary):
            stack.append(e.operand)
