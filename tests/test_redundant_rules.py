"""The reachability warning "never changes a decision": a rule whose removal changes no verdict.

For a forbid F of action A the target is F ∧ ¬⋁ other forbids of A ∧ (A default permit ∨ ⋁ permits
of A); for a permit P, A default deny ∧ P ∧ ¬⋁ other permits of A ∧ ¬⋁ forbids of A. When no state
reaches it, the rule is redundant and the warning names what covers it. Checked here on small
policies by hand, and on random policies against the evaluator with and without the rule.
"""
from __future__ import annotations

import dataclasses

import z3
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import well_typed_policy_text
from test_differential import EXAMPLES, SETTINGS, states

from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_text
from rspdsl.logic.obligations import build_obligations
from rspdsl.logic.prover import verify
from rspdsl.render.messages import result_details, result_message
from rspdsl.state import state_to_json

FINDING = "never changes a decision"


def _policy(text: str, base_tier: bool = True):
    # the base tier at the end, so rule lines stay as written in the tests
    loaded = load_text(text + ("tier Base { }\n" if base_tier else ""), "p.rsp")
    assert loaded.ok, loaded.diagnostics
    return loaded.policy


def _rule_results(policy) -> dict[int, object]:
    """Line of each rule -> its reachability result."""
    report = verify(policy)
    return {r.locations[0].span.line: r for r in report.results
            if r.property == "reachability" and r.subject.startswith(("permit ", "forbid "))}


# The second forbid holds only where the first does: it never changes a decision.
TWO_FORBIDS = """policy "p"
metric m in [0, 1]
safeguard s
action deploy default permit
forbid deploy when m >= 0.5
forbid deploy when m >= 0.7 and not s
"""

def _without(policy, rule):
    """The policy with `rule` removed (indices renumbered, as the checker numbers them)."""
    kept = [r for r in policy.rules if r is not rule]
    return dataclasses.replace(policy, rules=tuple(dataclasses.replace(r, index=i) for i, r in enumerate(kept)))


def test_a_forbid_covered_by_another_forbid():
    policy = _policy(TWO_FORBIDS)
    results = _rule_results(policy)
    assert results[5].status == "proved"
    redundant = results[6]
    assert (redundant.status, redundant.severity) == ("violated", "warning")
    assert redundant.subject == "forbid deploy #2"
    assert result_details(redundant) == {"finding": FINDING, "covered_by": ["forbid deploy (line 5)"]}
    assert "never changes a decision" in result_message(redundant)
    assert "deploy is already denied (by forbid deploy (line 5))" in result_message(redundant)
    # the witness illustrates it: the rule holds, and deploy is denied anyway
    state = redundant.witness.state
    decision = compile_policy(policy).decide(_read(policy, state))
    assert decision.rules_holding[1] and not decision.allowed["deploy"]


def test_a_forbid_covered_by_a_later_forbid():
    policy = _policy("""policy "p"
metric m in [0, 1]
safeguard s
action deploy default permit
forbid deploy when m >= 0.7 and not s
forbid deploy when m >= 0.5
""")
    results = _rule_results(policy)
    assert (results[5].status, result_details(results[5])["covered_by"]) == ("violated", ["forbid deploy (line 6)"])
    assert results[6].status == "proved"


def test_a_forbid_covered_by_default_deny():
    policy = _policy("""policy "p"
safeguard s
safeguard t
action deploy
permit deploy when s
forbid deploy when not s and t
""")
    result = _rule_results(policy)[6]
    assert result.status == "violated"
    assert result_details(result)["covered_by"] == ["no permit for deploy holds"]
    assert "because no permit for deploy holds" in result_message(result)


def test_a_forbid_covered_by_a_forbid_and_default_deny_together():
    policy = _policy("""policy "p"
metric m in [0, 1]
safeguard s
action deploy
permit deploy when s
forbid deploy when m >= 0.5
forbid deploy when m >= 0.7 or not s
""")
    results = _rule_results(policy)
    assert results[6].status == "proved"
    assert result_details(results[7])["covered_by"] == ["forbid deploy (line 6)", "no permit for deploy holds"]
    assert "(by forbid deploy (line 6), or because no permit for deploy holds)" in result_message(results[7])


def test_a_forbid_on_an_action_without_permits_is_redundant():
    # default deny and no permit: the action is never allowed, so no forbid of it decides anything
    policy = _policy("""policy "p"
safeguard s
action deploy
forbid deploy when not s
""")
    result = _rule_results(policy)[4]
    assert (result.status, result_details(result)["covered_by"]) == ("violated", ["no permit for deploy holds"])


def test_forbids_that_decide_are_not_flagged():
    policy = _policy("""policy "p"
metric m in [0, 1]
safeguard s
action deploy
action train default permit
permit deploy when s
forbid deploy when m >= 0.5
forbid deploy when m >= 0.7 and not s
forbid train when m >= 0.7
forbid train when m >= 0.5 and not s
""")
    results = _rule_results(policy)
    # line 8 is covered on its own (not s: no permit), but 6, 9 and 10 each decide somewhere
    assert {line: r.status for line, r in results.items()} == {
        6: "proved", 7: "proved", 8: "violated", 9: "proved", 10: "proved"}


def test_a_permit_covered_by_another_permit():
    policy = _policy("""policy "p"
safeguard s
safeguard t
action deploy
permit deploy when s
permit deploy when s and t
""")
    results = _rule_results(policy)
    assert results[5].status == "proved"
    redundant = results[6]
    assert (redundant.status, redundant.subject) == ("violated", "permit deploy #2")
    assert result_details(redundant) == {"finding": FINDING, "covered_by": ["permit deploy (line 5)"]}
    assert "deploy is already allowed by permit deploy (line 5)" in result_message(redundant)
    decision = compile_policy(policy).decide(_read(policy, redundant.witness.state))
    assert decision.rules_holding[1] and decision.rules_holding[0]


def test_a_permit_covered_by_a_permit_or_a_forbid():
    policy = _policy("""policy "p"
safeguard s
safeguard t
action deploy
permit deploy when s
forbid deploy when not s and t
permit deploy when s or t
""")
    results = _rule_results(policy)
    assert result_details(results[7])["covered_by"] == ["permit deploy (line 5)", "forbid deploy (line 6)"]
    assert "already allowed by permit deploy (line 5), or denied by forbid deploy (line 6)" in result_message(results[7])


def test_a_permit_of_a_default_permit_action_never_changes_a_decision():
    policy = _policy("""policy "p"
safeguard s
action train default permit
permit train when s
""")
    result = _rule_results(policy)[4]
    assert (result.status, result_details(result)) == ("violated", {"finding": FINDING})
    assert "`default permit`" in result_message(result)
    decision = compile_policy(policy).decide(_read(policy, result.witness.state))
    assert decision.rules_holding[0] and decision.allowed["train"]


def test_permits_that_decide_are_not_flagged():
    policy = _policy("""policy "p"
safeguard s
safeguard t
action deploy
permit deploy when s
permit deploy when t
forbid deploy when s and t
""")
    assert {line: r.status for line, r in _rule_results(policy).items()} == {5: "proved", 6: "proved", 7: "proved"}


def test_a_forbid_that_never_holds_is_reported_only_as_never_holding():
    policy = _policy("""policy "p"
metric m in [0, 1]
action deploy default permit
forbid deploy when m > 2
forbid deploy when m >= 0.5
""")
    results = _rule_results(policy)
    assert results[4].status == "violated"
    assert result_details(results[4]) == {"finding": "never holds"}
    assert results[4].witness is None
    assert results[5].status == "proved"


def test_the_exported_formula_agrees():
    """The SMT-LIB closed formula (sat = violated) includes the new target."""
    policy = _policy(TWO_FORBIDS)
    obs = build_obligations(policy, {"reachability"})
    verdicts = {}
    for ob in obs.obligations:
        solver = z3.Solver(ctx=obs.state.ctx)
        solver.add(ob.smt_formula())
        verdicts[ob.subject] = solver.check()
    assert (verdicts["forbid deploy #1"], verdicts["forbid deploy #2"]) == (z3.unsat, z3.sat)


def _read(policy, state_json: dict):
    from rspdsl.state import read_state
    return read_state(policy, state_json)


@settings(max_examples=max(10, EXAMPLES // 5), **SETTINGS)
@given(data=st.data(), text=well_typed_policy_text(max_vars=3))
def test_flagged_rules_change_no_verdict_and_the_others_do(data, text):
    """A rule flagged redundant decides every random state as the policy without it does; for a
    rule not flagged, the target's model is a state where the two policies' verdicts differ."""
    policy = _policy(text, base_tier=False)
    report = verify(policy, timeout_ms=5_000)
    by_line = {r.locations[0].span: r for r in report.results
               if r.property == "reachability" and r.subject.startswith(("permit ", "forbid "))}
    obligations = {ob.locations[0].span: ob for ob in build_obligations(policy, {"reachability"}).obligations}
    full = compile_policy(policy)
    for rule in policy.rules:
        result = by_line[rule.span]
        without = compile_policy(_without(policy, rule))
        if result.status == "violated" and result_details(result)["finding"] == FINDING:
            for _ in range(5):
                state = data.draw(states(policy))
                assert full.decide(state).allowed == without.decide(state).allowed, (rule, state)
        elif result.status == "proved":
            ob = obligations[rule.span]
            target = ob.targets[-1]
            assert target.label == FINDING
            solver = z3.Solver(ctx=ob.copies[0].ctx)
            solver.add(*ob.context, target.term())
            assert solver.check() == z3.sat
            state = _read(policy, state_to_json(policy, ob.copies[0].read(solver.model())))
            assert full.decide(state).allowed[rule.action] != without.decide(state).allowed[rule.action]
