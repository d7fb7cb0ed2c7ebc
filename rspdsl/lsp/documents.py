"""Open documents: their text (kept in step with the client's full or ranged changes), version,
and the latest and last clean analyses."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from .analysis import Analysis, analyze
from .incremental import IncrementalParser
from .positions import UTF16, from_lsp


@dataclass(frozen=True)
class Change:
    """One content change: the whole text (range None) or a replacement of a range given in LSP
    positions ((line, character), 0-based, in the negotiated units)."""
    text: str
    range: tuple[tuple[int, int], tuple[int, int]] | None = None


@dataclass
class Document:
    uri: str
    version: int
    text: str
    analysis: Analysis | None = None
    last_clean: Analysis | None = None   # the most recent analysis that checked without errors
    line_starts: list[int] = field(default_factory=list, repr=False)
    parser: IncrementalParser = field(default_factory=IncrementalParser, repr=False)

    def __post_init__(self) -> None:
        self.line_starts = _line_starts(self.text)

    @property
    def path(self) -> str:
        """The name diagnostics are reported under: the file path of a file: URI, else the URI."""
        parsed = urlparse(self.uri)
        return unquote(parsed.path) if parsed.scheme == "file" else self.uri

    def apply(self, changes: list[Change], version: int, encoding: str = UTF16) -> None:
        for change in changes:
            if change.range is None:
                self.text = change.text
            else:
                start, end = (self.offset(*pos, encoding=encoding) for pos in change.range)
                self.text = self.text[:start] + change.text + self.text[max(start, end):]
            self.line_starts = _line_starts(self.text)
        self.version = version
        self.analysis = None

    def offset(self, line: int, character: int, *, encoding: str = UTF16) -> int:
        """The character offset of an LSP position; positions past the end clamp to it."""
        if line >= len(self.line_starts):
            return len(self.text)
        begin = self.line_starts[line]
        line_text = self.line_text(line + 1)
        _, column = from_lsp(line_text, line, character, encoding)
        return begin + column - 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line ending."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        begin = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[begin:end].rstrip("\r")

    def analyzed(self) -> Analysis:
        if self.analysis is None:
            self.analysis = analyze(self.text, self.path, self.parser)
            if self.analysis.ok:
                self.last_clean = self.analysis
        return self.analysis


def _line_starts(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


class Documents:
    def __init__(self) -> None:
        self._open: dict[str, Document] = {}

    def open(self, uri: str, version: int, text: str) -> Document:
        self._open[uri] = doc = Document(uri, version, text)
        return doc

    def get(self, uri: str) -> Document | None:
        return self._open.get(uri)

    def close(self, uri: str) -> None:
        self._open.pop(uri, None)

    def __len__(self) -> int:
        return len(self._open)
