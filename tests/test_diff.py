"""`rspdsl diff`: crafted revision pairs, renames, the JSON shape, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from rspdsl.analyses.diff import DiffError, diff_policies, parse_renames
from rspdsl.diagnostics import InternalError
from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_text
from rspdsl.render.diff_out import render_json, render_markdown, render_text, report_to_json
from rspdsl.render.messages import change_message, decl_detail, side_outcome
from rspdsl.state import read_state

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

BASE = """\
policy "Test" version "1"
scale level { low, medium, high, critical }
metric uplift in [0, 1] "Share of tasks"
metric bio : level
judgement panel
safeguard sec2
safeguard sec3
safeguard dep3
control interval in [0, 24] unit months
action train default permit
action deploy
threshold CBRN-3 when uplift >= 0.5 or panel
tier ASL-2 { require sec2 for train, deploy }
tier ASL-3 when CBRN-3 or bio >= high {
  require sec3 for train, deploy
  require dep3 for deploy
  require interval <= 6
}
permit deploy when tier <= ASL-2 and sec2
forbid train when tier >= ASL-3 and not sec3 "Stop condition"
"""


def policy(text: str, path: str = "p.rsp"):
    result = load_text(text, path)
    assert result.ok, result.diagnostics
    return result.policy


def diff(old: str, new: str, **kw):
    return diff_policies(policy(old, "old.rsp"), policy(new, "new.rsp"), **kw)


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def kinds(report) -> set[tuple[str, str, str | None]]:
    return {(c.kind, c.aspect, c.action) for c in report.changes}


def assert_replays(report, old_text: str, new_text: str) -> None:
    """Each witness, replayed independently of rspdsl.analyses.diff, shows the difference it claims."""
    old, new = policy(old_text), policy(new_text)
    for c in report.changes:
        d_old = compile_policy(old).decide(read_state(old, c.old.state))
        d_new = compile_policy(new).decide(read_state(new, c.new.state))
        if c.aspect == "permission":
            expect = (False, True) if c.kind == "weakening" else (True, False)
            assert (d_old.allowed[c.action], d_new.allowed[c.action]) == expect
        elif c.aspect == "tier":
            tier = c.subject.split()[1]
            i, j = old.tier_index(tier), new.tier_index(tier)
            if c.kind == "weakening":
                assert d_old.tier >= i and d_new.tier < j
            else:
                assert d_new.tier >= j and d_old.tier < i
        else:
            texts_old = {old.requirements[k].text for k in d_old.active[c.action]}
            texts_new = {new.requirements[k].text for k in d_new.active[c.action]}
            has, other = (texts_old, texts_new) if c.kind == "weakening" else (texts_new, texts_old)
            assert c.detail in has and c.detail not in other


# ----------------------------------------------------------------------------- crafted pairs

def test_identical_policy_is_equivalent():
    report = diff(BASE, BASE)
    assert report.verdict == "equivalent"
    assert report.changes == () and report.declarations == ()
    assert report.exit_code() == 0


def test_threshold_raised_is_a_weakening_of_the_tier():
    new = edit(BASE, "uplift >= 0.5", "uplift >= 0.7")
    report = diff(BASE, new)
    assert report.verdict == "weaker" and report.exit_code() == 1
    tier = [c for c in report.changes if c.aspect == "tier"]
    assert [(c.kind, c.subject) for c in tier] == [("weakening", "tier ASL-3")]
    assert Fraction(0.5) <= tier[0].state["uplift"] < Fraction(7, 10)
    assert tier[0].old.tier == "ASL-3" and tier[0].new.tier == "ASL-2"
    assert ("changed", "threshold", "CBRN-3", "now holds in fewer states") in {
        (d.change, d.entity, d.name, decl_detail(d)) for d in report.declarations}
    assert_replays(report, BASE, new)


def test_threshold_lowered_is_a_strengthening():
    new = edit(BASE, "uplift >= 0.5", "uplift >= 0.25")
    report = diff(BASE, new)
    assert report.verdict == "stronger" and report.exit_code() == 0
    assert {c.kind for c in report.changes} == {"strengthening"}
    assert ("strengthening", "tier", None) in kinds(report)
    assert_replays(report, BASE, new)


def test_requirement_dropped_is_a_weakening_for_its_action_only():
    new = edit(BASE, "  require dep3 for deploy\n", "")
    report = diff(BASE, new)
    assert report.verdict == "weaker"
    assert kinds(report) == {("weakening", "requirement", "deploy")}
    (change,) = report.changes
    assert change.detail == "dep3" and "no longer demands" in change_message(change)
    # the witness isolates the dropped requirement: both place the state at ASL-3
    assert change.old.tier == change.new.tier == "ASL-3"
    assert_replays(report, BASE, new)


def test_requirement_added_is_a_strengthening():
    new = edit(BASE, "  require dep3 for deploy\n", "  require dep3 for deploy, train\n")
    report = diff(BASE, new)
    assert report.verdict == "stronger" and report.exit_code() == 0
    assert kinds(report) == {("strengthening", "requirement", "train")}
    assert_replays(report, BASE, new)


def test_forbid_removed_is_a_permission_weakening():
    new = edit(BASE, 'forbid train when tier >= ASL-3 and not sec3 "Stop condition"\n', "")
    report = diff(BASE, new)
    assert kinds(report) == {("weakening", "permission", "train")}
    (change,) = report.changes
    assert change_message(change) == "NEW allows train where OLD forbids it"
    assert change.state["sec3"] is False and change.old.tier == "ASL-3"
    assert "forbid at old.rsp:20:1" in side_outcome(change.old)
    assert_replays(report, BASE, new)


def test_default_changed_is_reported_and_weakens_permission():
    new = edit(BASE, "action deploy\n", "action deploy default permit\n")
    report = diff(BASE, new)
    assert ("weakening", "permission", "deploy") in kinds(report)
    assert ("changed", "action", "deploy", "default deny → default permit") in {
        (d.change, d.entity, d.name, decl_detail(d)) for d in report.declarations}
    assert_replays(report, BASE, new)


def test_tier_inserted_between_common_tiers_keeps_their_order():
    old = edit(BASE, "tier <= ASL-2", "tier < ASL-3")
    new = edit(old, "tier ASL-3 when", "tier ASL-2-5 when uplift >= 0.25 { }\ntier ASL-3 when")
    report = diff(old, new)
    assert report.verdict == "equivalent", [change_message(c) for c in report.changes]
    decls = {(d.change, d.entity, d.name) for d in report.declarations}
    assert ("added", "tier", "ASL-2-5") in decls
    assert any(decl_detail(d) == "inserted between ASL-2 and ASL-3 in the ladder" for d in report.declarations)
    # a rule that names the tier exactly (`tier <= ASL-2`) does see the new rung
    report = diff(BASE, edit(BASE, "tier ASL-3 when", "tier ASL-2-5 when uplift >= 0.25 { }\ntier ASL-3 when"))
    assert kinds(report) == {("strengthening", "permission", "deploy")}
    assert report.changes[0].new.tier == "ASL-2-5"


def test_tier_inserted_with_requirements_strengthens_through_them():
    base = edit(BASE, "tier <= ASL-2", "tier < ASL-3")
    new = edit(base, "tier ASL-3 when", "tier ASL-2-5 when uplift >= 0.25 { require sec3 for deploy }\n"
                                         "tier ASL-3 when")
    report = diff(base, new)
    assert kinds(report) == {("strengthening", "requirement", "deploy")}
    assert report.changes[0].new.tier == "ASL-2-5"
    assert_replays(report, base, new)


def test_tier_removed_only_compares_common_tiers():
    new = edit(BASE, "tier <= ASL-2", "tier < ASL-3")
    old = edit(new, "tier ASL-3 when", "tier ASL-2-5 when uplift >= 0.25 { }\ntier ASL-3 when")
    report = diff(old, new)
    assert report.verdict == "equivalent"
    assert ("removed", "tier", "ASL-2-5") in {(d.change, d.entity, d.name) for d in report.declarations}


def test_reformatted_reordered_recommented_is_equivalent():
    new = """# a comment at the top
policy "Test" version "1"
action deploy   # default deny
forbid train when not sec3 and tier >= ASL-3   "Stop condition"
safeguard dep3
safeguard sec3
safeguard sec2
threshold CBRN-3
  when panel or 0.5 <= uplift
judgement panel
permit deploy when sec2 and tier <= ASL-2
metric bio : level
scale level { low, medium, high, critical }
control interval in [0, 24] unit months
action train default permit
metric uplift in [0, 1]
tier ASL-2 {
  require sec2 for deploy, train   # reordered actions
}
tier ASL-3 when bio >= high or CBRN-3 {
  require 6 >= interval
  require dep3 for deploy
  require sec3 for deploy, train
}
"""
    report = diff(BASE, new)
    assert report.verdict == "equivalent", [change_message(c) for c in report.changes]
    assert report.changes == ()


def test_commitments_split_merged_or_restated_are_no_change():
    old = edit(BASE, "  require sec3 for train, deploy\n  require dep3 for deploy\n",
               "  require sec3 for train, deploy\n  require dep3 for deploy\n")
    new = edit(BASE, "  require sec3 for train, deploy\n  require dep3 for deploy\n",
               "  require sec3 and dep3 for deploy\n  require sec3 for train\n")
    assert diff(old, new).verdict == "equivalent"
    assert diff(new, old).verdict == "equivalent"


def test_commitment_implied_by_a_stronger_one_is_not_a_weakening():
    new = edit(BASE, "require interval <= 6", "require interval <= 3")
    report = diff(BASE, new)
    assert report.verdict == "stronger"
    assert {c.detail for c in report.changes} == {"interval <= 3"}
    back = diff(new, BASE)
    assert back.verdict == "weaker"
    assert {c.detail for c in back.changes} == {"interval <= 3"}


def test_commitment_split_out_of_a_conjunction_is_named():
    old = edit(BASE, "require dep3 for deploy", "require dep3 and interval <= 3 for deploy")
    report = diff(old, BASE)
    assert {(c.kind, c.detail) for c in report.changes} == {("weakening", "interval <= 3")}


# ----------------------------------------------------------------------------- declarations

def test_declarations_added_removed_and_bounds_changed():
    new = edit(BASE, "metric uplift in [0, 1]", "metric uplift in [0, 2]")
    new = edit(new, "judgement panel\n", "judgement panel\nsafeguard extra\n")
    new = edit(new, "action deploy\n", "action deploy\naction release default permit\n")
    report = diff(BASE, new)
    decls = {(d.change, d.entity, d.name): decl_detail(d) for d in report.declarations}
    assert decls[("changed", "metric", "uplift")] == "bounds [0, 1] → [0, 2]"
    assert ("added", "safeguard", "extra") in decls
    assert decls[("added", "action", "release")] == "default permit"
    removed = diff(new, BASE)
    assert ("removed", "action", "release") in {(d.change, d.entity, d.name) for d in removed.declarations}
    # variables added on one side only are free in the witness state (and never make a change)
    assert report.verdict == "equivalent"


def test_sort_change_is_reported_and_treated_as_unrelated():
    old = edit(BASE, "judgement panel\n", "judgement panel\nmetric extra in [0, 1]\n")
    old = edit(old, "forbid train", "forbid deploy when extra >= 0.5\nforbid train")
    new = edit(BASE, "judgement panel\n", "judgement panel\njudgement extra\n")
    new = edit(new, "forbid train", "forbid deploy when extra\nforbid train")
    report = diff(old, new)
    assert any(d.name == "extra" and "unrelated" in decl_detail(d) for d in report.declarations)
    weak = [c for c in report.changes if c.aspect == "permission"]
    assert weak and all("extra" in c.state and "extra@old" in c.state for c in weak)
    assert_replays(report, old, new)


def test_scale_with_an_inserted_value_maps_values_by_name():
    old = edit(BASE, "{ low, medium, high, critical }", "{ low, high, critical }")
    report = diff(old, BASE)
    assert report.verdict == "equivalent", [change_message(c) for c in report.changes]
    assert any(d.entity == "scale" and d.change == "changed" for d in report.declarations)
    # the same scale change, but NEW moved the tier to `medium`: a state at `medium` is not in OLD's
    # state space, so the difference is invisible ... while `critical`-only policies still compare
    new = edit(BASE, "bio >= high", "bio >= critical")
    report = diff(old, new)
    (change,) = [c for c in report.changes if c.aspect == "tier"]
    assert change.kind == "weakening" and change.state["bio"] == "high"
    assert change.old.state["bio"] == "high" and change.new.state["bio"] == "high"


# ----------------------------------------------------------------------------- renames

def test_rename_matches_renamed_entities():
    new = BASE.replace("deploy", "ship").replace("sec3", "security3").replace("ASL-3", "L3")
    plain = diff(BASE, new)
    decls = {(d.change, d.entity, d.name) for d in plain.declarations}
    assert {("removed", "action", "deploy"), ("added", "action", "ship"), ("added", "tier", "L3")} <= decls
    renamed = diff(BASE, new, renames={"deploy": "ship", "sec3": "security3", "ASL-3": "L3"})
    assert renamed.verdict == "equivalent", [change_message(c) for c in renamed.changes]
    assert {(d.change, d.name, decl_detail(d)) for d in renamed.declarations} >= {
        ("renamed", "ship", "was `deploy`"), ("renamed", "security3", "was `sec3`")}


def test_rename_reports_changes_under_the_new_name():
    new = BASE.replace("deploy", "ship").replace("require dep3 for ship\n", "")
    report = diff(BASE, new, renames={"deploy": "ship"})
    assert kinds(report) == {("weakening", "requirement", "ship")}
    assert "ship (OLD: deploy)" in change_message(report.changes[0])


@pytest.mark.parametrize("renames, words", [
    ({"nope": "deploy"}, ["OLD", "`nope`"]),
    ({"deploy": "nope"}, ["NEW", "`nope`"]),
    ({"deploy": "sec3"}, ["action", "variable"]),
])
def test_unknown_or_mismatched_rename_is_an_error(renames, words):
    with pytest.raises(DiffError) as info:
        diff(BASE, BASE, renames=renames)
    for word in words:
        assert word in str(info.value)


def test_parse_renames():
    assert parse_renames(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    for bad in (["ab"], ["=b"], ["a="], ["a=b", "a=c"], ["a=c", "b=c"]):
        with pytest.raises(DiffError):
            parse_renames(bad)


# ----------------------------------------------------------------------------- robustness

def test_a_witness_the_evaluator_disagrees_with_raises(monkeypatch):
    from dataclasses import replace

    from rspdsl.analyses.diff import questions
    real = questions.Questions.states

    def lying(self, model, what):
        found = real(self, model, what)
        return replace(found, d_new=found.d_old)  # NEW "decides" like OLD: no difference
    monkeypatch.setattr(questions.Questions, "states", lying)
    new = edit(BASE, 'forbid train when tier >= ASL-3 and not sec3 "Stop condition"\n', "")
    with pytest.raises(InternalError):
        diff(BASE, new)


def test_unknown_answers_give_verdict_unknown_and_exit_3(monkeypatch):
    from rspdsl.analyses.diff import questions
    from rspdsl.logic.witness import UNKNOWN, Answer
    real = questions.Questions.ask
    calls = {"n": 0}

    def flaky(self, *constraints, **options):
        calls["n"] += 1
        if calls["n"] == 3:
            self.queries += 1
            return Answer(UNKNOWN, reason="timeout")
        return real(self, *constraints, **options)
    monkeypatch.setattr(questions.Questions, "ask", flaky)
    report = diff(BASE, BASE)
    assert report.unknowns and report.verdict == "unknown" and report.exit_code() == 3
    assert "Unknown" in render_text(report)


def test_renderers():
    new = edit(BASE, "  require dep3 for deploy\n", "")
    new = edit(new, "uplift >= 0.5", "uplift >= 0.25")
    report = diff(BASE, new)
    assert report.verdict == "incomparable"
    text = render_text(report)
    assert "~ deploy: weaker — OLD requires `dep3` for deploy here (old.rsp:16:11); NEW no longer demands it" in text
    assert "~ tier ASL-3: stronger — " in text
    assert "Plan: 1 weakening, " in text and "Verdict: incomparable." in text
    md = render_markdown(report)
    assert "**Verdict: ❌ incomparable**" in md and "| 🔻 weakening | requirement | `deploy` |" in md
    data = json.loads(render_json(report))
    assert data["verdict"] == report_to_json(report)["verdict"] == "incomparable"
    assert data["summary"] == {"weakenings": 1, "strengthenings": len(report.strengthenings), "unknown": 0,
                               "text_changes": 0}


def test_json_shape_is_the_contract():
    new = edit(BASE, "uplift >= 0.5", "uplift >= 0.75")
    data = json.loads(render_json(diff(BASE, new)))
    assert set(data) >= {"verdict", "changes"}
    assert data["verdict"] in ("equivalent", "stronger", "weaker", "incomparable")
    assert data["changes"]
    for change in data["changes"]:
        assert set(change) >= {"kind", "aspect", "action", "message", "witness"}
        assert change["kind"] in ("weakening", "strengthening")
        assert change["aspect"] in ("permission", "tier", "requirement")
        assert change["action"] is None if change["aspect"] == "tier" else isinstance(change["action"], str)
        assert isinstance(change["message"], str) and change["message"]
        state = change["witness"]["state"]
        assert set(state) == {"uplift", "bio", "panel", "sec2", "sec3", "dep3", "interval"}
        assert state["bio"] in ("low", "medium", "high", "critical")
        assert isinstance(state["panel"], bool)


# ----------------------------------------------------------------------------- the command

def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "rspdsl", "diff", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def test_cli_exit_codes(files):
    old = files("old.rsp", BASE)
    weaker = files("weaker.rsp", edit(BASE, "  require dep3 for deploy\n", ""))
    stronger = files("stronger.rsp", edit(BASE, "uplift >= 0.5", "uplift >= 0.25"))
    broken = files("broken.rsp", BASE + "permit nothing\n")
    assert run_cli(old, old).returncode == 0
    r = run_cli(old, weaker)
    assert r.returncode == 1 and "Plan: 1 weakening, 0 strengthenings." in r.stdout
    assert run_cli(old, stronger).returncode == 0
    r = run_cli(old, broken)
    assert r.returncode == 2 and "broken.rsp:21:8" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(old, str(Path(old).parent / "missing.rsp"))
    assert r.returncode == 2 and "E0001" in r.stderr
    r = run_cli(old)
    assert r.returncode == 2 and "two files" in r.stderr
    r = run_cli(old, old, "--rename", "nope=deploy")
    assert r.returncode == 2 and "`nope`" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(old, old, "--rename", "garbage")
    assert r.returncode == 2 and "OLD=NEW" in r.stderr
    assert run_cli(old, old, "--format", "yaml").returncode == 2


def test_cli_json_witness_replays_with_eval(files, tmp_path):
    old = files("old.rsp", BASE)
    new = files("new.rsp", edit(BASE, 'forbid train when tier >= ASL-3 and not sec3 "Stop condition"\n', ""))
    r = run_cli(old, new, "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["verdict"] == "weaker"
    (change,) = data["changes"]
    assert (change["kind"], change["aspect"], change["action"]) == ("weakening", "permission", "train")
    state = tmp_path / "state.json"
    state.write_text(json.dumps(change["witness"]["state"]), encoding="utf-8")
    outcomes = []
    for path in (old, new):
        e = subprocess.run([PYTHON, "-m", "rspdsl", "eval", path, "--state", str(state), "--format", "json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert e.returncode == 0, e.stderr
        outcomes.append(json.loads(e.stdout)["actions"]["train"]["allowed"])
    assert outcomes == [False, True]


def test_cli_markdown_and_rename(files):
    old = files("old.rsp", BASE)
    new = files("new.rsp", BASE.replace("deploy", "ship"))
    r = run_cli(old, new, "--rename", "deploy=ship", "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert "**Verdict: ✅ equivalent**" in r.stdout and "renamed" in r.stdout


def test_help_documents_exit_codes():
    r = subprocess.run([PYTHON, "-m", "rspdsl", "diff", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "--rename" in r.stdout and "3  some question stayed unknown" in r.stdout


def test_cli_exit_3_when_a_question_stays_unknown(files, monkeypatch, capsys):
    from rspdsl.analyses.diff import questions
    from rspdsl.cli import main
    from rspdsl.logic.witness import UNKNOWN, Answer

    def give_up(self, *constraints, **options):
        self.queries += 1
        return Answer(UNKNOWN, reason="timeout")
    monkeypatch.setattr(questions.Questions, "ask", give_up)
    old = files("old.rsp", BASE)
    assert main(["diff", old, old, "--format", "json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "unknown" and data["unknown"] and data["changes"] == []


@pytest.mark.parametrize("old, new", [
    ("  require dep3 for deploy\n", "  \n"),                                   # moved out of the tier ...
    ("  require interval <= 6\n", "  require interval <= 6 for train, deploy\n"),  # `for` every action
])
def test_requirement_restated_elsewhere_is_no_change(old, new):
    text = edit(BASE, old, new)
    if "dep3" in old:
        text += "require dep3 for deploy when tier >= ASL-3\n"            # ... to the top level
    assert diff(BASE, text).verdict == "equivalent"
    moved = edit(BASE, "  require interval <= 6\n", "") + "require interval <= 6 when CBRN-3 or bio >= high\n"
    assert diff(BASE, moved).verdict == "equivalent"


# ----------------------------------------------------------------------------- text changes

TEXTS = """\
policy "Test" version "1"
scale level "Bio levels" { low, medium, high, critical }
metric uplift in [0, 1] "Share of tasks"
metric bio : level "Bio level"
judgement panel "Panel rules it out [self-assessed: CEO]"
safeguard sec2 "ASL-2 standard"
safeguard sec3 "ASL-3 standard"
control interval in [0, 24] unit months "Months between evaluations"
action train default permit "Train a model"
action deploy "Deploy a model"
threshold CBRN-3 "CBRN-3 threshold" when uplift >= 0.5 or panel
tier ASL-2 "Base" { require sec2 for train, deploy "Section 2" }
tier ASL-3 "High" when CBRN-3 or bio >= high {
  require sec3 for train, deploy "Section 3"
  require interval <= 6 "Section 4"
}
permit deploy when tier <= ASL-2 and sec2 "Section 5"
forbid train when tier >= ASL-3 and not sec3 "Stop condition"
assert safe "Never deploy without sec2": allowed(deploy) implies sec2
"""


def texts(report) -> list[tuple]:
    return [(t.entity, t.name, t.field, t.old, t.new, t.old_location[1].line, t.new_location[1].line)
            for t in report.text_changes]


@pytest.mark.parametrize("old, new, expected", [
    ('policy "Test"', 'policy "Test v2"', ("policy", "Test v2", "title", "Test", "Test v2", 1)),
    ('version "1"', 'version "2"', ("policy", "Test", "version", "1", "2", 1)),
    ('"Bio levels"', '"Biology levels"', ("scale", "level", "description", "Bio levels", "Biology levels", 2)),
    ('"Share of tasks"', '"Share of expert tasks"',
     ("metric", "uplift", "description", "Share of tasks", "Share of expert tasks", 3)),
    ("[self-assessed: CEO]", "[external: panel]",
     ("judgement", "panel", "description", "Panel rules it out [self-assessed: CEO]",
      "Panel rules it out [external: panel]", 5)),
    ('"ASL-3 standard"', '"ASL-3 security standard"',
     ("safeguard", "sec3", "description", "ASL-3 standard", "ASL-3 security standard", 7)),
    ('"Months between evaluations"', '"Months between runs"',
     ("control", "interval", "description", "Months between evaluations", "Months between runs", 8)),
    ('default permit "Train a model"', "default permit",
     ("action", "train", "description", "Train a model", None, 9)),
    ('action deploy "Deploy a model"', 'action deploy "Deploy a model publicly"',
     ("action", "deploy", "description", "Deploy a model", "Deploy a model publicly", 10)),
    ('"CBRN-3 threshold"', '"CBRN-3 (Appendix C)"',
     ("threshold", "CBRN-3", "description", "CBRN-3 threshold", "CBRN-3 (Appendix C)", 11)),
    ('"High"', '"High risk"', ("tier", "ASL-3", "description", "High", "High risk", 13)),
    ('"Section 3"', '"Section 3.1"', ("requirement", "sec3", "description", "Section 3", "Section 3.1", 14)),
    ("require interval <= 6 ", "require interval <= 6.0 ",
     ("requirement", "interval <= 6.0", "text", "interval <= 6", "interval <= 6.0", 15)),
    ('"Section 5"', '"Section 5 [CEO]"', ("rule", "permit deploy", "description", "Section 5", "Section 5 [CEO]", 17)),
    ('not sec3 "Stop condition"', "not sec3",
     ("rule", "forbid train", "description", "Stop condition", None, 18)),
    ('"Never deploy without sec2"', '"Never deploy without the ASL-2 standard"',
     ("assertion", "safe", "description", "Never deploy without sec2", "Never deploy without the ASL-2 standard", 19)),
])
def test_each_kind_of_text_edit_is_reported_and_meaning_unchanged(old, new, expected):
    report = diff(TEXTS, edit(TEXTS, old, new))
    entity, name, field, before, after, line = expected
    assert texts(report) == [(entity, name, field, before, after, line, line)]
    assert report.verdict == "equivalent" and report.exit_code() == 0 and report.changes == ()
    (change,) = report.text_changes
    assert change.old_location[0] == "old.rsp" and change.new_location[0] == "new.rsp"


def test_a_description_added_is_reported_with_no_old_text():
    report = diff(BASE, edit(BASE, "judgement panel\n", 'judgement panel "Panel [self-assessed: CEO]"\n'))
    assert texts(report) == [("judgement", "panel", "description", None, "Panel [self-assessed: CEO]", 5, 5)]


def test_text_changes_follow_new_lines_when_lines_move():
    new = edit(TEXTS, "safeguard sec2 ", "# a comment\nsafeguard sec2 ")
    new = edit(new, '"Section 3"', '"Section 3.1"')
    report = diff(TEXTS, new)
    assert texts(report) == [("requirement", "sec3", "description", "Section 3", "Section 3.1", 14, 15)]


def test_the_policy_with_itself_reports_no_text_change():
    assert diff(TEXTS, TEXTS).text_changes == ()


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.rsp")), ids=lambda p: p.name)
def test_a_shipped_policy_with_itself_reports_no_text_change(path):
    text = path.read_text(encoding="utf-8")
    report = diff(text, text)
    assert report.text_changes == () and report.verdict == "equivalent"


def test_reformatting_and_comments_report_no_text_change():
    from rspdsl.syntax.format import format_module
    messy = (TEXTS.replace("require interval <= 6 ", "require  ( interval<=6 )  ")
             .replace("and not sec3", "and (not (sec3))")
             .replace("tier ASL-2 ", "# the base tier\ntier   ASL-2 ")
             .replace(' "Stop condition"', '   "Stop condition"   # see section 7'))
    formatted = format_module(load_text(messy, "m.rsp").module)
    assert formatted != messy
    recommented = formatted.replace("# see section 7", "# see section 8")
    for old, new in ((TEXTS, messy), (messy, formatted), (formatted, recommented)):
        report = diff(old, new)
        assert report.text_changes == () and report.verdict == "equivalent", (old, new)


def test_text_changes_never_change_the_verdict_or_exit_code():
    weaker = edit(edit(TEXTS, "  require sec3 for train, deploy \"Section 3\"\n", ""), '"High"', '"High risk"')
    report = diff(TEXTS, weaker)
    assert report.verdict == "weaker" and report.exit_code() == 1
    assert [t.name for t in report.text_changes] == ["ASL-3"]
    stronger = edit(edit(TEXTS, "uplift >= 0.5", "uplift >= 0.25"), '"CBRN-3 threshold"', '"lowered"')
    report = diff(TEXTS, stronger)
    assert report.verdict == "stronger" and report.exit_code() == 0
    assert [t.name for t in report.text_changes] == ["CBRN-3"]


def test_an_edited_requirement_keeps_its_description_paired():
    # the `when` and the description change together: the meaning change and the text change both show
    new = edit(TEXTS, 'require interval <= 6 "Section 4"', 'require interval <= 6 when panel "Section 4 (panel)"')
    report = diff(TEXTS, new)
    assert report.verdict == "weaker"
    assert texts(report) == [("requirement", "interval <= 6", "description", "Section 4", "Section 4 (panel)", 15, 15)]


def test_ambiguous_requirements_are_not_guessed():
    # both requirements of ASL-3 change what they say: no pair is certain, so no text change is claimed
    new = edit(TEXTS, 'require sec3 for train, deploy "Section 3"', 'require sec2 for train "Section 3b"')
    new = edit(new, 'require interval <= 6 "Section 4"', 'require interval <= 3 "Section 4b"')
    assert diff(TEXTS, new).text_changes == ()


def test_a_renamed_entity_with_an_edited_description_is_reported_under_its_new_name():
    new = edit(TEXTS.replace("sec3", "asl3_security"), '"ASL-3 standard"', '"ASL-3 Security Standard"')
    new = edit(new, '"Stop condition"', '"Stop condition (Section 7)"')
    report = diff(TEXTS, new, renames={"sec3": "asl3_security"})
    assert report.verdict == "equivalent"
    assert texts(report) == [
        ("safeguard", "asl3_security", "description", "ASL-3 standard", "ASL-3 Security Standard", 7, 7),
        ("rule", "forbid train", "description", "Stop condition", "Stop condition (Section 7)", 18, 18)]
    # the commitment `sec3` now reads `asl3_security` only because of the rename: not a text change
    assert "text" not in {t.field for t in report.text_changes}


def test_text_changes_in_json_text_and_markdown():
    new = edit(TEXTS, "[self-assessed: CEO]", "[decided informally]")
    report = diff(TEXTS, new)
    data = report_to_json(report)
    assert data["text_changes"] == [{
        "entity": "judgement", "name": "panel", "field": "description",
        "old": "Panel rules it out [self-assessed: CEO]", "new": "Panel rules it out [decided informally]",
        "old_line": 5, "new_line": 5}]
    assert {"verdict", "changes", "old", "new", "new_file", "summary", "declarations", "unknown"} <= set(data)
    assert data["summary"]["text_changes"] == 1 and data["summary"]["weakenings"] == 0
    assert json.loads(render_json(report))["text_changes"] == data["text_changes"]
    text = render_text(report)
    assert "Text changed (meaning unchanged):" in text and "No change in meaning" not in text
    assert "judgement panel: description (old.rsp:5 → new.rsp:5)" in text
    assert '      OLD: "Panel rules it out [self-assessed: CEO]"' in text
    assert '      NEW: "Panel rules it out [decided informally]"' in text
    assert "Meaning unchanged, but 1 text changed" in text
    assert "1 text change. Verdict: equivalent." in text
    markdown = render_markdown(report)
    assert "Meaning unchanged, but **1 text changed**" in markdown
    assert "Text changed (meaning unchanged)" in markdown
    assert "[self-assessed: CEO]" in markdown and "`old.rsp:5`" in markdown and "`new.rsp:5`" in markdown
    same = diff(TEXTS, TEXTS)
    assert report_to_json(same)["text_changes"] == [] and "No change in meaning" in render_text(same)
    assert "text change" not in render_text(same) + render_markdown(same)


def test_cli_text_change_exits_0_and_shows_it(files):
    old = files("old.rsp", TEXTS)
    new = files("new.rsp", edit(TEXTS, '"Section 2"', '"Section 2 [self-assessed]"'))
    r = run_cli(old, new)
    assert r.returncode == 0, r.stderr
    assert "~ requirement sec2: description" in r.stdout and '"Section 2 [self-assessed]"' in r.stdout
    r = run_cli(old, new, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["text_changes"][0]["new"] == "Section 2 [self-assessed]"


# ----------------------------------------------------------------------------- what the parser accepts

def _deep_expressions() -> dict[str, str]:
    """Expressions at the parser's limits (rspdsl.syntax.parser): chains of nearly MAX_PATH
    operands (`implies` nests to the right, so its IR is that deep) and MAX_DEPTH - 2 `not`s."""
    from rspdsl.syntax.parser import MAX_DEPTH, MAX_PATH
    n = MAX_PATH - 10
    return {"implies": " implies ".join(["j"] * n), "or": " or ".join(["j"] * n),
            "not": "not " * (MAX_DEPTH - 2) + "j", "not (": "not (" * (MAX_DEPTH - 2) + "j" + ")" * (MAX_DEPTH - 2)}


DEEP_POLICY = """\
policy "Deep"
judgement j
safeguard s
action a
tier base {{ }}
tier hi when {or_} {{ require s for a }}
require {implies} for a
permit a when {not_}
forbid a when {notp}
assert x: {implies}
"""

SHALLOW_POLICY = """\
policy "Deep"
judgement j
safeguard s
action a
tier base { }
tier hi when j { require s for a }
permit a when j
"""


def test_diff_reads_whatever_the_parser_accepts(tmp_path):
    """`diff` once failed with E0900 (RecursionError) on an `implies` chain that `check` accepts."""
    import sys

    from rspdsl.syntax.parser import MAX_PATH
    e = _deep_expressions()
    deep = tmp_path / "deep.rsp"
    deep.write_text(DEEP_POLICY.format(or_=e["or"], implies=e["implies"], not_=e["not"], notp=e["not ("]),
                    encoding="utf-8")
    shallow = tmp_path / "shallow.rsp"
    shallow.write_text(SHALLOW_POLICY, encoding="utf-8")
    too_long = tmp_path / "too-long.rsp"
    too_long.write_text(SHALLOW_POLICY + "assert y: " + " implies ".join(["j"] * (MAX_PATH + 10)) + "\n",
                        encoding="utf-8")

    def rspdsl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=300)

    # the inputs sit at the parser's limits: accepted as they are, refused a little longer
    assert rspdsl("check", str(deep)).returncode in (0, 1)
    assert "E0014" in rspdsl("check", str(too_long)).stdout
    for old, new in ((shallow, deep), (deep, shallow), (deep, deep)):
        r = rspdsl("diff", str(old), str(new), "--format", "json")
        assert r.returncode in (0, 1), r.stdout + r.stderr
        assert "E0900" not in r.stdout + r.stderr
        report = json.loads(r.stdout)
        if old == new:
            assert report["verdict"] == "equivalent"
        else:
            assert report["changes"]  # the two differ, and each change was replayed
