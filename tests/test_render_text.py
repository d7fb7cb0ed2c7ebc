"""The human renderers: `check` text output and the markdown summary."""
from __future__ import annotations

import io
import json
import shlex
from fractions import Fraction

from render_samples import POLICY, checked_all_proved, checked_broken, checked_ok, span_of

from rspdsl.analyses.checked import CheckedFile, overall_exit_code
from rspdsl.diagnostics import Severity
from rspdsl.frontend import load_text
from rspdsl.logic.facts import AssertionFacts, Consistency, Mitigation, TierReach
from rspdsl.logic.results import Report, Result, Status, Witness
from rspdsl.render.markdown import cell, render_markdown
from rspdsl.render.results_text import (
    MAX_RELATED,
    MAX_TABLE_ROWS,
    render_file,
    render_result,
    render_text,
    replay_hint,
    use_color,
    value_text,
    witness_table,
)
from rspdsl.source import Location, SourceFile
from rspdsl.state import read_state


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# ---------------------------------------------------------------- findings

def test_violation_header_snippet_and_related_location():
    out = render_file(checked_ok())
    lines = lines_of(out)
    i = lines.index("p.rsp:12:11: error[mitigations] deploy can be allowed in a state where the required "
                    "`asl3_security` (line 12) does not hold.")
    assert lines[i + 1] == "  12 |   require asl3_security for deploy"
    assert lines[i + 2] == "     |           ^^^^^^^^^^^^^ the requirement"
    assert lines[i + 3] == "  note: p.rsp:16:1: a rule permitting the action"
    assert lines[i + 4] == "  16 | permit deploy when cbrn_uplift >= 0.9"
    assert lines[i + 5] == "     | " + "^" * len("permit deploy when cbrn_uplift >= 0.9")


def test_warning_and_unknown_labels():
    out = render_file(checked_ok())
    assert ("p.rsp:16:1: warning[reachability] The permit rule for deploy (line 16) never allows deploy: "
            "wherever it holds, a forbid rule overrides it.") in out
    assert ("p.rsp:18:8: unknown[assert:no-deploy-at-asl3] Could not decide whether the assertion "
            "no-deploy-at-asl3 holds in every state.") in out
    assert "  reason: timeout" in out


def test_proved_results_are_counted_not_listed():
    out = render_file(checked_ok())
    assert "Some state is at tier ASL-3" not in out
    assert "  reachability  1 proved, 1 warning" in out
    assert "  consistency   1 proved" in out
    assert "  mitigations   0 proved, 1 violated" in out
    assert "  assert        0 proved, 1 unknown" in out


def test_verbose_lists_every_obligation():
    out = render_file(checked_ok(), verbose=True)
    assert "  proved    reachability              ASL-3  (0.00 s)" in out
    assert "  warning   reachability              rule 2" in out
    assert "  violated  mitigations               deploy: asl3_security  (0.01 s)" in out


def test_summary_line():
    out = render_file(checked_ok())
    assert lines_of(out)[-1] == "p.rsp: 2 proved, 2 violated, 1 warning, 1 unknown (0.42 s)"
    assert lines_of(render_file(checked_all_proved()))[-1] == "good.rsp: 2 proved, 0 violated, 0 unknown (0.10 s)"


def test_front_end_failure_shows_the_diagnostic_and_not_checked():
    out = render_file(checked_broken())
    assert "broken.rsp:3:20: E0103 `cbrn_uplfit` is not declared" in out
    assert "^^^^^^^^^^^" in out and "hint: did you mean `cbrn_uplift`?" in out
    assert lines_of(out)[-1] == "broken.rsp: not checked (1 error)"


def test_several_files_end_with_a_total():
    out = render_text([checked_ok(), checked_broken(), checked_all_proved()])
    assert lines_of(out)[-1] == ("3 files: 4 proved, 2 violated, 1 warning, 1 unknown, 1 not checked (0.53 s)")
    assert overall_exit_code([checked_ok(), checked_broken()]) == 2


def test_the_total_says_which_answers_came_from_the_cache():
    from dataclasses import replace

    ok, good = checked_ok(), checked_all_proved()
    some = render_text([replace(ok, cached=True), good])
    assert lines_of(some)[-1] == "2 files: 4 proved, 2 violated, 1 warning, 1 unknown (0.52 s, 1 cached)"
    every = render_text([replace(ok, cached=True), replace(good, cached=True)])
    assert lines_of(every)[-1].endswith("(0.52 s, all cached)")


# ---------------------------------------------------------------- witnesses

def test_witness_table_is_aligned():
    table = witness_table(Witness(state={"cbrn_uplift": Fraction(9, 10), "panel": False, "x": Fraction(1, 3)}))
    assert table == ["      name          value",
                     "      cbrn_uplift   0.9",
                     "      panel         false",
                     "      x             1/3"]


def test_pair_table_marks_differing_rows():
    table = witness_table(Witness(lower={"u": Fraction(1, 3), "s": True, "level": "low"},
                                  higher={"u": Fraction(9, 10), "s": True, "level": "high"}))
    assert table[0] == "      name    lower   higher"
    assert table[1] == "    * u       1/3     0.9"
    assert table[2] == "      s       true    true"
    assert table[3] == "    * level   low     high"
    assert "differ" in table[-1]


def test_value_text_is_exact():
    assert [value_text(v) for v in (True, False, Fraction(1, 10), Fraction(10**25), 3, "high")] == [
        "true", "false", "0.1", "10000000000000000000000000", "3", "high"]


def with_witness(witness: Witness, prop: str = "mitigations", subject: str = "deploy") -> Result:
    return Result(prop, subject, Status.VIOLATED, Severity.ERROR, Mitigation("deploy", "asl3_security", 12), witness)


def test_replay_command_round_trips_the_witness():
    policy = load_text(POLICY, "p.rsp").policy
    witness = Witness(state={"cbrn_uplift": Fraction(1, 3), "panel": True, "asl3_security": False})
    (hint,) = replay_hint("my policy.rsp", with_witness(witness))
    words = shlex.split(hint.split("replay: ", 1)[1])
    assert words[0] == "echo" and words[2:4] == [">", "witness.json"]
    assert words[-4:] == ["eval", "my policy.rsp", "--state", "witness.json"]
    state = read_state(policy, words[1])
    assert state["cbrn_uplift"] == Fraction(1, 3) and state["panel"] is True


def test_replay_for_pairs():
    pair = replay_hint("p.rsp", with_witness(Witness(lower={"a": True}, higher={"a": False}), "monotonic"))
    assert len(pair) == 2 and "lower.json" in pair[0] and "higher.json" in pair[1]


def test_huge_witness_is_replayed_through_the_json_output():
    big = {f"metric_{i}": Fraction(i, 7) for i in range(60)}
    (hint,) = replay_hint("p.rsp", with_witness(Witness(state=big), "assert:x-y", "x-y"))
    words = shlex.split(hint.split("replay: ", 1)[1])
    assert words[:5] == ["rspdsl", "check", "p.rsp", "--format", "json"]
    assert words[5:7] == ["|", "jq"]
    assert words[7] == '.files[0].results[] | select(.property == "assert:x-y" and .subject == "x-y") | .witness.state'
    assert words[8:] == [">", "witness.json", "&&", "rspdsl", "eval", "p.rsp", "--state", "witness.json"]


def test_long_state_is_laid_out_in_columns():
    state = {f"v{i:02d}": bool(i % 2) for i in range(MAX_TABLE_ROWS + 2)}
    table = witness_table(Witness(state=state))
    assert len(table) < len(state)
    shown = " ".join(table)
    assert all(f"{name} = {value_text(v)}" in shown for name, v in state.items())
    assert len(witness_table(Witness(state=state), verbose=True)) == len(state) + 1


def test_long_pair_shows_only_the_differences():
    lower = {f"v{i:02d}": False for i in range(MAX_TABLE_ROWS + 5)}
    higher = {**lower, "v03": True}
    table = witness_table(Witness(lower=lower, higher=higher))
    assert table[1] == "    * v03    false   true"
    assert len(table) == 3 and "16 other names equal in both" in table[2]
    assert len(witness_table(Witness(lower=lower, higher=higher), verbose=True)) == len(lower) + 2


def test_result_without_location():
    result = Result("reachability", "ASL-4", Status.VIOLATED, Severity.ERROR, TierReach(tier="ASL-4"))
    assert render_result(result, SourceFile("p.rsp", POLICY)) == \
        "p.rsp: error[reachability] No state is at tier ASL-4: its condition never holds."


# ---------------------------------------------------------------- color

def test_no_color_by_default_and_color_on_request():
    assert "\x1b[" not in render_text([checked_ok()])
    assert "\x1b[1;31merror[mitigations]\x1b[0m" in render_text([checked_ok()], color=True)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color_needs_a_tty_and_no_NO_COLOR(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(FakeTTY()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(FakeTTY()) is False


# ---------------------------------------------------------------- markdown

def test_markdown_overview_and_findings():
    md = render_markdown([checked_ok(), checked_broken()])
    lines = lines_of(md)
    assert lines[0] == "## rspdsl check"
    assert "| `p.rsp` | Test RSP | 2 | 2 | 1 | 1 | ❌ violated |" in lines
    assert "| `broken.rsp` | Broken | – | – | – | – | 🚫 not checked |" in lines
    assert any(line.startswith("| ❌ violated | `mitigations` | deploy: asl3_security | `p.rsp:12:11` |")
               for line in lines)
    assert any(line.startswith("| ❌ error | `E0103` | | `broken.rsp:3:20` |") for line in lines)
    assert "<details><summary>2 proved</summary>" in md


def test_markdown_witness_block_is_exact_json():
    md = render_markdown([checked_ok()])
    start = md.index("```json\n") + len("```json\n")
    body = json.loads(md[start:md.index("```", start)])
    assert body == {"cbrn_uplift": 0.9, "panel": False, "asl3_security": False}
    assert "`witness.json` — replay with `rspdsl eval p.rsp --state witness.json`" in md
    assert "`lower.json`" in md and "`higher.json`" in md
    assert '"cbrn_uplift": "1/3"' in md


def test_markdown_all_proved_and_escaping():
    assert "Every property holds." in render_markdown([checked_all_proved()])
    assert cell("a | b <script>\nc") == "a \\| b &lt;script&gt; c"
    result = Result("assert:x", "x", Status.VIOLATED, Severity.ERROR, AssertionFacts("x", "bad | value"))
    md = render_markdown([CheckedFile("q.rsp", SourceFile("q.rsp", ""), "Q", (), Report((result,)))])
    assert "bad \\| value" in md


def test_many_related_locations_are_capped_unless_verbose():
    locs = tuple(Location(span_of(POLICY, "deploy", i), f"use {i}") for i in range(MAX_RELATED + 3))
    result = Result("consistency", "deploy", Status.UNKNOWN, Severity.ERROR, Consistency("deploy"), locations=locs)
    short = render_result(result, SourceFile("p.rsp", POLICY))
    assert short.count("  note: p.rsp:") == MAX_RELATED
    assert "  note: 2 more related declarations (--verbose shows them)" in short
    full = render_result(result, SourceFile("p.rsp", POLICY), verbose=True)
    assert full.count("  note: p.rsp:") == len(locs) - 1 and "more related" not in full
