"""`rspdsl check` text for many files (the default with more than one) and for `--quiet`.

Compact: per file, its front-end diagnostics in full, each finding on one line
(`file:line:col: error[PROPERTY] message`, no snippet or witness) and its summary line; then
the total line. Quiet: only the summary lines and the total. The full form (snippets,
witnesses, replay commands) is what `check FILE` prints for one file, or `--verbose`.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..analyses.checked import CheckedFile
from ..logic.results import Result
from .escape import visible
from .messages import result_message
from .results_text import render_text as render_full
from .results_text import summary_line
from .text import render_diagnostic


def _label(result: Result) -> str:
    if result.status in ("unknown", "accepted"):
        return result.status
    return "error" if result.severity == "error" else "warning"


def finding_line(checked: CheckedFile, result: Result) -> str:
    where = checked.path
    if result.locations:
        span = result.locations[0].span
        where += f":{span.line}:{span.column}"
    line = f"{where}: {_label(result)}[{result.property}] {result_message(result)}"
    if result.accepted is not None:
        line += f" (accepted by {result.accepted.owner}: {result.accepted.reason})"
    return line


def render_compact(files: Sequence[CheckedFile], *, quiet: bool = False) -> str:
    lines: list[str] = []
    for checked in files:
        if not quiet:
            lines += [render_diagnostic(d, checked.source) for d in checked.diagnostics]
            lines += [finding_line(checked, r) for r in checked.results if r.status != "proved"]
        lines.append(summary_line(checked))
    # the total line is the full renderer's (one wording for both)
    total = render_full(list(files)).rstrip("\n").rsplit("\n", 1)[-1] if len(files) > 1 else ""
    if total:
        lines += ["", total]
    if not quiet and len(files) > 1 and any(r.status != "proved" for f in files for r in f.results):
        lines.append("details (source, witness, replay command): rspdsl check FILE, or --verbose")
    return visible("\n".join(lines)) + "\n"
