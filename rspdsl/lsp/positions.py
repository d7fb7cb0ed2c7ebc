"""rspdsl spans are 1-based line/column in code points; LSP positions are 0-based, counted in the
units the client and server agreed on at `initialize` (UTF-16 code units unless both offer another).

A character outside the Basic Multilingual Plane is one code point but two UTF-16 units, so a
name after an emoji in a description would be highlighted one column off without this conversion.
"""
from __future__ import annotations

UTF16, UTF8, UTF32 = "utf-16", "utf-8", "utf-32"


def _units(ch: str, encoding: str) -> int:
    if encoding == UTF32:
        return 1
    if encoding == UTF8:
        return len(ch.encode("utf-8", "surrogatepass"))
    return 2 if ord(ch) > 0xFFFF else 1


def to_lsp(line_text: str, line: int, column: int, encoding: str = UTF16) -> tuple[int, int]:
    """(1-based line, 1-based code-point column) -> (0-based line, 0-based character in units)."""
    prefix = line_text[: max(column - 1, 0)]
    if encoding == UTF32 or prefix.isascii():
        return line - 1, len(prefix)
    return line - 1, sum(_units(ch, encoding) for ch in prefix)


def from_lsp(line_text: str, line: int, character: int, encoding: str = UTF16) -> tuple[int, int]:
    """(0-based line, 0-based character in units) -> (1-based line, 1-based code-point column).

    A position inside a surrogate pair or a UTF-8 sequence (never sent by a conforming client)
    rounds down; one past the end of the line is clamped to the end.
    """
    if encoding == UTF32 or line_text.isascii():
        return line + 1, min(max(character, 0), len(line_text)) + 1
    units = 0
    for index, ch in enumerate(line_text):
        width = _units(ch, encoding)
        if units + width > character:
            return line + 1, index + 1
        units += width
    return line + 1, len(line_text) + 1
