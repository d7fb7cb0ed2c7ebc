"""Source files and spans: 1-based line/column, end exclusive (like Lark Meta and SARIF)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Span:
    """A region of a source file. Columns count Unicode code points, from 1."""

    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int = field(default=0, compare=False)
    end_pos: int = field(default=0, compare=False)

    @staticmethod
    def point(line: int, column: int, pos: int = 0) -> Span:
        return Span(line, column, line, column + 1, pos, pos + 1)

    def join(self, other: Span) -> Span:
        start = self if (self.line, self.column) <= (other.line, other.column) else other
        end = self if (self.end_line, self.end_column) >= (other.end_line, other.end_column) else other
        return Span(start.line, start.column, end.end_line, end.end_column, start.start_pos, end.end_pos)


NO_SPAN = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class Location:
    """A span and what it is there: a diagnostic's related place (a note), or a result's location
    (a rspdsl.logic.facts.Role, which rspdsl.render.messages words)."""

    span: Span
    message: str = ""


@dataclass(frozen=True)
class SourceFile:
    """The text of one policy and the name it is reported under."""

    path: str
    text: str

    @cached_property
    def _line_starts(self) -> list[int]:
        """Offsets where each line starts: positions become line/column by bisection, not rescans."""
        starts = [0]
        find = self.text.find
        at = find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = find("\n", at + 1)
        return starts

    def line_text(self, line: int) -> str:
        starts = self._line_starts
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r")

    def slice(self, span: Span) -> str:
        return self.text[span.start_pos:span.end_pos]

    def span_at(self, pos: int) -> Span:
        """The one-character span at a character offset (for lexer errors)."""
        pos = max(0, min(pos, len(self.text)))
        line = bisect.bisect_right(self._line_starts, pos)
        return Span.point(line, pos - self._line_starts[line - 1] + 1, pos)

    def snippet(self, span: Span, max_width: int = 160) -> str:
        """The first line of the span with a caret underline, as compilers print it."""
        text = self.line_text(span.line).replace("\t", " ")
        start = max(span.column - 1, 0)
        if span.end_line == span.line:
            width = max(span.end_column - span.column, 1)
        else:
            width = max(len(text) - start, 1)
        if len(text) > max_width:  # keep huge lines readable: show a window around the caret
            lo = max(0, start - max_width // 2)
            text = ("…" if lo else "") + text[lo:lo + max_width] + "…"
            start = start - lo + (1 if lo else 0)
            width = min(width, max_width)
        # untrusted text: control and bidi characters are shown escaped, and the caret moves with
        # the wider escaped text so it still points at the same characters
        from .render.escape import visible
        shown, caret = visible(text), len(visible(text[:start]))
        width = max(len(visible(text[start:start + width])), 1)
        gutter = f"{span.line:>4} | "
        return f"{gutter}{shown}\n{' ' * (len(gutter) - 2)}| {' ' * caret}{'^' * width}"
