"""Proof lenses on each `assert` and tier, and quick fixes from did-you-mean hints.

A tier's lens gathers every finding whose declaration lies inside the tier (its reachability and
the mitigations of the requirements it holds); an assertion's lens is its own finding.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..source import Span
from ..syntax import ast
from .adapter import Finding, Problem
from .analysis import Analysis


@dataclass(frozen=True)
class Lens:
    span: Span                        # the declaration's name
    subject: str                      # the tier or assertion name
    findings: tuple[Finding, ...]
    pending: bool                     # proofs not (yet) available for this version

    @property
    def witness(self) -> Finding | None:
        return next((f for f in self.findings if f.status == "violated" and f.witness), None)


def lenses(analysis: Analysis, findings: list[Finding] | None) -> list[Lens]:
    module = analysis.module
    if module is None:
        return []
    out = []
    for decl in module.declarations:
        if isinstance(decl, ast.TierDecl | ast.AssertDecl):
            mine = () if findings is None else tuple(f for f in findings if _about(f, decl))
            out.append(Lens(decl.name.span, decl.name.name, mine, findings is None))
    return out


def _about(f: Finding, decl: ast.TierDecl | ast.AssertDecl) -> bool:
    if isinstance(decl, ast.AssertDecl):
        return f.property == f"assert:{decl.name.name}"
    return f.span is not None and decl.span.start_pos <= f.span.start_pos < decl.span.end_pos \
        and f.property in ("reachability", "mitigations")


@dataclass(frozen=True)
class Fix:
    title_old: str
    new_text: str
    span: Span


def fixes(problems: list[Problem], source_text: str, first_line: int, last_line: int) -> list[Fix]:
    """A replacement for every did-you-mean hint on the given lines (1-based, inclusive)."""
    out = []
    for p in problems:
        if p.replacement is not None and first_line <= p.span.line <= last_line:
            out.append(Fix(source_text[p.span.start_pos:p.span.end_pos], p.replacement, p.span))
    return out
