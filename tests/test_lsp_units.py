"""The language server's features as plain functions (no client): hover facts and their
markdown, completion contexts, rename refusals, the outline, lens titles, and untrusted text."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rspdsl.lsp.adapter import Finding
from rspdsl.lsp.analysis import analyze
from rspdsl.lsp.completion import complete, in_tier_block
from rspdsl.lsp.hover import hover_at
from rspdsl.lsp.lenses import lenses
from rspdsl.lsp.navigation import RenameRefused, outline, rename
from rspdsl.render.editor import hover_markdown, lens_title

ROOT = Path(__file__).resolve().parent.parent
GDM = (ROOT / "policies" / "gdm-fsf-v3.rsp").read_text(encoding="utf-8")


def _at(text: str, needle: str, line_hint: str, offset: int = 0) -> tuple[int, int]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line_hint in line:
            return number, line.index(needle) + 1 + offset
    raise AssertionError(needle)


def test_hover_on_a_scale_value_and_on_a_control_on_that_scale():
    analysis = analyze(GDM)
    facts, _ = hover_at(analysis, *_at(GDM, "sl2", "recommend security_level >= sl2"))
    assert (facts.kind, facts.range_text) == ("scale value", "value 3 of 6 on scale rand_security_level")
    control, _ = hover_at(analysis, *_at(GDM, "security_level", "control security_level"))
    assert control.kind == "control" and control.range_text == "on scale rand_security_level"
    scale, _ = hover_at(analysis, *_at(GDM, "rand_security_level", "scale rand_security_level"))
    assert scale.range_text == "values, lowest first: sl0, sl1, sl2, sl3, sl4, sl5"
    assert hover_at(analysis, *_at(GDM, "recommend", "recommend security_level >= sl2")) is None  # a keyword


def test_untrusted_text_in_a_hover_cannot_break_out_or_hide():
    text = ('policy "p"\n'
            'judgement j "evil ``` [link](http://x) \u202e reversed [self-assessed: ```x```]"\n'
            'action a\npermit a when j\n')
    analysis = analyze(text)
    facts, _ = hover_at(analysis, 4, len("permit a when j"))
    shown = hover_markdown(facts)
    assert "\u202e" not in shown and "\\u202e" in shown                    # the bidi override is visible
    fences = [line for line in shown.split("\n") if line.startswith("```")]
    assert fences and all(line.startswith("````") for line in fences)     # longer than any run inside
    prose = re.sub(r"^````.*?^````", "", shown, flags=re.S | re.M)         # outside the code blocks
    assert "[link](http" not in prose and "\\[link\\]" in prose            # no live link


def test_completion_offers_nothing_in_strings_comments_and_new_names():
    index = analyze(GDM).index
    assert complete(index, 'threshold X "a description with sec', in_tier=False) == []
    assert complete(index, "# a comment mentioning sec", in_tier=False) == []
    assert complete(index, "metric new_na", in_tier=False) == []
    assert [i.label for i in complete(index, "metric m : ", in_tier=False)] == ["rand_security_level"]
    assert [i.label for i in complete(index, "assert x: allowed(", in_tier=False)][:1] == ["train"]


def test_tier_blocks_are_found_past_braces_in_strings_and_comments():
    assert in_tier_block('tier T "a { brace" {\n  # } not a close\n  ')
    assert not in_tier_block('scale s { a, b }\n')
    assert not in_tier_block('tier T {\n}\n')


def test_rename_refusals_and_a_rename_of_a_scale_value():
    analysis = analyze(GDM)
    line, column = _at(GDM, "sl2", "recommend security_level >= sl2")
    spans = rename(analysis.index, line, column, "level2")
    from rspdsl.syntax.parser import get_parser

    # every use of the name (not text inside strings or comments, e.g. an accept's subject)
    uses = [t for t in get_parser().lex(GDM) if t.type == "NAME" and t.value == "sl2"]
    assert len(spans) == len(uses) > 1
    for bad in ("sl3", "when", "two words", "-x"):
        with pytest.raises(RenameRefused):
            rename(analysis.index, line, column, bad)
    with pytest.raises(RenameRefused, match="no declared name here"):
        rename(analysis.index, 1, 1, "x")


def test_the_outline_nests_scale_values_and_tier_requirements():
    symbols = outline(analyze(GDM))
    scale = next(s for s in symbols if s.kind == "scale")
    assert [c.name for c in scale.children] == ["sl0", "sl1", "sl2", "sl3", "sl4", "sl5"]
    tiers = [s for s in symbols if s.kind == "tier"]
    assert tiers[0].detail == "the first tier" and all(c.kind == "requirement" for t in tiers for c in t.children)


def _finding(status: str) -> Finding:
    return Finding("assert:a", "a", status, "error", "m", None)


def test_lens_titles():
    assert lens_title([], pending=True) == "proving…"
    assert lens_title([_finding("proved")], pending=False) == "proved"
    assert lens_title([_finding("proved"), _finding("proved")], pending=False) == "proved (2 obligations)"
    assert lens_title([_finding("proved"), _finding("unknown")], pending=False) == \
        "unknown (1 of 2): the solver gave up"
    assert lens_title([_finding("violated"), _finding("unknown")], pending=False) == \
        "violated (1 of 2) — show witness"


def test_lenses_sit_on_every_tier_and_assertion_even_before_proofs():
    analysis = analyze(GDM)
    names = [lens.subject for lens in lenses(analysis, None)]
    assert names == [t.name for t in analysis.policy.tiers] + [a.name for a in analysis.policy.assertions]
    assert all(lens.pending for lens in lenses(analysis, None))


def test_the_editor_proves_a_policy_about_time_as_check_does():
    """Language v2: the proof job refines what the extended states did not prove by the run search,
    then adds the deadlines and duties, so the editor shows `rspdsl check`'s verdicts (not a
    free-history counterexample that no run reaches)."""
    from rspdsl.frontend import load_text
    from rspdsl.logic.prover import verify
    from rspdsl.lsp.proofs import ProofJob

    text = (ROOT / "docs" / "examples" / "notify.rsp").read_text(encoding="utf-8")
    policy = load_text(text, "notify.rsp").policy
    shown = sorted((f.property, f.subject, str(f.status)) for f in ProofJob(policy).run())
    checked = sorted((r.property, r.subject, str(r.status)) for r in verify(policy, timeout_ms=2000).results)
    assert shown == checked
    assert {p for p, _, _ in shown} >= {"deadlines", "duties"}


def test_a_run_witness_shows_each_steps_day_acts_and_values_at_their_declarations():
    """A witness run in the editor: per step its day (at the finding), each act taken (at the act's
    declaration) and each value (at the variable's), in that order; the same run `check` shows."""
    from rspdsl.lsp.convert import finding_diagnostic
    from rspdsl.lsp.documents import Document
    from rspdsl.lsp.proofs import ProofJob

    text = (ROOT / "docs" / "examples" / "notify.rsp").read_text(encoding="utf-8")
    doc = Document("file:///notify.rsp", 1, text)
    analysis = doc.analyzed()
    [late] = [f for f in ProofJob(analysis.policy).run() if f.status == "violated"]
    run = late.witness["run"]
    assert len(run) >= 2 and run[-1]["day"] > run[0]["day"]   # overdue needs days to pass
    diagnostic = finding_diagnostic(doc, late, analysis.index, "utf-16")
    notes = [(info.message, info.location.range.start.line) for info in diagnostic.related_information]
    lines = text.split("\n")
    for k, step in enumerate(run):
        mine = [(m, line) for m, line in notes if m.startswith(f"witness: step {k}: ")]
        assert mine[0] == (f"witness: step {k}: day {step['day']}", late.span.line - 1)
        for act in step["acts"]:
            [(_, line)] = [(m, line) for m, line in mine if m == f"witness: step {k}: {act} is taken"]
            assert lines[line].startswith(("action ", "event ")) and f" {act} " in lines[line] + " "
        assert len(mine) == 1 + len(step["acts"]) + len(step["state"])
