"""The view model rendered through Jinja2 templates (package data, autoescaped) into one HTML file.

Self-contained: the style and the small filtering script are inline, nothing is fetched, and a
Content-Security-Policy allows exactly those two blocks (by their SHA-256), so even text that
escaped escaping could not run or load anything. Every string a template prints first has its
non-printable characters made visible (rspdsl/render/escape.py), then HTML-escaped by Jinja.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import os
from pathlib import Path
from typing import Any

from ..escape import visible
from .view import Page

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _shown(value: Any) -> Any:
    """Every printed string with its non-printable characters made visible; markup the templates
    made themselves (a macro's output) passes as it is: its own strings went through here."""
    from markupsafe import Markup

    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def template_cache_dir() -> Path:
    """Compiled templates are kept beside the parser's tables: $XDG_CACHE_HOME/rspdsl/templates."""
    from ...syntax.parser import table_cache_dir

    return table_cache_dir().parent / "templates"


def _bytecode_cache():
    """Jinja's compiled templates (marshal data, so loading one runs it) in a directory only this
    user can write, or None (compile in memory each run, ~0.1 s) when there is no such place."""
    import jinja2

    folder = template_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = folder.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@functools.lru_cache(maxsize=1)
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, finalize=_shown, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, bytecode_cache=_bytecode_cache())


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def render_page(page: Page) -> str:
    env = environment()
    style = env.get_template("report.css").render()
    script = env.get_template("report.js").render()
    return env.get_template("report.html.j2").render(page=page, style=style, script=script,
                                                    style_hash=_csp_hash(style), script_hash=_csp_hash(script))
