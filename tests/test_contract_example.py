"""The contract's example policy (completed with the declarations it leaves out) is verified:
every verdict is pinned, and every witness is replayed by `rspdsl eval` in a separate process."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import rspdsl
from rspdsl.state import dumps_exact

EXAMPLE = Path(__file__).resolve().parent / "golden" / "ok" / "contract-complete.rsp"

# `train` is `default permit` and only ASL-3 without asl3_security forbids it, so three of the
# commitments binding train are promises that no rule enforces: real findings, not noise.
EXPECTED = {
    ("mitigations", "train: asl2_security"): "violated",
    ("mitigations", "train: asl3_security"): "proved",
    ("mitigations", "train: reassessment_interval <= 6"): "violated",
    ("mitigations", "train: comprehensive_assessment"): "violated",
    ("mitigations", "deploy: asl2_security"): "proved",
    ("mitigations", "deploy: asl3_security"): "proved",
    ("mitigations", "deploy: asl3_deployment"): "proved",
    ("mitigations", "deploy: reassessment_interval <= 6"): "proved",
    ("mitigations", "release_weights: reassessment_interval <= 6"): "proved",
    ("consistency", "train"): "proved",
    ("consistency", "deploy"): "proved",
    ("consistency", "release_weights"): "proved",
    ("monotonic", "tier"): "proved",
    ("monotonic", "train"): "proved",
    ("monotonic", "deploy"): "proved",
    ("monotonic", "release_weights"): "proved",
    ("monotonic", "requirements"): "proved",
    ("reachability", "CBRN-3"): "proved",
    ("reachability", "AI-RD-4"): "proved",
    ("reachability", "ASL-2"): "proved",
    ("reachability", "require asl2_security"): "proved",
    ("reachability", "ASL-3"): "proved",
    ("reachability", "require asl3_security"): "proved",
    ("reachability", "require asl3_deployment"): "proved",
    ("reachability", "require reassessment_interval <= 6"): "proved",
    ("reachability", "permit deploy"): "proved",
    ("reachability", "forbid train"): "proved",
    ("reachability", "require comprehensive_assessment"): "proved",
    ("assert:no-weights-at-asl3", "no-weights-at-asl3"): "proved",
}


def test_every_verdict_of_the_contract_example():
    report = rspdsl.check(rspdsl.load(str(EXAMPLE)))
    assert {(r.property, r.subject): r.status for r in report.results} == EXPECTED
    assert report.exit_code() == 1


def test_every_witness_replays_in_a_separate_evaluator_process(tmp_path):
    report = rspdsl.check(rspdsl.load(str(EXAMPLE)))
    violated = [r for r in report.results if r.status == "violated"]
    assert violated
    for result in violated:
        state = tmp_path / "witness.json"
        state.write_text(dumps_exact(result.witness.state), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(EXAMPLE), "--state", str(state),
                               "--format", "json"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        decision = json.loads(proc.stdout)
        action, commitment = result.subject.split(": ", 1)
        assert decision["actions"][action]["allowed"] is True
        assert commitment in [u["text"] for u in decision["actions"][action]["unmet"]]
