"""Untrusted text made visible: policies are submitted by others, and their strings and comments
may hold terminal escapes (ESC, OSC 8 links), carriage returns or bidi overrides (U+202E) meant
to fake or hide output in a reader's terminal or page. Every human-facing renderer shows such
characters escaped, in JSON's notation (`\\u001b`), so what a reader sees is what the file says.

What is escaped: every character Python does not call printable (control and format characters
Cc/Cf such as ESC, CR, DEL, C1, bidi controls and zero-width characters; surrogates; private-use
and unassigned code points; separators other than the plain space), except the newline and tab
a renderer writes itself. A policy's strings and comments never hold a newline (they end at one).
"""
from __future__ import annotations

import re

_KEEP = "\n\t"


def _escaped(ch: str) -> str:
    cp = ord(ch)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def visible(text: str, keep: str = _KEEP) -> str:
    """`text` with every non-printable character except those in `keep` escaped."""
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(ch if ch.isprintable() or ch in keep else _escaped(ch) for ch in text)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#<>|~!])")


def markdown_inline(text: str) -> str:
    """Policy text placed in a markdown heading or table cell: one line, controls made visible,
    and every character with inline meaning (emphasis, links, code, HTML, headings, pipes)
    backslash-escaped, so a title cannot break the table or turn into a link."""
    text = visible(" ".join(str(text).split()), keep="")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
