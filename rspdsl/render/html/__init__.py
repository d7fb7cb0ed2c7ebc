"""`rspdsl report`: one self-contained HTML page for a regulator, built from the JSON documents
that `check`, `baseline` and `diff` publish.

    values.py       the documents read back exactly; values as text; stable anchors
    source_view.py  the policy text highlighted with rspdsl's own lexer, lines to anchor findings
    witness.py      witnesses (a state, a pair, a run) as one kind of table, and replay commands
    findings.py     one finding, whatever produced it
    view.py         the page's view model, in reading order
    page.py         Jinja2 (autoescaped templates in templates/) to HTML
"""
from __future__ import annotations

from typing import Any


def render_report(documents: dict[str, Any]) -> str:
    """The HTML page for the collected documents (see rspdsl/commands/report.py for their shape)."""
    from .page import render_page
    from .view import build_page

    return render_page(build_page(documents))


__all__ = ["render_report"]
