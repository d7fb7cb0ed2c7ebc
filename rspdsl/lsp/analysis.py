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
from .incremental import IncrementalParser
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


def analyze(text: str, path: str = "<string>", parser: IncrementalParser | None = None) -> Analysis:
    """The front end on `text`: with `parser`, only the declarations an edit touched are parsed
    again (rspdsl.lsp.incremental); names and types are always checked on the whole module."""
    parsed = parser.parse(text, path) if parser is not None else None
    if parsed is None:
        loaded = load_text(text, path)
        source, module, diagnostics = loaded.source, loaded.module, loaded.diagnostics
        policy = loaded.policy if loaded.ok else None
    else:
        source, module, diagnostics = parsed
        policy = None
        if module is not None and not any(d.is_error for d in diagnostics):
            policy, more = _resolve(source, module)
            diagnostics = diagnostics + more
            if any(d.is_error for d in diagnostics):
                policy = None
    index = build_index(module) if module is not None else SymbolIndex()
    return Analysis(source, module, policy, problems(diagnostics), index)


def _resolve(source: SourceFile, module: ast.Module):
    from ..semantics.resolve import resolve
    from ..syntax.parser import recursion_headroom

    with recursion_headroom():
        return resolve(source, module)
