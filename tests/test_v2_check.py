"""Proofs over runs (language-v2.md §5): a defect catalogue of policies about time, each with the
verdict worked out by hand, and every violating run replayed by `rspdsl eval --run`."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rspdsl.frontend import load_text
from rspdsl.logic.facts import DutyProblem, RunFacts, RunMethod
from rspdsl.logic.prover import verify
from rspdsl.render.messages import result_details, result_message
from rspdsl.runs import read_run
from rspdsl.semantics.run import evaluate_run
from rspdsl.state import dumps_exact

HEADER = 'policy "time" version "1"\n'


def results(body: str, **options):
    loaded = load_text(HEADER + body, "time.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics if d.is_error]
    report = verify(loaded.policy, **options)
    return loaded.policy, {(r.property, r.subject): r for r in report.results}


def replay(policy, result):
    """The witness run, read as `eval --run` reads it, evaluated by the definitional evaluator."""
    lines = [dumps_exact(step) for step in result.witness.to_json()["run"]]
    steps = read_run(policy, lines)
    return steps, evaluate_run(policy, steps)


STALE = """\
action assess default permit
action deploy
tier base { }
permit deploy when done(assess)
assert fresh "deploy only within 180 days of an assessment": allowed(deploy) implies days_since(assess) <= 180
"""


def test_a_stale_assessment_that_still_lets_deploy_through_is_found_as_a_run():
    policy, res = results(STALE)
    r = res[("assert:fresh", "fresh")]
    assert r.status == "violated" and r.witness.run is not None
    steps, replayed = replay(policy, r)
    assert "assess" in steps[0].acts and steps[-1].day - steps[0].day > 180
    assert replayed[-1].decision.assertions["fresh"] is False


def test_the_same_assertion_holds_when_the_rule_reads_the_clock():
    _, res = results(STALE.replace("permit deploy when done(assess)",
                                   "permit deploy when days_since(assess) <= 90"))
    assert res[("assert:fresh", "fresh")].status == "proved"


CARRIED = """\
action assess default permit
action deploy
judgement safe set at assess "the last assessment found the model safe"
tier base { }
permit deploy when safe
assert recent: allowed(deploy) implies days_since(assess) <= 30
"""


def test_a_carried_over_judgement_keeps_deploy_open_long_after_its_assessment():
    policy, res = results(CARRIED)
    r = res[("assert:recent", "recent")]
    assert r.status == "violated"
    steps, replayed = replay(policy, r)
    # the finding can only change where `assess` happens: the run carries it over
    for before, after in zip(steps, steps[1:]):
        assert after.state["safe"] == before.state["safe"] or "assess" in after.acts
    assert replayed[-1].decision.allowed["deploy"]


CUMULATIVE = """\
metric compute in [0, 1000] unit flop {cumulative}
action assess default permit
action train
tier base {{ }}
permit train when compute <= 4 * (compute at assess)
assert grows: (compute at assess) <= compute
"""


def test_a_cumulative_metric_makes_the_proof_go_through():
    _, res = results(CUMULATIVE.format(cumulative="cumulative"))
    assert res[("assert:grows", "grows")].status == "proved"


def test_without_cumulative_a_run_where_compute_falls_violates_it():
    policy, res = results(CUMULATIVE.format(cumulative=""))
    r = res[("assert:grows", "grows")]
    assert r.status == "violated"
    steps, replayed = replay(policy, r)
    assert steps[-1].state["compute"] < max(s.state["compute"] for s in steps[:-1])
    assert replayed[-1].decision.assertions["grows"] is False


BLOCKED = """\
event incident "a serious incident"
action report default permit
judgement investigation_open
tier base { }
forbid report when investigation_open
duty report-incident "report within 2 days": report within 2 days after incident
"""


def test_a_duty_blocked_by_a_forbid_cannot_always_be_met():
    policy, res = results(BLOCKED)
    r = res[("deadlines", "report-incident")]
    assert r.status == "violated" and r.severity == "error"
    steps, replayed = replay(policy, r)
    assert "incident" in set().union(*(s.acts for s in steps))
    assert replayed[-1].duties["report-incident"].pending
    assert replayed[-1].decision.allowed["report"] is False


def test_a_duty_whose_act_is_free_can_always_be_met_and_is_reported_self_enforced():
    _, res = results(BLOCKED.replace("forbid report when investigation_open\n", "")
                     .replace("judgement investigation_open\n", ""))
    assert res[("deadlines", "report-incident")].status == "proved"
    duty = res[("duties", "report-incident")]
    assert duty.status == "proved" and duty.severity == "warning" and duty.facts.self_enforced


def test_a_duty_that_is_never_in_force_is_a_warning():
    _, res = results("action notify\naction deploy\ntier base { }\npermit deploy\n"
                     "duty tell: notify within 3 days after deploy\n")
    duty = res[("duties", "tell")]
    assert duty.status == "violated" and duty.severity == "warning"
    assert duty.facts.problems == (DutyProblem.ACT_NEVER_ALLOWED,)
    assert result_message(duty) == "Duty tell is never in force: its act `notify` is never allowed."


def test_binding_a_duty_with_overdue_closes_the_gap_and_is_not_self_enforced():
    body = ("event incident\naction report default permit\naction deploy\ntier base { }\n"
            "duty tell: report within 2 days after incident\n"
            "permit deploy when not overdue(tell)\n"
            "assert bound: allowed(deploy) implies not overdue(tell)\n")
    _, res = results(body)
    assert res[("assert:bound", "bound")].status == "proved"
    assert res[("duties", "tell")].facts.self_enforced is False


def test_a_proof_for_every_run_that_no_bounded_search_could_give():
    # done(assess) gates deploy, so no run of any length deploys before an assessment
    _, res = results("action assess default permit\naction deploy\ntier base { }\n"
                     "permit deploy when done(assess)\nassert first: allowed(deploy) implies done(assess)\n",
                     depth=1)
    assert res[("assert:first", "first")].status == "proved"


def test_k_induction_proves_what_extended_states_cannot():
    # a is done only while allowed, and allowed only after b: so done(a) implies done(b) on every
    # run; in a free extended state done(a) and done(b) are unrelated (a violation there), no run
    # violates it, and one step of induction proves it
    _, res = results("action a\naction b default permit\ntier base { }\npermit a when done(b)\n"
                     "assert order: done(a) implies done(b)\n", depth=3)
    r = res[("assert:order", "order")]
    assert r.status == "proved" and r.facts.run == RunFacts(RunMethod.INDUCTION, 1)
    assert result_details(r) == {"method": "k-induction", "k": 1}


def test_unknown_when_no_run_of_the_depth_violates_and_induction_fails():
    # the forbid makes `s3 and done(assess)` reachable only through a chain of assessments, so
    # only runs longer than 2 steps violate it: at depth 2 the search finds none and induction
    # (the property is false) proves nothing: unknown, never proved; at depth 6 the run is found
    body = ("action assess default permit\naction deploy default permit\n"
            "judgement s1 set at assess\njudgement s2 set at assess\njudgement s3 set at assess\n"
            "tier base { }\n"
            "forbid assess when (s1 and not done(assess)) or (s2 and not (s1 at assess)) "
            "or (s3 and not (s2 at assess))\n"
            "assert short: not (s3 and done(assess))\n")
    _, res = results(body, depth=2)
    r = res[("assert:short", "short")]
    assert r.status == "unknown" and r.witness is None
    assert r.reason == "no violation in runs of up to 2 steps; not proved"
    assert result_details(r)["depth"] == 2
    _, deeper = results(body, depth=6)
    assert deeper[("assert:short", "short")].status == "violated"


def test_a_v1_policy_has_no_run_properties():
    _, res = results("metric m in [0, 1]\naction a\ntier t { }\npermit a when m > 0\n")
    assert not any(p in ("deadlines", "duties") for p, _ in res)


# ---------------------------------------------------------------- the CLI

def rspdsl(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_check_shows_the_run_and_eval_run_replays_it(tmp_path):
    path = tmp_path / "stale.rsp"
    path.write_text(HEADER + STALE, encoding="utf-8")
    proc = rspdsl("check", "--no-cache", str(path), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    found = [r for r in json.loads(proc.stdout)["files"][0]["results"] if r["property"] == "assert:fresh"]
    run = found[0]["witness"]["run"]
    (tmp_path / "run.jsonl").write_text("\n".join(json.dumps(step) for step in run) + "\n", encoding="utf-8")
    # (the JSON output's numbers are exact JSON: integers, decimals, or "p/q" strings)
    replayed = rspdsl("eval", str(path), "--run", str(tmp_path / "run.jsonl"), "--format", "json")
    assert replayed.returncode == 1
    assert json.loads(replayed.stdout)["steps"][-1]["breaches"] == [{"kind": "assertion", "name": "fresh"}]
    text = rspdsl("check", "--no-cache", str(path))
    assert "witness (a run, each act allowed where it is taken)" in text.stdout
    assert "rspdsl eval" in text.stdout and "--run run.jsonl" in text.stdout


@pytest.mark.parametrize("flag", ["0", "65", "x"])
def test_depth_is_bounded(tmp_path, flag):
    path = tmp_path / "stale.rsp"
    path.write_text(HEADER + STALE, encoding="utf-8")
    proc = rspdsl("check", str(path), "--depth", flag)
    assert proc.returncode == 2 and "depth" in proc.stderr


def test_an_extended_state_witness_shows_the_history_it_was_judged_with(tmp_path):
    body = ("safeguard s\naction assess default permit\naction deploy\ntier base { }\n"
            "require s for deploy when done(assess)\nrequire not s for deploy when days_since(assess) > 30\n"
            "permit deploy\n")
    _, res = results(body)
    clash = res[("consistency", "deploy")]
    assert clash.status == "violated"
    history = clash.witness.history
    assert set(history["done"]) == {"assess"} and history["done"]["assess"] > 30
    assert clash.witness.to_json()["history"] == history
    # the result cache stores and serves it unchanged
    path = tmp_path / "h.rsp"
    path.write_text(HEADER + body, encoding="utf-8")
    first = rspdsl("check", str(path), "--format", "json", "--property", "consistency")
    again = rspdsl("check", str(path), "--format", "json", "--property", "consistency")
    def deploy(proc):
        return next(r for r in json.loads(proc.stdout)["files"][0]["results"] if r["subject"] == "deploy")["witness"]

    assert deploy(again) == deploy(first) and "history" in deploy(again)


def test_consistency_keeps_the_history_in_bounds():
    """An extended state's past copies are within their bounds in every question, consistency's
    ∃∀ included: `ec at assess` for a metric bounded below by 1 never reads 1/2 (it did, and the
    witness failed to read back: an internal error instead of a verdict)."""
    body = ("metric ec in [1, 10] unit x cumulative\njudgement j\nsafeguard s\n"
            "action assess default permit\naction deploy default permit\ntier base { }\n"
            "require s for deploy when ec <= 2 * (ec at assess) and j\nrequire not s for deploy when j\n")
    _, res = results(body)
    r = res[("consistency", "deploy")]
    assert r.status == "violated" and r.witness.state["ec"] >= 1 and r.witness.state["j"] is True


def test_a_cumulative_response_that_went_too_high_blocks_a_duty_for_good():
    """Soundness: a cumulative response cannot come down, so once it passed the permit's limit the
    act stays forbidden. The extended-state stage must not prove the deadline by choosing a low
    value now (it did): the run search finds the run, and eval --run confirms it."""
    body = ("control spent in [0, 10] unit y cumulative\nevent incident\naction report\n"
            "tier base { }\npermit report when spent < 5\n"
            "duty tell: report within 2 days after incident\n")
    policy, res = results(body)
    r = res[("deadlines", "tell")]
    assert r.status == "violated"
    steps, replayed = replay(policy, r)
    assert replayed[-1].duties["tell"].pending and replayed[-1].decision.allowed["report"] is False
    assert steps[-1].state["spent"] >= 5


@pytest.mark.parametrize("name", ["anthropic-rsp-v3.rsp", "eu-ai-act-gpai.rsp"])
def test_every_per_step_violation_of_a_shipped_policy_about_time_is_shown_as_a_run(name):
    """The extended-state stage keeps no witness for a per-step violation (the run stage decides
    it): none may reach the report without its run, and a run that serves several findings (one
    replayed run reused) violates each of them."""
    from pathlib import Path

    from rspdsl.frontend import load_file
    path = Path(__file__).resolve().parent.parent / "policies" / name
    policy = load_file(str(path)).policy
    assert policy.temporal
    per_step = [r for r in verify(policy, timeout_ms=20_000).results
                if r.property == "mitigations" or r.property.startswith("assert:")]
    violated = [r for r in per_step if r.status == "violated"]
    assert violated, "a shipped policy with no violation tests nothing here"
    for r in violated:
        assert r.witness is not None and r.witness.run is not None, (r.property, r.subject)
        _, replayed = replay(policy, r)
        last = replayed[-1].decision
        if r.property.startswith("assert:"):
            assert last.assertions[r.property.split(":", 1)[1]] is False
        else:  # the very requirement (or recommendation) is in force and unmet while the action is allowed
            f = r.facts
            assert last.allowed[f.action], r.subject
            if f.recommended:
                ks = [k for k in last.advised.get(f.action, ()) if policy.recommendations[k].span.line == f.line]
                assert ks and not any(last.advice_met[k] for k in ks), r.subject
            else:
                ks = [k for k in last.active[f.action] if policy.requirements[k].span.line == f.line]
                assert ks and not any(last.met[k] for k in ks), r.subject
