"""`rspdsl audit`: each of the four analyses on a small policy whose answer is known by hand."""
from __future__ import annotations

import json
import subprocess
import sys

from rspdsl.analyses.audit import audit_policy
from rspdsl.analyses.audit.voluntariness import history
from rspdsl.frontend import load_text
from rspdsl.semantics.interpret import decide
from rspdsl.state import read_state

HEADER = 'policy "audit" version "1"\n'


def load(body: str):
    result = load_text(HEADER + body, "audit.rsp")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    return result.policy


# a tier only an external lab can trigger; a tier the developer's own finding can always avoid
LADDER = """\
authority lab "the developer's evaluation team" internal
authority aisi "an AI Safety Institute" external
judgement ruled_out reassuring by lab "the lab rules the capability out"
judgement aisi_finding by aisi "the institute finds the capability"
metric uplift in [0, 1] by lab
safeguard s
action deploy
threshold internal-gate when uplift >= 0.5 and not ruled_out
tier low { }
tier mid when internal-gate {
  require s for deploy
}
tier high when aisi_finding { }
permit deploy when s
"""


def test_self_marking_a_tier_the_lab_can_always_avoid_and_one_only_an_external_finding_forces():
    audit = audit_policy(load(LADDER))
    tiers = {t.tier: t for t in audit.tiers}
    # mid: whatever the institute says, the lab can rule out (or measure uplift low) and stay
    # below mid... unless the institute's finding lifts the model to high, which is above mid
    assert tiers["mid"].can_avoid == "no" and tiers["mid"].can_force == "yes"
    assert tiers["high"].can_avoid == "no" and tiers["high"].can_force == "yes"
    state = read_state(load(LADDER), tiers["high"].force_witness)
    assert decide(load(LADDER), state).tier == 2   # the witness replays at the forced tier


def test_self_marking_internal_findings_alone_keep_the_model_below():
    body = LADDER.replace("tier high when aisi_finding { }\n", "").replace(
        'judgement aisi_finding by aisi "the institute finds the capability"\n', "")
    audit = audit_policy(load(body))
    (mid,) = audit.tiers
    assert mid.can_avoid == "yes" and mid.can_force == "no"  # no external input at all


def test_vagueness_a_threshold_of_pure_judgement_and_one_that_measures():
    body = LADDER + "threshold judged when not ruled_out\nforbid deploy when judged and not s\n"
    audit = audit_policy(load(body))
    verdicts = {t.threshold: t.verdict for t in audit.thresholds}
    assert verdicts == {"internal-gate": "quantitative", "judged": "judgement only"}
    witness = next(t for t in audit.thresholds if t.threshold == "internal-gate").witness
    assert witness[0]["ruled_out"] == witness[1]["ruled_out"] and witness[0]["uplift"] != witness[1]["uplift"]
    assert [(c.text, c.kind) for c in audit.commitments] == [("s", "bare safeguard")]


def test_vagueness_a_metric_that_cannot_change_the_value_is_judgement_only():
    # `uplift >= 0 or j`: uplift is mentioned, but every uplift in [0, 1] makes it true
    audit = audit_policy(load("judgement j\nmetric uplift in [0, 1]\naction a\nthreshold t when uplift >= 0 or j\n"
                              "tier low { }\ntier hi when t { }\npermit a\n"))
    assert [(t.threshold, t.verdict, t.metrics) for t in audit.thresholds] == [("t", "judgement only", ("uplift",))]


def test_race_dynamics_a_waiver_conditioned_on_a_rivals_release():
    body = LADDER + ('judgement rival_shipped by lab "another developer released a comparable model"\n'
                     'waive s for deploy when rival_shipped "marginal risk"\n')
    (waiver,) = audit_policy(load(body)).waivers
    assert waiver.commitments == ("s",) and waiver.actions == ("deploy",)
    assert waiver.inputs == (("rival_shipped", "internal", "lab"),)


def test_voluntariness_a_revision_pair_with_one_weakening():
    old = load(LADDER)
    new = load(LADDER.replace("permit deploy when s", "permit deploy"))
    (step,) = history([("v1", old), ("v2", new)])
    assert step.report.verdict == "weaker"
    assert [c.aspect for c in step.report.weakenings] == ["permission"]


def test_cli_json_is_stable_and_exits_0_even_with_findings(tmp_path):
    a, b = tmp_path / "v1.rsp", tmp_path / "v2.rsp"
    a.write_text(HEADER + LADDER, encoding="utf-8")
    b.write_text(HEADER + LADDER.replace("permit deploy when s", "permit deploy"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", "--revisions", str(a), str(b), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["title"] for p in doc["policies"]] == ["audit", "audit"]
    first = doc["policies"][0]
    assert first["inputs"] == {"internal": ["ruled_out", "uplift"], "external": ["aisi_finding"], "unattributed": []}
    assert [(t["tier"], t["internal_can_avoid"], t["external_can_force"]) for t in first["self_marking"]] == [
        ("mid", "no", "yes"), ("high", "no", "yes")]
    assert first["vagueness"]["summary"] == {"thresholds": 1, "quantitative": 1, "commitments": 1, "measurable": 0}
    (step,) = doc["voluntariness"]
    assert step["verdict"] == "weaker" and len(step["weakenings"]) == 1
    text = subprocess.run([sys.executable, "-m", "rspdsl", "audit", str(a)], capture_output=True, text=True,
                          timeout=300)
    assert text.returncode == 0 and "self-marking:" in text.stdout and "race dynamics: no waiver" in text.stdout


def test_cli_bad_input_exits_2(tmp_path):
    bad = tmp_path / "bad.rsp"
    bad.write_text("policy x", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_docs_audit_md_shows_the_example_file_and_its_output():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "audit.md").read_text(encoding="utf-8")
    blocks = doc.split("```\n")
    assert blocks[1] == (root / "docs" / "examples" / "audit.rsp").read_text(encoding="utf-8")
    command, _, output = blocks[3].partition("\n")
    assert command == "$ rspdsl audit docs/examples/audit.rsp"
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", "docs/examples/audit.rsp"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout == output


def test_the_corpus_claim_in_readme_and_docs_is_what_audit_says():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", "--format", "json",
                           *sorted(str(p) for p in (root / "policies").glob("*.rsp"))],
                          capture_output=True, text=True, timeout=600)
    doc = json.loads(proc.stdout)
    named = {"anthropic-rsp-v2.2.rsp", "anthropic-rsp-v3.rsp", "gdm-fsf-v3.rsp", "gdm-fsf-v3.1.rsp", "xai-rmf.rsp",
             "openai-preparedness-v2.rsp"}
    for p in doc["policies"]:
        name = Path(p["file"]).name
        if name in named:
            assert not p["inputs"]["unattributed"], name
            assert all(t["internal_can_avoid"] == "yes" and t["external_can_force"] == "no"
                       for t in p["self_marking"]), name
        elif name == "eu-ai-act-gpai.rsp":   # the one with external authorities (the Commission)
            assert not p["inputs"]["unattributed"], name
            assert [(t["tier"], t["internal_can_avoid"], t["external_can_force"]) for t in p["self_marking"]] == \
                [("Systemic-Risk", "no", "yes"), ("Unacceptable-Risk", "yes", "no")]
        else:
            assert not p["inputs"]["internal"] and not p["inputs"]["external"], name  # no `by` yet


def test_git_range_gives_the_revision_history(tmp_path):
    import shutil

    assert shutil.which("git"), "git is needed (the CI image has it)"
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True)

    git("init", "-q")
    policy = repo / "p.rsp"
    for k, text in enumerate((LADDER, LADDER.replace("permit deploy when s", "permit deploy"))):
        policy.write_text(HEADER + text, encoding="utf-8")
        git("add", "p.rsp")
        git("commit", "-q", "-m", f"v{k}")
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", str(policy), "--git", "HEAD~1..HEAD",
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["voluntariness"] == []  # one commit in the range: nothing to compare
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "audit", str(policy), "--git", "HEAD", "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    (step,) = json.loads(proc.stdout)["voluntariness"]
    assert step["verdict"] == "weaker" and step["old"].endswith(":p.rsp")
    bad = subprocess.run([sys.executable, "-m", "rspdsl", "audit", str(policy), "--git", "nope..HEAD"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
