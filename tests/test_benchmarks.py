"""Smoke test of benchmarks/: the generator makes policies that check clean, and every engine
(rspdsl, the hand-written baseline, Cedar and Rego when installed) decides the same states the
same way. No timing is asserted."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import baseline  # noqa: E402
import generate  # noqa: E402
import run  # noqa: E402
import translate  # noqa: E402

from rspdsl.evaluator import compile_policy  # noqa: E402
from rspdsl.frontend import load_text  # noqa: E402
from rspdsl.state import parse_json  # noqa: E402


def _policy(tiers: int):
    loaded = load_text(generate.generate(tiers), f"ladder-{tiers}.rsp")
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    assert not loaded.diagnostics
    return loaded.policy


@pytest.mark.parametrize("tiers", [2, 5])
def test_generated_ladder_has_the_requested_shape(tiers):
    policy = _policy(tiers)
    assert [t.name for t in policy.tiers] == [f"L-{k}" for k in range(tiers)]
    assert len(policy.thresholds) == 3 * (tiers - 1)
    assert len(policy.assertions) == tiers + 1


@pytest.mark.parametrize("tiers", [2, 4])
def test_generated_ladder_checks_clean(tiers):
    from rspdsl.logic.prover import verify

    report = verify(_policy(tiers), timeout_ms=20_000)
    bad = [(r.property, r.subject, r.status) for r in report.results if r.status != "proved"]
    assert bad == []


def test_states_are_valid_and_exercise_both_decisions():
    policy = _policy(4)
    evaluator = compile_policy(policy)
    lines = generate.generate_states(4, 300, seed=3)
    decisions = [json.loads(evaluator.decide_line(line)) for line in lines]
    allowed = [d["actions"]["deploy"]["allowed"] for d in decisions]
    assert 0 < sum(allowed) < len(allowed)
    with pytest.raises(ValueError):
        generate.ladder_spec(1)
    assert len({d["tier"] for d in decisions}) == 4  # every tier turns up


def test_the_hand_written_baseline_writes_rspdsls_lines_byte_for_byte():
    tiers = 4
    evaluator = compile_policy(_policy(tiers))
    lines = generate.generate_states(tiers, 400, seed=5)

    written: list[str] = []
    baseline.run(tiers, lines, written.append)
    assert "".join(written).splitlines() == [evaluator.decide_line(line) for line in lines]  # byte for byte
    for actions in (("deploy",), ("release_weights", "train"), ("deploy", "train", "release_weights")):
        written.clear()
        baseline.run(tiers, lines, written.append, actions)
        assert "".join(written).splitlines() == [evaluator.decide_line(line, actions=actions) for line in lines]



def _deploy_question(tiers: int = 4, count: int = 400):
    """The ladder, Cedar/Rego inputs for random states, and rspdsl's deploy decision on each."""
    policy = _policy(tiers)
    evaluator = compile_policy(policy)
    lines = generate.generate_states(tiers, count, seed=5)
    deploy = [json.loads(evaluator.decide_line(line))["actions"]["deploy"]["allowed"] for line in lines]
    contexts = [translate.convert_state(policy, parse_json(line)) for line in lines]
    assert 0 < sum(deploy) < len(deploy)  # both answers occur, so agreement means something
    return policy, contexts, deploy


def test_cedar_decides_deploy_as_rspdsl_does():
    cedarpy = pytest.importorskip("cedarpy")  # in the test extra: CI runs this
    policy, contexts, deploy = _deploy_question()
    results = cedarpy.is_authorized_batch([translate.cedar_request(c, "deploy") for c in contexts],
                                          translate.cedar_policies(policy, "deploy"), [])
    assert [r.decision == cedarpy.Decision.Allow for r in results] == deploy


def test_rego_decides_deploy_as_rspdsl_does():
    regopy = pytest.importorskip("regopy")  # in the test extra: CI runs this
    policy, contexts, deploy = _deploy_question()
    rego = regopy.Interpreter()
    rego.add_module("rsp.rego", translate.rego_module(policy, "deploy"))
    rego.set_input({"states": contexts})
    assert json.loads(str(rego.query("data.rsp.decisions")))["expressions"][0] == deploy


def test_the_layout_points_at_the_rules_and_requirements():
    text, layout = generate.ladder(3)
    lines = text.splitlines()
    assert lines[layout.rules["permit_deploy"] - 1].startswith("permit deploy")
    assert lines[layout.rules[("forbid_deploy", 2)] - 1].startswith("forbid deploy when tier >= L-2")
    line, column, commitment = layout.requirements[("interval", 2)]
    assert lines[line - 1][column - 1:].startswith(commitment + " for train, deploy")


def test_fixed_point_refuses_values_off_the_grid():
    assert translate.fixed_point(parse_json("0.25")) == 2500
    with pytest.raises(ValueError):
        translate.fixed_point(parse_json("0.00001"))


def test_the_harness_runs_end_to_end_in_a_tiny_mode(tmp_path, capsys):
    code = run.main(["--runs", "1", "--tiers", "2", "--states", "60", "--only", "scaling",
                     "--only", "throughput", "--workdir", str(tmp_path), "--json", str(tmp_path / "r.json")])
    assert code == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["throughput"]["agreement"] == []
    assert data["scaling"][0]["tiers"] == 2
    engines = data["throughput"]["engines"]
    assert engines[run.REFERENCE]["answers"] == "full result" and engines[run.BASELINE]["answers"] == "full result"
    assert engines[run.PROJECTED]["answers"] == "deploy only"
    assert engines[run.BASELINE_PROJECTED]["answers"] == "deploy only"
    out = capsys.readouterr().out
    assert "rspdsl eval --states --action deploy" in out
    if run.available("cedarpy"):  # the Cedar ratio is taken against the deploy-only projection
        assert engines["Cedar (cedarpy)"]["answers"] == "deploy only"
        assert "deploy only (the question Cedar answers): rspdsl --action deploy / Cedar (cedarpy)" in out


def test_compare_catches_a_wrong_line_or_projection():
    full = ['{"tier":"L-1","thresholds":{},"actions":{"train":{"allowed":true,"decided_by":null,"unmet":[]},'
            '"deploy":{"allowed":false,"decided_by":null,"unmet":[]}},"assertions":{}}']
    projected = ['{"tier":"L-1","thresholds":{},"actions":{"deploy":{"allowed":false,"decided_by":null,'
                 '"unmet":[]}},"assertions":{}}']
    raw = {run.REFERENCE: full, run.BASELINE: full, run.PROJECTED: projected, run.BASELINE_PROJECTED: projected}
    decisions = {label: [{"tier": "L-1", "deploy": False}] for label in raw}
    assert run.compare(raw, decisions, 1) == []
    wrong = [projected[0].replace('"unmet":[]', '"unmet":[{"line":1}]')]
    problems = run.compare({**raw, run.PROJECTED: wrong, run.BASELINE_PROJECTED: wrong}, decisions, 1)
    assert len(problems) == 1 and "not the full result without the other actions" in problems[0]
    problems = run.compare({**raw, run.BASELINE_PROJECTED: wrong}, decisions, 1)
    assert len(problems) == 1 and "hand-written Python, deploy only writes a different line" in problems[0]


def test_the_runs_benchmark_run_is_read_by_the_fast_reader_and_its_table_has_every_row(tmp_path):
    """benchmarks/runs.py: the run it times is one the generated line reader reads by itself
    (it measures the fast path, not the fallback), and its table names each row and target."""
    import runs

    from rspdsl.frontend import load_file
    from rspdsl.runs import read_run

    path = tmp_path / "run.jsonl"
    runs.write_run(path, 500)
    policy = load_file(str(runs.EXAMPLE)).policy
    reader = compile_policy(policy).run_line_reader()
    previous = None
    for line in path.read_text(encoding="utf-8").splitlines():
        previous = reader(line, previous)
        assert previous is not None, line
    assert len(read_run(policy, path.read_text(encoding="utf-8").splitlines(), read_line=reader)) == 500

    def stats(label, seconds):
        return run.Stats(label, seconds=[seconds])

    result = {"floor": stats("floor", 0.1), "checks": {"notify.rsp": stats("check", 0.25)},
              "eval": stats("eval", 1.0), "json": stats("json", 2.0), "steps": 100_000, "reader": "msgspec",
              "curve": {8: stats("depth 8", 1.0)}}
    table = runs.table(result)
    assert "| 100,000 steps/s | at least 50,000: met |" in table
    assert "eval --run --format json, 100,000 steps | 2.000 (2.000–2.000) | 50,000 steps/s | reported |" in table
    assert [row[0] for row in runs.summary_rows(result)][1:3] == [
        "eval --run on 100,000 steps", "eval --run --format json on 100,000 steps"]
