"""One version of one document, understood as far as the front end gets: parse, check, index.

This is the fast path run on every change (no solver): its problems are the diagnostics shown
while typing. The last analysis that checked cleanly is kept beside the current one, so hover
and completion still know the policy's names while the text is momentarily broken.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..frontend import load_text
from ..source import SourceFile
from .adapter import Problem, problems
from .index import SymbolIndex, build_index

if TYPE_CHECKING:
    from ..semantics.model import Policy
    from ..syntax import ast


@dataclass(frozen=True)
class Analysis:
    source: SourceFile
    module: ast.Module | None
    policy: Policy | None                 # None unless the text checked without errors
    problems: list[Problem]
    index: SymbolIndex = field(default_factory=SymbolIndex)

    @property
    def ok(self) -> bool:
        return self.policy is not None


def analyze(text: str, path: str = "<string>") -> Analysis:
    loaded = load_text(text, path)
    index = build_index(loaded.module) if loaded.module is not None else SymbolIndex()
    return Analysis(loaded.source, loaded.module, loaded.policy if loaded.ok else None,
                    problems(loaded.diagnostics), index)
