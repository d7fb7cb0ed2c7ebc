"""Untrusted policy text never reaches a reader's terminal or page raw (render/escape.py): ESC,
OSC 8 links, CR and bidi overrides in a policy's strings and comments are shown escaped in every
human-facing output, while JSON keeps the exact string."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rspdsl.commands.check import check_file
from rspdsl.render.escape import markdown_inline, visible
from rspdsl.render.markdown import render_markdown
from rspdsl.render.results_text import render_text
from rspdsl.source import SourceFile, Span

NASTY = ["\x1b[2J\x1b[HALL PROVED", "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07", "fake\roverwrite",
         "\u202eevil\u202c", "\x9b31m", "zero\u200bwidth", "\x7f"]


def policy_text(s: str) -> str:
    quoted = s.replace("\\", "\\\\").replace('"', '\\"')
    return (f'policy "{quoted}" version "{quoted}"  # {s}\n'
            f'metric x in [0, 1] "{quoted}"\nsafeguard s "{quoted}"\naction deploy "{quoted}"\n'
            f'tier Low "{quoted}" {{ }}\ntier High when x >= 0.5 {{ require s for deploy "{quoted}" }}\n'
            f'permit deploy "{quoted}"  # {s}\n')


def raw_controls(text: str) -> list[str]:
    return sorted({ch for ch in text if not ch.isprintable() and ch not in "\n\t"})


def run(*args: str) -> subprocess.CompletedProcess:
    # bytes, decoded by hand: text mode would turn a raw CR into a newline and hide it
    out = subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, timeout=120)
    return subprocess.CompletedProcess(out.args, out.returncode, out.stdout.decode("utf-8"),
                                       out.stderr.decode("utf-8"))


@pytest.mark.parametrize("nasty", NASTY, ids=range(len(NASTY)))
def test_check_text_and_markdown_show_controls_escaped(tmp_path, nasty):
    path = tmp_path / "p.rsp"
    path.write_text(policy_text(nasty), encoding="utf-8")
    for fmt in ("text", "markdown"):
        out = run("check", "--no-cache", "--format", fmt, str(path))
        assert out.returncode == 1, out.stderr
        assert raw_controls(out.stdout + out.stderr) == []
    as_json = json.loads(run("check", "--no-cache", "--format", "json", str(path)).stdout)
    assert as_json["files"][0]["policy"] == nasty  # JSON keeps the exact string


def test_a_syntax_error_snippet_shows_the_escape_and_the_caret_stays_under_the_culprit(tmp_path):
    path = tmp_path / "p.rsp"
    path.write_text('policy "x\x1b[2J\u202e" version "1" %\n', encoding="utf-8")
    out = run("check", "--no-cache", str(path))
    assert out.returncode == 2 and raw_controls(out.stdout + out.stderr) == []
    line, caret = [ln for ln in out.stdout.splitlines() if "|" in ln][:2]
    assert "\\u001b[2J\\u202e" in line
    assert line[caret.index("^")] == "%"


def test_diff_and_eval_text_show_controls_escaped(tmp_path):
    old, new = tmp_path / "old.rsp", tmp_path / "new.rsp"
    old.write_text(policy_text("plain"), encoding="utf-8")
    new.write_text(policy_text(NASTY[0]).replace("permit deploy", "permit deploy when x >= 0"), encoding="utf-8")
    for fmt in ("text", "markdown"):
        out = run("diff", "--format", fmt, str(old), str(new))
        assert out.returncode in (0, 1), out.stderr
        assert "\\u001b" in out.stdout and raw_controls(out.stdout + out.stderr) == []
    state = tmp_path / "s.json"
    state.write_text('{"x": 0.7, "s": false}', encoding="utf-8")
    out = run("eval", str(new), "--state", str(state))
    assert out.returncode == 0 and raw_controls(out.stdout + out.stderr) == []


def test_markdown_titles_cannot_break_a_table_or_become_links():
    shown = markdown_inline("[click](http://evil.example) | # *x* `y`\n<b>")
    assert "|" not in shown.replace("\\|", "") and "](" not in shown.replace("\\](", "")
    assert "\n" not in shown and "<b>" not in shown


def test_visible_escapes_only_what_cannot_be_seen():
    assert visible("ASL-3 ≥ 0.5 — café, 日本, e\u0301") == "ASL-3 ≥ 0.5 — café, 日本, e\u0301"
    assert visible("a\x1bb\u202ec\n\td") == "a\\u001bb\\u202ec\n\td"
    assert visible("\U000e0041") == "\\U000e0041"  # a tag character (Cf) beyond the BMP


def test_the_snippet_of_an_escaped_line_keeps_its_caret_aligned():
    source = SourceFile("p.rsp", "a\x1b\x1b b\n")
    line, caret = source.snippet(Span(1, 5, 1, 6, 4, 5)).splitlines()
    assert line[caret.index("^")] == "b"


nasty_text = st.text(st.one_of(st.characters(categories=["Cc", "Cf", "Mn", "Zl", "Zp", "Co"]),
                               st.sampled_from(list("ab\"\\ #|[]`*_<>")), st.characters(min_codepoint=0xD7F0,
                                                                                       max_codepoint=0xE010,
                                                                                       exclude_categories=["Cs"])),
                     max_size=12).filter(lambda s: "\n" not in s and "\r" not in s and "\x85" not in s
                                         and "\u2028" not in s and "\u2029" not in s and "\x00" not in s)


@pytest.mark.slow
@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=nasty_text)
def test_no_raw_control_reaches_text_or_markdown_output(tmp_path_factory, s):
    path = tmp_path_factory.mktemp("fuzz") / "p.rsp"
    path.write_text(policy_text(s), encoding="utf-8")
    checked = check_file(str(path))
    for out in (render_text([checked]), render_text([checked], color=True), render_markdown([checked])):
        ours_removed = re.sub(r"\x1b\[[0-9;]*m", "", out)  # the colours rspdsl itself writes
        assert raw_controls(ours_removed) == []
