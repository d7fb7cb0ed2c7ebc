"""Language v2, part 1 (language-v2.md §1-3, §7): syntax, checking, fmt, and the meaning of runs.

Each run below is small enough to work out by hand; the expected values are written from the
contract's definitions, not from the implementation.
"""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from rspdsl.commands.fmt import format_text
from rspdsl.frontend import load_text
from rspdsl.runs import RunFileError, read_run
from rspdsl.semantics.run import evaluate_run

HEADER = 'policy "v2" version "1"\n'

SAMPLE = HEADER + """\
event incident "A serious incident becomes known"
authority ceo_rso "CEO and RSO" internal
metric effective_compute in [0, 1e12] unit x cumulative
judgement cbrn3_ruled_out reassuring set at assess by ceo_rso
safeguard asl3
action assess default permit
action notify default permit
action deploy
threshold big when not cbrn3_ruled_out
duty notify-commission "Art. 52(1)": notify within 14 days after big
duty report: notify within 2 days after incident
duty reapprove "4.3(5)": assess every 365 days while tier >= ASL-3
tier ASL-2 { }
tier ASL-3 when big {
  require asl3 for deploy
}
permit deploy
  when not overdue(notify-commission) and days_since(assess) <= 180 and effective_compute <= 4 * (effective_compute at assess)
assert fresh: allowed(deploy) implies done(assess)
"""


def policy(text: str = SAMPLE):
    result = load_text(text, "v2.rsp")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    return result.policy


def codes(body: str) -> list[tuple[str, int, int]]:
    result = load_text(HEADER + body, "bad.rsp")
    return [(d.code, d.span.line, d.span.column) for d in result.diagnostics if d.is_error]


# ---------------------------------------------------------------- syntax and checking

def test_every_new_form_checks_and_lands_in_the_model():
    p = policy()
    assert list(p.events) == ["incident"]
    assert p.authorities["ceo_rso"].standing == "internal"
    assert p.variables["effective_compute"].cumulative
    judged = p.variables["cbrn3_ruled_out"]
    assert (judged.set_at, judged.by, judged.reassuring) == ("assess", "ceo_rso", True)
    within = p.duties["notify-commission"]
    assert (within.kind, within.act, within.days, within.trigger, within.trigger_is_act) == \
        ("within", "notify", 14, "big", False)
    assert p.duties["report"].trigger_is_act
    assert p.duties["reapprove"].kind == "every" and p.duties["reapprove"].days == 365
    assert p.acts == ["assess", "notify", "deploy", "incident"]
    assert p.temporal


def test_sample_is_in_the_canonical_layout_and_round_trips():
    assert format_text(SAMPLE, "v2.rsp").text == SAMPLE


def test_at_is_parenthesised_next_to_arithmetic_and_comparisons():
    text = HEADER + "metric m in [0, 9]\naction a\ntier t { }\npermit a when m <= 4 * m at a and m at a > 1\n"
    out = format_text(text, "x.rsp").text
    assert "m <= 4 * (m at a) and (m at a) > 1" in out
    assert format_text(out, "x.rsp").text == out


def test_a_v1_policy_is_not_temporal():
    p = policy(HEADER + "metric m in [0, 1]\naction a\ntier t { }\npermit a when m > 0\n")
    assert not p.temporal and not p.duties and not p.events


def test_days_is_still_a_unit():
    p = policy(HEADER + "metric m in [0, 9] unit days\naction a\ntier t { }\npermit a when m > 1\n")
    assert p.variables["m"].unit == "days"


@pytest.mark.parametrize("body, expected", [
    # E0017: a modifier twice
    ("metric m in [0, 1] cumulative cumulative\naction a\ntier t { }\npermit a when m > 0\n",
     [("E0017", 2, 31)]),
    # E0401: days_since not against a constant
    ("metric m in [0, 1]\naction a\ntier t { }\npermit a when days_since(a) <= m\n", [("E0401", 5, 32)]),
    ("action a\ntier t { }\npermit a when days_since(a) + 1 > 2\n", [("E0401", 4, 15)]),
    # E0402: history inside `E at X`
    ("judgement j\naction a\ntier t { }\npermit a when (done(a) at a) and j\n", [("E0402", 5, 16)]),
    # E0403: history in a tier's when, directly or through a threshold; in a duty's clock
    ("action a\ntier t { }\ntier u when done(a) { }\n", [("E0403", 4, 13)]),
    ("action a default permit\nthreshold h when done(a)\ntier t { }\ntier u when h { }\n", [("E0403", 5, 13)]),
    ("action a default permit\nthreshold h when done(a)\nduty d: a within 3 days after h\ntier t { }\n",
     [("E0403", 4, 31)]),
    ("action a default permit\nduty d: a every 3 days while done(a)\ntier t { }\n", [("E0403", 3, 30)]),
    # E0405: modifiers on the wrong kind
    ("judgement j cumulative\nsafeguard s set at a\naction a\ntier t { }\npermit a when j and s\n",
     [("E0405", 2, 11), ("E0405", 3, 11)]),
    # wrong kinds and unknown names with did-you-mean
    ("judgement j by boss\naction a\ntier t { }\npermit a when j\n", [("E0103", 2, 16)]),
    ("action a\nduty d: a within 3 days after nothing\ntier t { }\n", [("E0103", 3, 31)]),
    ("judgement j\naction a\ntier t { }\npermit a when overdue(j)\n", [("E0104", 5, 23)]),
    # `recommend` and `waive` are reserved (language-v2.md §2)
    ("metric recommend in [0, 1]\naction a\ntier t { }\n", [("E0011", 2, 8)]),
])
def test_new_errors_point_at_the_culprit(body, expected):
    assert codes(body) == expected


def test_duty_and_event_used_as_values_get_a_hint():
    result = load_text(HEADER + "event e\naction a default permit\nduty d: a within 1 days after e\n"
                       "tier t { }\npermit a when e or d\n", "x.rsp")
    hints = [d.hint for d in result.diagnostics if d.code == "E0104"]
    assert hints == ["write `done(e)` to ask whether it happened at an earlier step",
                     "write `overdue(d)` to ask whether the duty is overdue"]


# ---------------------------------------------------------------- the meaning of runs

def run_of(p, lines):
    return read_run(p, [json.dumps(line) for line in lines])


START = {"effective_compute": 1, "cbrn3_ruled_out": True, "asl3": False}


def test_within_duty_from_a_threshold_onset_is_overdue_after_its_deadline():
    p = policy()
    steps = run_of(p, [
        {"day": 0, "state": START, "acts": ["assess"]},
        {"day": 10, "state": {"cbrn3_ruled_out": False}, "acts": ["assess"]},  # onset of `big`: due day 24
        {"day": 24},                                                           # 14 days: not yet overdue
        {"day": 25},                                                           # 15 days: overdue
        {"day": 26, "acts": ["notify"]},                                       # still overdue at this step
        {"day": 27},                                                           # discharged
    ])
    results = evaluate_run(p, steps)
    status = [(r.duties["notify-commission"].pending, r.duties["notify-commission"].overdue) for r in results]
    assert status == [(False, False), (True, False), (True, False), (True, True), (True, True), (False, False)]
    assert results[1].duties["notify-commission"].due == 24
    # overdue(notify-commission) forbids deploy exactly while it is overdue
    assert [r.decision.allowed["deploy"] for r in results] == [False, True, True, False, False, True]


def test_event_trigger_same_day_discharge_and_one_act_discharging_every_earlier_trigger():
    p = policy()
    steps = run_of(p, [
        {"day": 0, "state": START, "acts": ["incident"]},
        {"day": 1, "acts": ["incident"]},
        {"day": 2, "acts": ["notify"]},                   # discharges both incidents
        {"day": 5, "acts": ["incident", "notify"]},       # triggered and discharged at one step
        {"day": 9},
    ])
    report = [r.duties["report"] for r in evaluate_run(p, steps)]
    assert [(s.pending, s.overdue, s.due) for s in report] == [
        (True, False, 2), (True, False, 2), (True, False, 2), (True, False, 7), (False, False, None)]


def test_every_duty_restarts_at_onset_and_at_its_act():
    p = policy()
    steps = run_of(p, [
        {"day": 0, "state": START},                                          # tier ASL-2: no clock
        {"day": 100, "state": {"cbrn3_ruled_out": False}, "acts": ["assess"]},  # onset and act: due 465
        {"day": 465},
        {"day": 466},                                                        # overdue
        {"day": 500, "acts": ["assess"]},
        {"day": 501},                                                        # restarted at 500
    ])
    clocks = [r.duties["reapprove"] for r in evaluate_run(p, steps)]
    assert [(c.pending, c.overdue, c.due) for c in clocks] == [
        (False, False, None), (True, False, 465), (True, False, 465), (True, True, 465), (True, True, 465),
        (True, False, 865)]


def test_history_terms_see_strictly_earlier_steps():
    p = policy()
    steps = run_of(p, [
        {"day": 0, "state": START},
        {"day": 3, "acts": ["assess"]},
        {"day": 200, "state": {"effective_compute": 4}},
        {"day": 201, "state": {"effective_compute": 5}, "acts": ["assess"]},
        {"day": 202},
    ])
    results = evaluate_run(p, steps)
    # done(assess) is false at the step that assesses (an act never enables itself) ...
    assert [r.decision.assertions["fresh"] for r in results] == [True, True, True, True, True]
    # ... days_since(assess) <= 180: never before step 1 (+infinity), 0 at 3 -> 197 at 200
    # effective_compute <= 4 * (effective_compute at assess): 4 <= 4, then 5 > 4 at day 201
    assert [r.decision.allowed["deploy"] for r in results] == [False, False, False, False, True]


def test_at_reads_step_zero_when_the_act_never_happened():
    p = policy(HEADER + "metric m in [0, 9]\naction a\naction b default permit\ntier t { }\n"
                        "permit a when m > m at b\n")
    steps = run_of(p, [{"day": 0, "state": {"m": 1}}, {"day": 1, "state": {"m": 2}},
                       {"day": 2, "state": {"m": 3}, "acts": ["b"]}, {"day": 3, "state": {"m": 3}}])
    assert [r.decision.allowed["a"] for r in evaluate_run(p, steps)] == [False, True, True, False]


def test_breaches_are_forbidden_acts_overdue_duties_and_false_assertions():
    p = policy()
    steps = run_of(p, [{"day": 0, "state": START, "acts": ["deploy"]}])
    result = evaluate_run(p, steps)[0]
    assert result.forbidden_acts == ("deploy",) and result.breached


@pytest.mark.parametrize("lines, field, fragment", [
    ([{"day": 0, "state": START}, {"day": -1}], "day", "days are >= 0"),
    ([{"day": 5, "state": START}, {"day": 4}], "day", "goes backwards"),
    ([{"day": 0, "state": START}, {"day": 1, "state": {"effective_compute": 0}}],
     "state.effective_compute", "cumulative"),
    ([{"day": 0, "state": START}, {"day": 1, "state": {"cbrn3_ruled_out": False}}],
     "state.cbrn3_ruled_out", "set at `assess`"),
    ([{"day": 0, "state": START, "acts": ["launch"]}], "acts", "unknown act `launch`"),
    ([{"day": 0, "state": START, "acts": ["big"]}], "acts", "is a threshold"),
    ([{"day": 0, "state": START, "acts": ["notify", "notify"]}], "acts", "twice"),
    ([{"day": 0}], "state", "whole state"),
    ([{"day": 0, "state": START, "stat": 1}], "stat", "did you mean `state`"),
])
def test_bad_runs_name_line_and_field(lines, field, fragment):
    with pytest.raises(RunFileError) as caught:
        run_of(policy(), lines)
    err = caught.value.errors[-1]
    assert err.line == len(lines) and err.field == field and fragment in err.message


def test_every_bad_line_is_reported_at_once():
    lines = [{"day": 0, "state": START}, {"day": -1}, {"day": 1, "acts": ["x"]}, {"day": 2}]
    with pytest.raises(RunFileError) as caught:
        run_of(policy(), lines)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "day"), (3, "acts")]


# ---------------------------------------------------------------- eval --run

def rspdsl(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True,
                          input=stdin, timeout=60)


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "v2.rsp"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def write_run(tmp_path, lines) -> str:
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return str(path)


def test_eval_run_exit_codes_and_the_day_a_duty_became_overdue(sample, tmp_path):
    late = write_run(tmp_path, [{"day": 0, "state": START}, {"day": 10, "state": {"cbrn3_ruled_out": False},
                                                             "acts": ["assess"]}, {"day": 30}])
    proc = rspdsl("eval", str(sample), "--run", late, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["complies"] is False and out["first_breach"] == {"step": 2, "day": 30}
    assert out["steps"][2]["duties"]["notify-commission"] == {"status": "overdue", "due": 24}
    assert out["steps"][2]["breaches"] == [{"kind": "overdue_duty", "name": "notify-commission"}]
    text = rspdsl("eval", str(sample), "--run", late)
    assert text.returncode == 1 and "duty notify-commission: OVERDUE (due by day 24)" in text.stdout
    assert "first at step 2 (day 30)" in text.stdout
    fine = write_run(tmp_path, [{"day": 0, "state": START}, {"day": 10, "state": {"cbrn3_ruled_out": False},
                                                             "acts": ["assess", "notify"]}, {"day": 30}])
    proc = rspdsl("eval", str(sample), "--run", fine)
    assert proc.returncode == 0 and "complies" in proc.stdout


def test_eval_run_bad_input_exits_2_naming_line_and_field(sample, tmp_path):
    bad = write_run(tmp_path, [{"day": 0, "state": START}, {"day": 10, "state": {"effective_compute": 0}}])
    proc = rspdsl("eval", str(sample), "--run", bad)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}:2: error: `effective_compute` is cumulative and cannot decrease (1 then 0) " \
           "[state.effective_compute]" in proc.stderr


def test_a_state_alone_is_step_zero():
    from rspdsl.semantics.interpret import decide
    from rspdsl.state import read_state

    p = policy()
    state = read_state(p, START)
    first = evaluate_run(p, run_of(p, [{"day": 0, "state": START}]))[0].decision
    assert decide(p, state) == first
    assert first.allowed["deploy"] is False  # days_since(assess) is +infinity
    assert Fraction(first.tier) == 0
