"""Every shipped policy (policies/*.rsp, as it appears): weakening mutations are caught by
`rspdsl diff`, each with a witness that the evaluator replays on both revisions."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rspdsl.analyses.diff import diff_policies
from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_file, load_text
from rspdsl.semantics import ir
from rspdsl.semantics.model import Policy
from rspdsl.state import read_state
from rspdsl.syntax import ast
from rspdsl.syntax.format import format_module

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SHIPPED = sorted((ROOT / "policies").glob("*.rsp"))
IDS = [p.name for p in SHIPPED]


def load(path: Path):
    result = load_file(str(path))
    assert result.ok, result.diagnostics
    return result


def _has_tier_requirement(path: Path) -> bool:
    return any(r.tier is not None for r in load(path).policy.requirements)


def _has_forbid(path: Path) -> bool:
    return any(isinstance(d, ast.RuleDecl) and d.effect == "forbid" for d in load(path).module.declarations)


# each mutation applies to the shipped policies that have what it removes (never a skip)
WITH_TIER_REQUIREMENT = [p for p in SHIPPED if _has_tier_requirement(p)]
WITH_LADDER = [p for p in SHIPPED if len(load(p).policy.tiers) >= 2]
WITH_FORBID = [p for p in SHIPPED if _has_forbid(p)]


def test_the_mutations_have_policies_to_mutate():
    assert len(WITH_TIER_REQUIREMENT) >= 4 and len(WITH_LADDER) >= 4 and len(WITH_FORBID) >= 4


def replay(old: Policy, new: Policy, change):
    d_old = compile_policy(old).decide(read_state(old, json.loads(json.dumps(_plain(change.old.state)))))
    d_new = compile_policy(new).decide(read_state(new, json.loads(json.dumps(_plain(change.new.state)))))
    return d_old, d_new


def _plain(state: dict) -> dict:
    """The witness as STATE.json text would carry it (exact ratios as "p/q" strings)."""
    from rspdsl.state import dumps_exact
    return json.loads(dumps_exact(state))


@pytest.mark.parametrize("path", SHIPPED, ids=IDS)
def test_shipped_policy_is_equivalent_to_itself(path):
    a, b = load(path).policy, load(path).policy
    assert diff_policies(a, b).verdict == "equivalent"


@pytest.mark.parametrize("path", WITH_TIER_REQUIREMENT, ids=[p.name for p in WITH_TIER_REQUIREMENT])
def test_dropping_the_top_tier_requirements_is_caught(path):
    old = load(path).policy
    top = max((r.tier for r in old.requirements if r.tier is not None), default=None)
    dropped = [r for r in old.requirements if r.tier == top and r.tier is not None]
    assert dropped
    survivors = [r for r in old.requirements if r not in dropped]
    kept = tuple(replace(r, index=k) for k, r in enumerate(survivors))
    renumber = {r.index: k for k, r in enumerate(survivors)}   # waivers (v2 §4) point at indices
    waivers = tuple(replace(w, requirements=tuple(renumber[i] for i in w.requirements if i in renumber))
                    for w in old.waivers)
    new = replace(old, requirements=kept, waivers=waivers)
    report = diff_policies(old, new)
    weak = [c for c in report.changes if c.kind == "weakening" and c.aspect == "requirement"]
    assert weak and report.exit_code() == 1
    texts = {r.text for r in dropped}
    assert {c.action for c in weak} <= {a for r in dropped for a in r.actions}
    for c in weak:
        d_old, d_new = replay(old, new, c)
        assert any(old.requirements[k].text in texts for k in d_old.active[c.action])
        assert d_old.tier >= top


@pytest.mark.parametrize("path", WITH_LADDER, ids=[p.name for p in WITH_LADDER])
def test_lowering_the_ladder_is_caught(path):
    old = load(path).policy
    tiers = list(old.tiers)
    tiers[-1] = replace(tiers[-1], condition=ir.BoolConst(False))   # the top tier is never reached
    new = replace(old, tiers=tuple(tiers))
    report = diff_policies(old, new)
    weak = [c for c in report.changes if c.kind == "weakening" and c.aspect == "tier"]
    # the top tier, and perhaps lower ones too (a state the top tier's `when` alone lifted)
    assert f"tier {tiers[-1].name}" in [c.subject for c in weak]
    for c in weak:
        d_old, d_new = replay(old, new, c)
        k = old.tier_index(c.subject.split()[1])
        assert d_old.tier >= k > d_new.tier


@pytest.mark.parametrize("path", WITH_FORBID, ids=[p.name for p in WITH_FORBID])
def test_removing_the_forbid_rules_is_caught_and_replays_through_eval(path, tmp_path):
    loaded = load(path)
    module = loaded.module
    forbidden = {d.action.name for d in module.declarations if isinstance(d, ast.RuleDecl) and d.effect == "forbid"}
    assert forbidden
    mutated = ast.Module(tuple(d for d in module.declarations
                               if not (isinstance(d, ast.RuleDecl) and d.effect == "forbid")))
    new_text = format_module(mutated)
    assert load_text(new_text).ok
    new_path = tmp_path / path.name
    new_path.write_text(new_text, encoding="utf-8")
    r = subprocess.run([PYTHON, "-m", "rspdsl", "diff", str(path), str(new_path), "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    weak = [c for c in data["changes"] if c["kind"] == "weakening"]
    assert weak and all(c["aspect"] == "permission" and c["action"] in forbidden for c in weak)
    change = weak[0]
    allowed = []
    for file, key in ((path, "old_state"), (new_path, "new_state")):
        state = tmp_path / f"{key}.json"
        state.write_text(json.dumps(change["witness"][key]), encoding="utf-8")
        e = subprocess.run([PYTHON, "-m", "rspdsl", "eval", str(file), "--state", str(state), "--format", "json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert e.returncode == 0, e.stderr
        allowed.append(json.loads(e.stdout)["actions"][change["action"]]["allowed"])
    assert allowed == [False, True]
