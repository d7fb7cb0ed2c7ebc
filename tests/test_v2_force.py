"""Language v2, part 2 (language-v2.md §4): `recommend`, `waive`, and `max`/`min` over a scale."""
from __future__ import annotations

import json

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_v2 import force_policies, force_states

from rspdsl.commands.fmt import format_text
from rspdsl.evaluator import compile_policy, decision_to_json
from rspdsl.frontend import load_text
from rspdsl.logic.prover import verify
from rspdsl.semantics.interpret import decide
from rspdsl.state import dumps_exact, read_state, state_to_json

HEADER = 'policy "force" version "1"\n'

POLICY = HEADER + """\
scale level { low, medium, high }
metric bio : level
metric cyber : level
judgement rival_shipped "another developer shipped a comparable model"
judgement risk_not_increased
safeguard high_safeguards
safeguard sl4_security
action deploy
action train default permit
threshold High when max(bio, cyber) >= high
tier base { }
tier elevated when High {
  require high_safeguards for deploy, train
  recommend sl4_security for deploy "field-wide recommendation (2.2)"
}
permit deploy when high_safeguards or not High
waive high_safeguards for deploy when rival_shipped and risk_not_increased "4.3: marginal risk"
"""


def load(text=POLICY):
    result = load_text(text, "force.rsp")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    return result.policy


def state(p, **values):
    base = {"bio": "low", "cyber": "low", "rival_shipped": False, "risk_not_increased": False,
            "high_safeguards": False, "sl4_security": False}
    return read_state(p, {**base, **values})


def test_the_policy_is_in_the_canonical_layout():
    assert format_text(POLICY, "force.rsp").text == POLICY


def test_model_keeps_recommendations_apart_and_matches_the_waiver():
    p = load()
    assert [r.text for r in p.requirements] == ["high_safeguards", "high_safeguards"] or \
        [r.text for r in p.requirements] == ["high_safeguards"]
    assert [(r.text, r.force, r.actions) for r in p.recommendations] == [("sl4_security", "recommend", ("deploy",))]
    (w,) = p.waivers
    assert (w.commitments, w.requirements, w.actions) == (("high_safeguards",), (0,), ("deploy",))


def test_a_waiver_lifts_the_requirement_for_its_actions_only_while_it_holds():
    p = load()
    high = state(p, bio="high")
    assert decide(p, high).active == {"deploy": (0,), "train": (0,)}
    waived = state(p, bio="high", rival_shipped=True, risk_not_increased=True)
    assert decide(p, waived).active == {"deploy": (), "train": (0,)}
    assert decide(p, state(p, bio="high", rival_shipped=True)).active["deploy"] == (0,)


def test_a_recommendation_is_advice_not_a_requirement():
    p = load()
    d = decide(p, state(p, bio="high", high_safeguards=True))
    assert d.unmet("deploy") == () and [r.text for r in d.unheeded("deploy")] == ["sl4_security"]
    out = decision_to_json(p, d)
    assert out["actions"]["deploy"]["unheeded"] == [{"line": 15, "column": 13, "text": "sl4_security"}]


def test_v1_json_has_no_unheeded_key():
    p = load(HEADER + "safeguard s\naction a\ntier t { }\npermit a when s\n")
    assert "unheeded" not in decision_to_json(p, decide(p, read_state(p, {"s": True})))["actions"]["a"]


def test_the_compiled_evaluator_knows_waivers_and_recommendations():
    p = load()
    evaluator = compile_policy(p)
    assert evaluator._full is not None  # compiled, not left to the interpreter
    waived = state(p, bio="high", rival_shipped=True, risk_not_increased=True)
    assert evaluator.decide(waived) == decide(p, waived)
    assert evaluator.decide(waived).unmet("deploy") == ()  # the waiver lifted high_safeguards
    advised = state(p, bio="high", high_safeguards=True)
    assert [r.text for r in evaluator.decide(advised).unheeded("deploy")] == ["sl4_security"]
    # the batch path writes the same line as the reference JSON, "unheeded" included
    line = dumps_exact(state_to_json(p, advised))
    assert json.loads(evaluator.decide_line(line)) == decision_to_json(p, decide(p, advised))


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_paths_agree_with_the_interpreter_on_waivers_and_recommendations(data):
    """Differential: on random policies with waivers and recommendations, the compiled `_full`
    (eval --state, runs) and the batch `_line` (eval --states, for every projection of actions)
    decide every state as the definitional evaluator does."""
    text = data.draw(force_policies())
    p = load(text)
    evaluator = compile_policy(p)
    assert evaluator._full is not None, text
    for raw in data.draw(st.lists(force_states(), min_size=1, max_size=6)):
        s = read_state(p, raw)
        want = decide(p, s)
        assert evaluator.decide(s) == want, (text, raw)
        assert evaluator.decide(s).active == want.active and evaluator.decide(s).advised == want.advised
        line = json.dumps(raw)
        # (integers only here, so parsing both sides loses nothing)
        whole = evaluator.line_function()(line)  # the generated line itself, never the fallback
        assert whole is not None and json.loads(whole) == decision_to_json(p, want), (text, raw)
        projection = data.draw(st.lists(st.sampled_from(list(p.actions)), unique=True))
        some = evaluator.line_function(projection)(line)
        assert some is not None and json.loads(some) == decision_to_json(p, want, projection), (text, raw)


def test_check_reports_recommendations_as_warnings_and_the_waiver_as_a_monotonic_drop():
    p = load()
    results = {(r.property, r.subject): r for r in verify(p).results}
    advice = results[("mitigations", "deploy: sl4_security (recommended)")]
    assert advice.status == "violated" and advice.severity == "warning"
    # the permit needs high_safeguards unless waived: mitigations holds only because of it
    assert results[("mitigations", "deploy: high_safeguards")].status == "proved"
    drop = results[("monotonic", "requirements")]
    assert drop.status == "violated"  # a rival shipping (an input rising) switches the requirement off
    assert drop.witness.higher["rival_shipped"] is True


def test_recommendations_take_no_part_in_consistency():
    text = HEADER + ("safeguard s\naction a\ntier t { }\npermit a\nrequire s for a\n"
                     "recommend not s for a\n")
    p = load(text)
    results = {(r.property, r.subject): r for r in verify(p).results}
    assert results[("consistency", "a")].status == "proved"
    assert results[("mitigations", "a: not s (recommended)")].severity == "warning"


@pytest.mark.parametrize("body, code, fragment", [
    ("safeguard s\nsafeguard t\naction a\ntier b { }\nrequire s for a\npermit a\nwaive ss for a when true\n",
     "E0406", "did you mean `s`?"),
    ("safeguard s\naction a\naction b default permit\ntier x { }\nrequire s for a\npermit a\n"
     "waive s for b when true\n", "E0406", "no waived commitment is required for `b`"),
    ("scale l { lo, hi }\nscale k { x, y }\nmetric m : l\nmetric n : k\naction a\ntier t { }\n"
     "permit a when max(m, n) >= hi\n", "E0203", "scale `l`"),
    ("scale l { lo, hi }\nmetric m : l\nmetric r in [0, 1]\naction a\ntier t { }\npermit a when max(m, r) >= hi\n",
     "E0201", "cannot take a number"),
])
def test_force_errors(body, code, fragment):
    result = load_text(HEADER + body, "bad.rsp")
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == [code]
    assert fragment in (errors[0].message + " " + (errors[0].hint or ""))


def test_scale_max_is_the_highest_value():
    p = load()
    assert decide(p, state(p, cyber="high")).thresholds["High"] is True
    assert decide(p, state(p, bio="medium", cyber="medium")).thresholds["High"] is False


# ---------------------------------------------------------------- diff (language v2)

def diff_of(old_text: str, new_text: str):
    from rspdsl.analyses.diff import diff_policies

    return diff_policies(load(old_text), load(new_text))


DUTY = HEADER + """\
event incident
action report default permit
action deploy
tier base { }
duty tell "report within 2 days": report within 2 days after incident
permit deploy when not overdue(tell)
"""


def test_diff_reports_a_longer_deadline_and_a_dropped_gate_as_weakenings():
    from rspdsl.analyses.diff.report import ForceDetail

    report = diff_of(DUTY, DUTY.replace("within 2 days", "within 5 days")
                     .replace("permit deploy when not overdue(tell)", "permit deploy"))
    details = {(f.kind, f.detail) for f in report.force}
    assert ("weakening", ForceDetail.DEADLINE) in details and ("weakening", ForceDetail.UNGATED) in details
    assert report.verdict in ("weaker", "incomparable") and report.exit_code() == 1


def test_diff_searches_duty_runs_with_its_own_time_limit_and_seed(monkeypatch):
    """`rspdsl diff --timeout/--seed` bound the duty-run searches too (they had a fixed 5 s, seed 0)."""
    from rspdsl.analyses.diff import diff_policies
    from rspdsl.analyses.diff import force as force_module

    asked = []
    for name in ("looser_run", "ungated_run"):
        real = getattr(force_module, name)

        def spy(*args, real=real, **kwargs):
            asked.append((kwargs.get("timeout_ms"), kwargs.get("seed")))
            return real(*args, **kwargs)
        monkeypatch.setattr(force_module, name, spy)
    new = DUTY.replace("within 2 days", "within 5 days").replace("permit deploy when not overdue(tell)", "permit deploy")
    report = diff_policies(load(DUTY), load(new), timeout_ms=4321, seed=7)
    assert any(f.witness for f in report.force)
    assert len(asked) >= 2 and set(asked) == {(4321, 7)}


def test_diff_reports_a_removed_duty_and_an_authority_turned_internal():
    from rspdsl.analyses.diff.report import ForceDetail

    old = DUTY + 'authority lab "the lab\'s evaluators" external\njudgement j by lab\nforbid report when j\n'
    new = DUTY.replace('duty tell "report within 2 days": report within 2 days after incident\n', "") \
        .replace("permit deploy when not overdue(tell)", "permit deploy") \
        + 'authority lab "the lab\'s evaluators" internal\njudgement j by lab\nforbid report when j\n'
    report = diff_of(old, new)
    found = {(f.kind, f.entity, f.detail) for f in report.force}
    assert ("weakening", "duty", ForceDetail.REMOVED) in found
    assert ("weakening", "authority", ForceDetail.STANDING) in found
    assert ("weakening", "judgement", ForceDetail.DECIDED_BY) in found


def test_a_new_waiver_is_a_requirement_weakening_with_a_witness():
    report = diff_of(POLICY.replace('waive high_safeguards for deploy when rival_shipped and risk_not_increased '
                                    '"4.3: marginal risk"\n', ""), POLICY)
    weak = [c for c in report.weakenings if c.aspect == "requirement"]
    assert weak and weak[0].state["rival_shipped"] is True and weak[0].state["risk_not_increased"] is True


def test_require_turned_recommend_is_a_requirement_weakening():
    old = HEADER + "safeguard s\naction a\ntier t { }\npermit a\nrequire s for a\n"
    report = diff_of(old, old.replace("require s for a", "recommend s for a"))
    assert [c.aspect for c in report.weakenings] == ["requirement"]


def test_diff_of_a_temporal_policy_with_itself_is_equivalent():
    report = diff_of(DUTY, DUTY)
    assert report.verdict == "equivalent" and not report.force


def _replay(policy_text: str, run: list, tmp_path, name: str) -> dict:
    """`rspdsl eval FILE --run` on a witness run: the last step's duties, as the CLI reports them."""
    import subprocess
    import sys
    policy, steps = tmp_path / f"{name}.rsp", tmp_path / f"{name}.jsonl"
    policy.write_text(policy_text, encoding="utf-8")
    steps.write_text("".join(dumps_exact(step) + "\n" for step in run), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(policy), "--run", str(steps),
                           "--format", "json"], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["steps"][-1]["duties"]


def test_a_longer_deadline_comes_with_a_run_late_under_old_only(tmp_path):
    from rspdsl.analyses.diff.report import ForceDetail

    new = DUTY.replace("within 2 days", "within 5 days")
    [change] = [f for f in diff_of(DUTY, new).force if f.detail == ForceDetail.DEADLINE]
    assert change.kind == "weakening" and change.witness is not None
    assert _replay(DUTY, change.witness["old"], tmp_path, "old")["tell"]["status"] == "overdue"
    assert _replay(new, change.witness["new"], tmp_path, "new")["tell"]["status"] != "overdue"
    # and the other way round, a shorter deadline: a run late under NEW only
    [back] = [f for f in diff_of(new, DUTY).force if f.detail == ForceDetail.DEADLINE]
    assert back.kind == "strengthening"
    assert _replay(DUTY, back.witness["new"], tmp_path, "tight")["tell"]["status"] == "overdue"
    assert _replay(new, back.witness["old"], tmp_path, "loose")["tell"]["status"] != "overdue"


def test_a_changed_trigger_is_judged_by_runs_both_ways(tmp_path):
    """`after incident` -> `after deploy`: each clock misses what the other catches, so the change
    is both a weakening and a strengthening, each with its run; an identical clock under another
    spelling is judged equal (no run tells them apart)."""
    from rspdsl.analyses.diff.report import ForceDetail

    new = DUTY.replace("after incident", "after deploy")
    changes = [f for f in diff_of(DUTY, new).force if f.detail == ForceDetail.CLOCK]
    assert {f.kind for f in changes} == {"weakening", "strengthening"}
    for f in changes:
        strict, lax = ("old", "new") if f.kind == "weakening" else ("new", "old")
        texts = {"old": DUTY, "new": new}
        assert _replay(texts[strict], f.witness[strict], tmp_path, strict)["tell"]["status"] == "overdue"
        assert _replay(texts[lax], f.witness[lax], tmp_path, lax)["tell"]["status"] != "overdue"
    # `every` with a `while` that says the same thing twice: the clocks agree on every short run
    every = HEADER + "judgement open\naction review default permit\ntier base { }\n" \
        "duty r: review every 30 days while open\n"
    same = every.replace("while open", "while open and open")
    [listed] = [f for f in diff_of(every, same).force if f.detail == ForceDetail.CLOCK]
    assert listed.kind is None and listed.witness is None


def test_a_removed_duty_comes_with_a_run_late_under_old(tmp_path):
    from rspdsl.analyses.diff.report import ForceDetail

    new = DUTY.replace('duty tell "report within 2 days": report within 2 days after incident\n', "") \
        .replace("permit deploy when not overdue(tell)", "permit deploy")
    [gone] = [f for f in diff_of(DUTY, new).force if f.detail == ForceDetail.REMOVED]
    assert _replay(DUTY, gone.witness["old"], tmp_path, "old")["tell"]["status"] == "overdue"
    assert "tell" not in _replay(new, gone.witness["new"], tmp_path, "new")


def test_a_dropped_overdue_gate_comes_with_a_run_where_new_allows_what_old_forbids(tmp_path):
    import subprocess
    import sys

    from rspdsl.analyses.diff.report import ForceDetail

    new = DUTY.replace("permit deploy when not overdue(tell)", "permit deploy")
    [ungated] = [f for f in diff_of(DUTY, new).force if f.detail == ForceDetail.UNGATED]
    assert ungated.kind == "weakening" and ungated.witness is not None
    assert _replay(DUTY, ungated.witness["old"], tmp_path, "old")["tell"]["status"] == "overdue"
    last = {}
    for side, text in (("old", DUTY), ("new", new)):
        (tmp_path / f"{side}.rsp").write_text(text, encoding="utf-8")
        (tmp_path / f"{side}.jsonl").write_text("".join(dumps_exact(s) + "\n" for s in ungated.witness[side]),
                                                encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(tmp_path / f"{side}.rsp"), "--run",
                               str(tmp_path / f"{side}.jsonl"), "--format", "json"], capture_output=True, text=True)
        last[side] = json.loads(done.stdout)["steps"][-1]["actions"]["deploy"]["allowed"]
    assert last == {"old": False, "new": True}
    [gated] = [f for f in diff_of(new, DUTY).force if f.detail == ForceDetail.GATED]
    assert gated.kind == "strengthening" and gated.witness is not None


def test_a_semantic_change_of_a_temporal_policy_shows_the_history_its_witness_assumed():
    """The permission gained when a rule stops reading overdue(D) holds only for a history where D
    is overdue: the change carries that history (text and JSON), joined from both revisions."""
    from rspdsl.render.diff_out import change_to_json, render_text

    report = diff_of(DUTY, DUTY.replace("permit deploy when not overdue(tell)", "permit deploy"))
    [gained] = [c for c in report.weakenings if c.aspect == "permission"]
    assert gained.history is not None and gained.history["overdue"] == ["tell"]
    assert change_to_json(gained)["witness"]["history"]["overdue"] == ["tell"]
    assert "overdue: tell" in render_text(report)
