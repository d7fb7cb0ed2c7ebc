"""The defect catalogue: for each property, small policies where it holds and where it is violated.

Policies live in tests/defects/<property>/{holds,violated}/*.rsp. For each file the test states
every result that is not "proved" (so a regression anywhere in the file shows), and every witness
is re-checked here, independently of the prover's own replay: read back from its STATE.json text
and decided by the concrete evaluator, it must exhibit the violation it is reported for.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest

from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_text
from rspdsl.logic.prover import verify
from rspdsl.render.messages import result_details, result_message
from rspdsl.state import dumps_exact, is_finite_decimal, read_state

DEFECTS = Path(__file__).parent / "defects"

# file -> every (property, subject) whose status is not "proved", with that status
EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    "mitigations/holds/guarded_permits.rsp": {},
    "mitigations/violated/tier_gap.rsp": {("mitigations", "deploy: asl3_security"): "violated"},
    "mitigations/violated/default_permit.rsp": {("mitigations", "train: assessment_done"): "violated"},
    "mitigations/violated/fractional_boundary.rsp": {("mitigations", "deploy: 3 * coverage >= 1"): "violated"},
    "mitigations/violated/duplicate_text.rsp": {("mitigations", "deploy: s (tier High)"): "violated",
                                                ("mitigations", "deploy: s (top level)"): "violated"},
    "consistency/holds/conditional_clash.rsp": {("monotonic", "requirements"): "violated"},
    "consistency/holds/response_tracks_input.rsp": {},
    "consistency/violated/interval_clash.rsp": {
        ("consistency", "deploy"): "violated",
        ("reachability", "permit deploy"): "violated"},
    "consistency/violated/safeguard_negation.rsp": {("consistency", "release"): "violated"},
    "consistency/violated/control_range.rsp": {("consistency", "deploy"): "violated"},
    "consistency/violated/scale_control.rsp": {
        ("consistency", "deploy"): "violated",
        ("mitigations", "deploy: protection >= high"): "violated",
        ("mitigations", "deploy: protection <= medium"): "violated",
        ("mitigations", "deploy: budget >= 2 * risk"): "violated"},
    "monotonic/holds/ladder.rsp": {},
    "monotonic/violated/band_tier.rsp": {("monotonic", "tier"): "violated",
                                         ("monotonic", "deploy"): "violated",
                                         ("monotonic", "requirements"): "violated"},
    "monotonic/violated/risk_permits.rsp": {("monotonic", "deploy"): "violated",
                                            ("monotonic", "train"): "violated"},
    "monotonic/violated/reassuring_reversed.rsp": {("monotonic", "requirements"): "violated"},
    "reachability/holds/ladder.rsp": {},
    "reachability/violated/shadowed_tier.rsp": {("reachability", "ASL-3"): "violated"},
    "reachability/violated/dead_rules.rsp": {
        ("reachability", "Never"): "violated",
        ("reachability", "Always"): "violated",
        ("reachability", "forbid deploy #1"): "violated",
        ("reachability", "permit deploy"): "violated",
        ("reachability", "require s"): "violated"},
    "assert/holds/stop_condition.rsp": {},
    "assert/violated/weights.rsp": {("assert:no-weights-at-asl3", "no-weights-at-asl3"): "violated"},
}

# the minimal clashing commitments each consistency violation must name
CORES = {
    "consistency/violated/interval_clash.rsp": {"reassessment_interval <= 6", "reassessment_interval >= 12"},
    "consistency/violated/safeguard_negation.rsp": {"open_weights", "not open_weights"},
    "consistency/violated/control_range.rsp": {"mitigation_level >= risk"},
    "consistency/violated/scale_control.rsp": {"protection >= high", "protection <= medium"},
}

def _load(rel: str):
    path = DEFECTS / rel
    loaded = load_text(path.read_text(encoding="utf-8"), str(path))
    assert loaded.ok, loaded.diagnostics
    return loaded.policy


@pytest.fixture(scope="module")
def reports():
    return {rel: verify(_load(rel), timeout_ms=20_000) for rel in EXPECTED}


def test_catalogue_is_complete():
    on_disk = {str(p.relative_to(DEFECTS)) for p in DEFECTS.rglob("*.rsp")}
    assert on_disk == set(EXPECTED)
    for prop in ("mitigations", "consistency", "monotonic", "reachability", "assert"):
        for verdict in ("holds", "violated"):
            assert any(rel.startswith(f"{prop}/{verdict}/") for rel in EXPECTED), (prop, verdict)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_verdicts(rel, reports):
    report = reports[rel]
    found = {(r.property, r.subject): r.status for r in report.results if r.status != "proved"}
    assert found == EXPECTED[rel]
    prop = rel.split("/")[0]
    mine = [r for r in report.results if r.property == prop or (prop == "assert" and r.property.startswith("assert:"))]
    assert mine, "the file must produce results for its own property"
    if "/holds/" in rel:
        assert all(r.status == "proved" for r in mine)
    else:
        assert any(r.status == "violated" for r in mine)
    errors = any(r.status == "violated" and r.severity == "error" for r in report.results)
    assert report.exit_code() == (1 if errors else 0)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_witnesses_replay(rel, reports):
    """Every witness, read back from its exact JSON text, exhibits the violation it is shown for."""
    policy = _load(rel)
    ev = compile_policy(policy)
    for res in reports[rel].results:
        if res.status != "violated":
            assert res.witness is None
            continue
        if res.witness is None:
            assert res.property == "reachability"  # "nothing reaches it" has no state to show
            continue
        wj = res.witness.to_json()
        for state_json in wj.values():
            for value in state_json.values():
                if isinstance(value, Fraction):
                    assert is_finite_decimal(value), (res.subject, value)
        decisions = [ev.decide(read_state(policy, dumps_exact(s))) for s in wj.values()]
        _check_claim(policy, res, decisions, wj)


def _requirement_at(policy, span):
    [req] = [r for r in policy.requirements if r.span == span]
    return req


def _check_claim(policy, res, decisions, wj):
    if res.property == "mitigations":
        action = res.subject.split(":")[0]
        req = _requirement_at(policy, res.locations[0].span)
        [d] = decisions
        assert d.allowed[action] and req.index in d.active[action] and not d.met[req.index]
    elif res.property == "consistency":
        [d] = decisions
        assert d.unmet(res.subject)
    elif res.property == "monotonic":
        lower, higher = (read_state(policy, dumps_exact(wj[k])) for k in ("lower", "higher"))
        for v in policy.variables.values():
            a, b = lower[v.name], higher[v.name]
            if not v.is_input:
                assert a == b
            elif v.sort == "bool":
                assert (b <= a) if v.reassuring else (a <= b)
            else:
                assert (a >= b) if v.reassuring else (a <= b)
        dl, dh = decisions
        if res.subject == "tier":
            assert dl.tier > dh.tier
        elif res.subject == "requirements":
            assert any(k not in dh.active[a] for a, ks in dl.active.items() for k in ks)
        else:
            assert dh.allowed[res.subject] and not dl.allowed[res.subject]
    elif res.property == "reachability":
        [d] = decisions
        [rule] = [r for r in policy.rules if r.span == res.locations[0].span]
        assert rule.effect == "permit" and d.rules_holding[rule.index] and not d.allowed[rule.action]
    else:
        [d] = decisions
        assert d.assertions[res.subject] is False
    assert dumps_exact(wj)  # the witness serialises exactly


@pytest.mark.parametrize("rel", sorted(CORES))
def test_consistency_core_is_minimal(rel, reports):
    [res] = [r for r in reports[rel].results if r.property == "consistency" and r.status == "violated"]
    assert set(result_details(res)["core"]) == CORES[rel]
    assert set(result_details(res)["inputs"]) == {v.name for v in _load(rel).inputs}


def test_bool_clash_holds_for_every_response():
    """With the inputs of the witness, no assignment of the (boolean) responses meets every
    active requirement: checked by enumeration with the evaluator, not the solver."""
    rel = "consistency/violated/safeguard_negation.rsp"
    policy = _load(rel)
    ev = compile_policy(policy)
    [res] = [r for r in verify(policy, properties={"consistency"}).results if r.status == "violated"]
    inputs = result_details(res)["inputs"]
    names = [v.name for v in policy.responses]
    for values in itertools.product((False, True), repeat=len(names)):
        state = read_state(policy, dumps_exact({**inputs, **dict(zip(names, values))}))
        assert ev.decide(state).unmet(res.subject)


def test_permit_never_allows_has_witness(reports):
    [res] = [r for r in reports["reachability/violated/dead_rules.rsp"].results
             if r.subject == "permit deploy"]
    assert res.severity == "warning" and result_details(res)["finding"] == "never allows"
    assert res.witness is not None and "forbid" in result_message(res)


def test_tier_errors_and_rule_warnings(reports):
    report = reports["reachability/violated/dead_rules.rsp"]
    assert report.exit_code() == 0  # warnings only
    severities = {r.subject: r.severity for r in report.results if r.property == "reachability"}
    assert severities["Base"] == "error"
    assert severities["Never"] == severities["require s"] == "warning"
    assert reports["reachability/violated/shadowed_tier.rsp"].exit_code() == 1


def test_unreachable_tiers_say_why(reports):
    [res] = [r for r in reports["reachability/violated/shadowed_tier.rsp"].results if r.subject == "ASL-3"]
    assert result_details(res)["why"] == "whenever its condition holds, a later tier holds too"
    policy = load_text('policy "p"\nmetric m in [0, 1]\naction a\ntier A { }\ntier B when m > 2 { }\n'
                       'tier C when m >= 0 { }\n', "t.rsp").policy
    why = {r.subject: result_details(r).get("why") for r in verify(policy, properties={"reachability"}).results}
    assert why == {"A": "some later tier holds in every state", "B": "its condition never holds", "C": None}
