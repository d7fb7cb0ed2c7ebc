"""Span columns (code points, from 1) against LSP characters (UTF-16 units by default, from 0)."""
from rspdsl.lsp.positions import UTF8, UTF32, from_lsp, to_lsp

LINE = 'description "rocket \U0001f680 x" ASL-3'


def test_non_bmp_character_before_a_name_counts_two_utf16_units():
    column = LINE.index("ASL-3") + 1  # 1-based code points
    assert to_lsp(LINE, 4, column) == (3, LINE.index("ASL-3") + 1)
    assert from_lsp(LINE, 3, LINE.index("ASL-3") + 1) == (4, column)


def test_the_other_encodings_a_client_may_negotiate():
    column = LINE.index("ASL-3") + 1
    assert to_lsp(LINE, 1, column, UTF32) == (0, column - 1)
    assert to_lsp(LINE, 1, column, UTF8) == (0, len(LINE[:column - 1].encode("utf-8")))
    assert from_lsp(LINE, 0, len(LINE[:column - 1].encode("utf-8")), UTF8) == (1, column)


def test_ascii_is_a_plain_shift_and_round_trips():
    for column in range(1, len("tier ASL-2") + 2):
        assert from_lsp("tier ASL-2", *to_lsp("tier ASL-2", 1, column)) == (1, column)


def test_a_character_past_the_end_of_the_line_is_clamped():
    assert from_lsp("tier", 0, 99) == (1, 5)
    assert from_lsp("é", 0, 99) == (1, 2)
