"""Render diagnostics as text: `file:line:col: CODE message`, the source line, a caret, a hint."""
from __future__ import annotations

from ..diagnostics import Diagnostic
from ..source import SourceFile
from .escape import visible


def render_diagnostic(diag: Diagnostic, source: SourceFile) -> str:
    span = diag.span
    severity = "" if diag.is_error else f"{diag.severity.value}: "
    lines = [f"{source.path}:{span.line}:{span.column}: {diag.code} {severity}{diag.message}"]
    if source.text:
        lines.append(source.snippet(span))
    for rel in diag.related:
        lines.append(f"  note: {source.path}:{rel.span.line}:{rel.span.column}: {rel.message}")
    if diag.hint:
        lines.append(f"  hint: {diag.hint}")
    return visible("\n".join(lines))  # a message may quote the policy's own characters


def render_diagnostics(diags: list[Diagnostic], source: SourceFile) -> str:
    return "\n".join(render_diagnostic(d, source) for d in diags)


def summary_line(path: str, diags: list[Diagnostic]) -> str:
    errors = sum(1 for d in diags if d.is_error)
    warnings = len(diags) - errors
    return f"{path}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
