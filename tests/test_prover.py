"""The prover: ordering, selection, tri-state results, seeds, exactness of witnesses, and replay."""
from __future__ import annotations

from fractions import Fraction

import pytest

from rspdsl.diagnostics import InternalError, Severity
from rspdsl.frontend import load_text
from rspdsl.logic import prover as prover_module
from rspdsl.logic.facts import Mitigation
from rspdsl.logic.prover import verify
from rspdsl.logic.results import Report, Result, Status
from rspdsl.logic.witness import decimal_candidates as _decimal_candidates
from rspdsl.render.messages import result_details, result_locations, result_message
from rspdsl.state import dumps_exact, read_state

POLICY = """
policy "Prover" version "1"
scale level { low, medium, high }
metric uplift in [0, 1]
metric bio : level
judgement concern
safeguard sec
control interval in [0, 24]
action deploy
action train default permit
threshold T3 when uplift >= 0.5 or bio >= high
tier Base { require sec for deploy }
tier High when T3 { require interval <= 6 for deploy, train }
permit deploy when sec and tier <= Base
forbid train when (tier >= High and interval > 6) or (concern and interval < 1)
require interval >= 1 for train when concern
assert second "deploy needs sec": allowed(deploy) implies sec
assert first: tier >= High implies not allowed(deploy)
"""


def _policy(text: str = POLICY):
    loaded = load_text(text, "p.rsp")
    assert loaded.ok, loaded.diagnostics
    return loaded.policy


def _key(report: Report):
    return [(r.property, r.subject, r.status, r.severity, result_message(r),
             dumps_exact(r.witness.to_json()) if r.witness else None, dumps_exact(result_details(r)))
            for r in report.results]


def test_results_come_in_contract_order():
    report = verify(_policy())
    props = [r.property for r in report.results]
    order = ["mitigations", "consistency", "monotonic", "reachability", "assert:second", "assert:first"]
    assert sorted(set(props), key=order.index) == order
    assert props == sorted(props, key=order.index)          # grouped by property, in that order
    mit = [r.subject for r in report.results if r.property == "mitigations"]
    assert mit == ["deploy: sec", "deploy: interval <= 6", "train: interval <= 6", "train: interval >= 1"]
    mono = [r.subject for r in report.results if r.property == "monotonic"]
    assert mono == ["tier", "deploy", "train", "requirements"]
    reach = [r.subject for r in report.results if r.property == "reachability"]
    assert reach == ["T3", "Base", "require sec", "High", "require interval <= 6", "permit deploy",
                     "forbid train", "require interval >= 1"]
    assert all(isinstance(r, Result) and r.seconds >= 0 for r in report.results)
    assert all(r.status == "proved" for r in report.results), [r for r in report.results if r.status != "proved"]
    assert report.exit_code() == 0


def test_selecting_properties():
    policy = _policy()
    assert {r.property for r in verify(policy, properties={"consistency"}).results} == {"consistency"}
    assert {r.property for r in verify(policy, properties={"assert"}).results} == {"assert:second", "assert:first"}
    only = verify(policy, properties={"assert:first", "monotonic"}).results
    assert {r.property for r in only} == {"assert:first", "monotonic"}
    assert verify(policy, properties=set()).results == ()


def test_no_leaks_between_obligations():
    """Checking everything together gives what checking each property alone gives (push/pop hygiene)."""
    policy = _policy(POLICY.replace("permit deploy when sec and tier <= Base", "permit deploy when sec"))
    together = _key(verify(policy))
    apart = []
    for prop in ("mitigations", "consistency", "monotonic", "reachability", "assert:second", "assert:first"):
        apart += _key(verify(policy, properties={prop}))
    assert [k[:4] for k in together] == [k[:4] for k in apart]
    assert any(k[2] == "violated" for k in together)


def test_same_seed_same_results():
    policy = _policy(POLICY.replace("permit deploy when sec and tier <= Base", "permit deploy when sec"))
    assert _key(verify(policy, seed=7)) == _key(verify(policy, seed=7))
    verdicts = {tuple(k[:3] for k in _key(verify(policy, seed=s))) for s in (0, 1, 2)}
    assert len(verdicts) == 1  # witnesses may differ between seeds, verdicts never


def _pigeonhole(n: int) -> str:
    """An assertion whose violation needs n+1 pigeons in n holes: hard for any SAT solver."""
    lines = ['policy "php"']
    lines += [f"safeguard p{i}_{j}" for i in range(n + 1) for j in range(n)]
    lines.append("action a")
    lines += [f"threshold P{i} when " + " or ".join(f"p{i}_{j}" for j in range(n)) for i in range(n + 1)]
    lines += [f"threshold H{j} when " + " and ".join(f"not (p{i}_{j} and p{k}_{j})"
                                                       for i in range(n + 1) for k in range(i + 1, n + 1))
              for j in range(n)]
    lines.append("tier T { }")
    lines.append("assert php: not (" + " and ".join([f"P{i}" for i in range(n + 1)] + [f"H{j}" for j in range(n)]) + ")")
    return "\n".join(lines)


def test_timeout_is_unknown_never_proved():
    policy = _policy(_pigeonhole(11))
    report = verify(policy, timeout_ms=100, properties={"assert:php"})
    [res] = report.results
    assert res.status == "unknown"
    assert result_details(res)["reason"] == "timeout"
    assert "Could not decide" in result_message(res) and res.witness is None
    assert report.exit_code() == 3


def test_unknown_from_the_solver_is_reported(monkeypatch):
    import z3

    def unknown(self, *assumptions):
        return z3.unknown
    monkeypatch.setattr(prover_module.Prover, "check", unknown)
    report = verify(_policy(), properties={"mitigations", "reachability", "monotonic"})
    assert {r.status for r in report.results} == {"unknown"}
    assert report.exit_code() == 3


def test_exit_code_precedence():
    def res(status, severity="error"):
        return Result("mitigations", "x", Status(status), Severity(severity), Mitigation("x", "s", 1))
    assert Report((res("unknown"), res("violated"))).exit_code() == 1
    assert Report((res("unknown"), res("violated", "warning"))).exit_code() == 3
    assert Report((res("proved"), res("violated", "warning"))).exit_code() == 0
    assert Report(()).exit_code() == 0


def test_disagreeing_evaluator_is_an_internal_error(monkeypatch):
    """If the definitional evaluator does not confirm a witness, the prover raises instead of reporting."""
    import dataclasses

    from rspdsl.semantics import interpret

    policy = _policy(POLICY.replace("permit deploy when sec and tier <= Base", "permit deploy when sec"))
    real_decide = interpret.decide

    def lying(policy, state):
        d = real_decide(policy, state)
        return dataclasses.replace(d, allowed={a: False for a in d.allowed})
    monkeypatch.setattr(interpret, "decide", lying)
    with pytest.raises(InternalError):
        verify(policy, properties={"mitigations"})


def test_non_decimal_witness_falls_back_to_a_fraction():
    policy = _policy('policy "third"\ncontrol c in [0, 1]\nsafeguard s\naction deploy\ntier T { }\n'
                     'require s for deploy\npermit deploy when 3 * c == 1\n')
    [res] = verify(policy, properties={"mitigations"}).results
    assert res.status == "violated"
    state = res.witness.to_json()["state"]
    assert state["c"] == Fraction(1, 3)
    text = dumps_exact(res.witness.to_json())
    assert '"1/3"' in text
    assert read_state(policy, dumps_exact(state))["c"] == Fraction(1, 3)


def test_decimal_pinning_prefers_short_nearby_decimals():
    # fewest places first (whole numbers too, as the differ always preferred), the nearer first
    assert _decimal_candidates(Fraction(1, 3), Fraction(0), Fraction(1))[:6] == [
        Fraction(0), Fraction(1), Fraction(3, 10), Fraction(4, 10), Fraction(33, 100), Fraction(34, 100)]
    assert _decimal_candidates(Fraction(7, 3), Fraction(0), Fraction(2)) == [Fraction(2)]  # within bounds
    assert all(c <= Fraction(1, 3) for c in _decimal_candidates(Fraction(1, 3), None, Fraction(1, 3)))


def test_consistency_with_a_scale_input():
    policy = _policy('policy "scale"\nscale level { low, medium, high }\nmetric bio : level\n'
                     'control c in [0, 1]\nsafeguard s\naction deploy\ntier T { }\n'
                     'require c >= 0.5 for deploy when bio >= high\n'
                     'require c <= 0.2 for deploy when bio >= medium\n'
                     'require s for deploy\n')
    [res] = verify(policy, properties={"consistency"}).results
    assert res.status == "violated"
    assert result_details(res)["inputs"] == {"bio": "high"}
    assert set(result_details(res)["core"]) == {"c >= 0.5", "c <= 0.2"}
    assert res.witness.to_json()["state"]["bio"] == "high"
    # a violation points at the action, then at exactly the clashing commitments
    assert [loc.message for loc in result_locations(res)] == ["the action"] + ["a clashing commitment"] * 2
    assert sorted(loc.span.line for loc in res.locations[1:]) == [8, 9]


def test_consistency_is_decided_per_action_when_the_actions_together_clash():
    """The prover first asks whether any inputs leave every response violating some action's
    commitments (one check for all); here each action can be served, but not both by the same
    responses, so that group check finds "a clash" and each action must still be proved on its own.
    A third action's own clash is still found."""
    policy = _policy('policy "group"\ncontrol c in [0, 1]\naction train\naction deploy\naction share\n'
                     'tier T { }\nrequire c >= 0.5 for train\nrequire c <= 0.2 for deploy\n'
                     'require c >= 0.9 for share\nrequire c <= 0.1 for share\n')
    status = {r.subject: r.status for r in verify(policy, properties={"consistency"}).results}
    assert status == {"train": "proved", "deploy": "proved", "share": "violated"}
    consistent = _policy('policy "group"\ncontrol c in [0, 1]\naction train\naction deploy\ntier T { }\n'
                         'require c >= 0.5 for train\nrequire c <= 0.7 for deploy\n')
    from rspdsl.logic.obligations import build_obligations
    obligations = build_obligations(consistent, {"consistency"}).obligations
    prover = prover_module.Prover(consistent, ctx=obligations[0].copies[0].ctx)
    prover.prefilter(obligations)
    assert len(prover._proved_early) == 2   # one group check proved both


def test_policy_without_actions_or_variables():
    report = verify(_policy('policy "empty"\ntier Only { }\nthreshold never when false\n'))
    subjects = {(r.property, r.subject): r.status for r in report.results}
    assert subjects[("reachability", "Only")] == "proved"
    assert subjects[("reachability", "never")] == "violated"
    assert subjects[("monotonic", "tier")] == "proved"
    assert report.exit_code() == 0


def test_check_diff_and_baseline_replay_every_witness_through_one_function(monkeypatch):
    """rspdsl.logic.witness.decide is the one call to the reference semantics: make it lie, and
    check, diff and baseline each refuse their witnesses (InternalError) instead of showing them."""
    from dataclasses import replace

    from rspdsl.analyses import baseline as bl
    from rspdsl.analyses.diff import diff_policies
    from rspdsl.frontend import load_text
    from rspdsl.logic import witness

    text = ('policy "P"\nmetric m in [0, 1]\nsafeguard s\naction go\ntier low { }\n'
            'tier high when m >= 0.5 { require s for go }\npermit go\nassert x: not allowed(go)\n')
    policy = _policy(text)
    stricter = _policy(text.replace("permit go\n", "permit go when m < 0.25\n"))
    checked = verify(policy, properties={"mitigations", "assert"})   # the truth, before the lie
    assert {r.status for r in checked.results} == {"violated"}
    base = _policy('policy "B"\naction go\ntier t { }\nassert never: not allowed(go)\n')
    translation, problems = bl.translate(base, load_text(text, "p.rsp"))
    assert translation is not None and not problems

    real = witness.decide

    def lying(policy, state):
        d = real(policy, state)
        return replace(d, allowed={a: not v for a, v in d.allowed.items()},
                       assertions={n: True for n in d.assertions})
    monkeypatch.setattr(witness, "decide", lying)
    with pytest.raises(InternalError):
        verify(policy, properties={"mitigations"})
    with pytest.raises(InternalError):
        verify(policy, properties={"assert"})
    with pytest.raises(InternalError):
        diff_policies(policy, stricter)
    with pytest.raises(InternalError):
        bl.check_translation(translation, "b.rsp")
