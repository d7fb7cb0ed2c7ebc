"""Every stage handles whatever the parser accepts: `diff` and baseline map files once failed
with E0900 (RecursionError) on long `implies`/`or` chains that `check` accepts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N = 1900  # the parser accepts chains up to 2,000 operands along one path (E0014 beyond)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True, timeout=300)


def chain_policy(op: str) -> str:
    body = f" {op} ".join(["j"] * N)
    return f'policy "P"\njudgement j\naction a\ntier t {{ }}\npermit a when {body}\n'


@pytest.mark.parametrize("old_op, new_op", [("implies", "or"), ("or", "and"), ("and", "implies")])
def test_diff_of_long_chains_answers(tmp_path, old_op, new_op):
    old, new = tmp_path / "old.rsp", tmp_path / "new.rsp"
    old.write_text(chain_policy(old_op), encoding="utf-8")
    new.write_text(chain_policy(new_op), encoding="utf-8")
    checked = run("check", "--no-cache", str(old))
    assert checked.returncode in (0, 1) and "E0900" not in checked.stdout  # check accepts it
    out = run("diff", str(old), str(new))
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert "E0900" not in out.stdout + out.stderr and "Verdict:" in out.stdout


def test_a_baseline_map_with_a_long_chain_answers(tmp_path):
    mapping = (ROOT / "policies/baselines/maps/anthropic-rsp-v2.2.map").read_text(encoding="utf-8")
    chain = " implies ".join(["done(comprehensive_assessment)"] * N)
    assert "adversarial_evaluation = done(comprehensive_assessment)\n" in mapping
    mapping = mapping.replace("adversarial_evaluation = done(comprehensive_assessment)\n",
                              f"adversarial_evaluation = {chain}\n")
    (tmp_path / "long.map").write_text(mapping, encoding="utf-8")
    out = run("baseline", str(ROOT / "policies/baselines/eu-gpai-baseline.rsp"),
              str(ROOT / "policies/anthropic-rsp-v2.2.rsp"), "--map", str(tmp_path / "long.map"))
    assert "E0900" not in out.stdout + out.stderr, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.returncode == 1 and "proved" in out.stdout
