"""A policy's text as lines of classed segments, highlighted with rspdsl's own lexer.

The lexer is the one the parser uses (Lark's `lex`, comments and whitespace kept), so what is
coloured as a keyword is exactly what the parser reads as one. URLs in comments and strings
(the policies cite their sources there) become links. Text the lexer cannot read (a broken
file) is shown plainly from that point to the end of its line, and lexing resumes on the next.
Nothing here produces HTML: the template turns segments into elements, escaping their text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_URL = re.compile(r"https?://[^\s\"'<>`]+")
_TRAILING = ".,;:!?)]}"
_CLASS = {"COMMENT": "c", "STRING": "s", "NUMBER": "n", "NAME": "v", "WS": ""}
MAX_RESTARTS = 10_000


@dataclass(frozen=True)
class Segment:
    cls: str            # "" plain, "k" keyword, "v" name, "n" number, "s" string, "c" comment, "o" operator, "x" unreadable
    text: str
    href: str | None = None


@dataclass
class Mark:
    href: str
    label: str
    status: str          # proved | violated | warning | unknown | error | weakening | strengthening


@dataclass
class Line:
    number: int
    anchor: str
    segments: list[Segment]
    marks: list[Mark] = field(default_factory=list)

    @property
    def worst(self) -> str:
        order = ("error", "violated", "weakening", "unknown", "warning", "accepted", "strengthening", "proved")
        present = {m.status for m in self.marks}
        return next((s for s in order if s in present), "")


def _token_class(kind: str, text: str) -> str:
    if kind in _CLASS:
        return _CLASS[kind]
    if text.replace("_", "").isalpha() and kind == text.upper():
        return "k"
    return "o"


def _linked(cls: str, text: str) -> list[Segment]:
    if cls not in ("c", "s") or "://" not in text:
        return [Segment(cls, text)]
    out: list[Segment] = []
    at = 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        if m.start() > at:
            out.append(Segment(cls, text[at:m.start()]))
        out.append(Segment(cls, url, href=url))
        at = m.start() + len(url)
    if at < len(text):
        out.append(Segment(cls, text[at:]))
    return out


def _tokens(text: str) -> list[Segment]:
    """Classed pieces covering `text` exactly, in order."""
    from lark.exceptions import UnexpectedInput

    from ...syntax.parser import get_parser

    lexer = get_parser()
    out: list[Segment] = []
    start = 0
    previous = ""  # the last token that is not whitespace or a comment
    for _ in range(MAX_RESTARTS):
        if start >= len(text):
            break
        consumed = start
        try:
            for token in lexer.lex(text[start:], dont_ignore=True):
                end = start + token.end_pos
                cls = _token_class(token.type, str(token))
                if previous == "UNIT" and cls == "k":  # `unit days`: a unit's name, though `days` is a v2 keyword
                    cls = "v"
                out += _linked(cls, text[start + token.start_pos:end])
                if token.type not in ("WS", "COMMENT"):
                    previous = token.type
                consumed = end
            consumed = len(text)
        except UnexpectedInput:
            stop = text.find("\n", consumed)
            stop = len(text) if stop < 0 else stop
            out.append(Segment("x", text[consumed:stop]))
            consumed = stop
        start = consumed
    else:
        out.append(Segment("x", text[start:]))
    return out


def source_lines(text: str, anchor_prefix: str) -> list[Line]:
    """The text as numbered lines of segments; line N's anchor is `{anchor_prefix}-L{N}`."""
    lines: list[Line] = []
    current: list[Segment] = []
    for seg in _tokens(text):
        parts = seg.text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append(Line(len(lines) + 1, f"{anchor_prefix}-L{len(lines) + 1}", current))
                current = []
            if part:
                current.append(Segment(seg.cls, part, seg.href))
    if current or not text.endswith("\n"):
        lines.append(Line(len(lines) + 1, f"{anchor_prefix}-L{len(lines) + 1}", current))
    return lines


def header(text: str) -> tuple[str | None, str | None]:
    """(title, version) from the `policy "T" version "V"` header, read with the same lexer."""
    from lark.exceptions import UnexpectedInput

    from ...syntax.parser import get_parser

    kinds: list[tuple[str, str]] = []
    try:
        for token in get_parser().lex(text):
            kinds.append((token.type, str(token)))
            if len(kinds) >= 4:
                break
    except UnexpectedInput:
        pass
    if len(kinds) >= 2 and kinds[0][0] == "POLICY" and kinds[1][0] == "STRING":
        title = _unquote(kinds[1][1])
        version = _unquote(kinds[3][1]) if len(kinds) >= 4 and kinds[2][0] == "VERSION" and kinds[3][0] == "STRING" \
            else None
        return title, version
    return None, None


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])
