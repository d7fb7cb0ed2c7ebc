"""The shipped framework encodings (policies/*.rsp): they load cleanly, are fmt-clean, and the
verifier's verdicts on them are pinned, so a change in the verifier or in an encoding that flips a
verdict fails here. docs/findings.md explains each violation; update both together.

Every witness the verifier reports is also replayed with `rspdsl eval` and must show what the
result claims (the action allowed with the requirement unmet, the assertion false, the pair
ordered with the permission gained).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rspdsl.frontend import load_file

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"

# property kind ("assert" for every assertion) x status -> count, and every result not proved as
# (property, subject). Subjects carry no line numbers, so they survive reformatting.
EXPECTED: dict[str, dict] = {
    "anthropic-rsp-v2.2.rsp": {
        "counts": {("assert", "proved"): 5, ("assert", "violated"): 1, ("consistency", "proved"): 10,
                   ("deadlines", "proved"): 4, ("duties", "proved"): 4,
                   ("mitigations", "proved"): 14, ("mitigations", "violated"): 5,
                   ("monotonic", "proved"): 12, ("reachability", "proved"): 23, ("reachability", "violated"): 1},
        "not_proved": {
            # gap 1: AI R&D-5 requires the ASL-4 Security Standard; nothing stops training or internal use
            ("assert:no-training-without-required-security", "no-training-without-required-security"),
            ("mitigations", "train: asl4_security"),
            ("mitigations", "deploy_internal: asl4_security"),
            # gap 2: the ASL-2 Standard has no stop condition for training or internal use
            ("mitigations", "train: asl2_security or asl3_security or asl4_security or interim_security_measures"),
            ("mitigations", "deploy_internal: asl2_deployment or asl3_deployment or interim_deployment_measures"),
            ("mitigations", "deploy_internal: asl2_security or asl3_security or asl4_security or interim_security_measures"),
            # 6.2's de-deploy forbid: whenever CBRN-3 holds without the ASL-3 Deployment Standard or
            # approved interim measures, neither permit holds either (a warning; docs/findings.md)
            ("reachability", "forbid deploy"),
        },
    },
    "openai-preparedness-v2.rsp": {   # language v2 (issue 12; docs/corpus/quotes.md §2)
        "counts": {("assert", "proved"): 3, ("assert", "violated"): 3, ("consistency", "proved"): 6,
                   ("deadlines", "proved"): 2, ("duties", "proved"): 2, ("mitigations", "proved"): 5,
                   ("mitigations", "violated"): 26, ("monotonic", "proved"): 7, ("monotonic", "violated"): 1,
                   ("reachability", "proved"): 26},
        "not_proved": {
            ("assert:development-halts-at-critical", "development-halts-at-critical"),
            ("assert:high-security-during-development", "high-security-during-development"),
            ("assert:no-high-deployment-without-safeguards", "no-high-deployment-without-safeguards"),
            *{("mitigations", f"{action}: {commitment}")
              for action in ("deploy", "release_weights")
              for commitment in ("high_security", "critical_safeguards", "bio_misuse_safeguards",
                                 "cyber_misuse_safeguards")},
            ("mitigations", "deploy_internal: critical_safeguards (tier Critical)"),
            ("mitigations", "deploy_internal: critical_safeguards (top level)"),
            ("mitigations", "deploy_internal: high_misalignment_safeguards"),
            ("mitigations", "deploy_internal: high_security"),
            ("mitigations", "train: critical_safeguards (tier Critical)"),
            ("mitigations", "train: critical_safeguards (top level)"),
            ("mitigations", "train: high_security"),
            # 4.3: a rival's release lifts that capability area's misuse safeguards (a `waive`)
            ("monotonic", "requirements"),
            # warnings: the SAG's finding is a recommendation to Leadership (Appendix B), and Table 2's
            # "Potential response"s are advisory
            *{("mitigations", f"{action}: {commitment} (recommended)") for action, commitment in (
                ("deploy", "sag_finds_safeguards_sufficient"), ("release_weights", "sag_finds_safeguards_sufficient"),
                *((a, c) for a in ("deploy", "deploy_internal", "release_weights")
                  for c in ("misalignment_safeguards_report", "safeguards_case_robust",
                            "sandbagging_robust_elicitation")))},
        },
    },
    # language v2 (issue 12; docs/corpus/quotes.md §3): the security levels (2.2 "the field", 1.6 "if,
    # for example"), the 1.4 response plan, Table 4.a's illustrative monitoring and 5.2's "aim to"
    # disclosure are recommendations (warnings); the yearly update (5.1) is a self-enforced duty.
    "gdm-fsf-v3.rsp": {
        "counts": {("assert", "proved"): 2, ("assert", "violated"): 1, ("consistency", "proved"): 5,
                   ("deadlines", "proved"): 1, ("duties", "proved"): 1,
                   ("mitigations", "proved"): 7, ("mitigations", "violated"): 23,
                   ("monotonic", "proved"): 7, ("reachability", "proved"): 22},
        "not_proved": {
            ("assert:development-only-with-recommended-security", "development-only-with-recommended-security"),
            ("mitigations", "deploy: further_risk_assessment"),
            ("mitigations", "release_weights: further_risk_assessment"),
            ("mitigations", "deploy_internal: cot_monitoring (recommended)"),
            *{("mitigations", f"{action}: {commitment} (recommended)")
              for action in ("train", "deploy", "deploy_internal", "release_weights")
              for commitment in ("response_plan", "government_disclosure", "security_level >= sl2",
                                 "security_level >= sl3", "security_level >= sl4")},
        },
    },
    # re-encoded with language v2 (issue 12; docs/corpus/quotes.md §4): deadlines are duties over
    # runs, the Code's stop binds signatories, its comparator clauses are waivers
    "eu-ai-act-gpai.rsp": {
        "counts": {("assert", "proved"): 2, ("assert", "violated"): 3, ("consistency", "proved"): 11,
                   ("deadlines", "proved"): 8, ("duties", "proved"): 8, ("mitigations", "violated"): 28,
                   ("monotonic", "proved"): 12, ("monotonic", "violated"): 1, ("reachability", "proved"): 26},
        "not_proved": {
            ("assert:no-open-source-exemption-for-systemic", "no-open-source-exemption-for-systemic"),
            ("assert:systemic-obligations-before-market", "systemic-obligations-before-market"),
            # Measure 4.2's stop binds the Code's signatories only
            ("assert:unacceptable-not-on-market", "unacceptable-not-on-market"),
            # Appendix 3.5(2): no qualified evaluator found switches the external evaluation off
            ("monotonic", "requirements"),
            *{("mitigations", f"{action}: {commitment}")
              for action in ("deploy", "release_weights")
              for commitment in ("adversarial_evaluation", "copyright_policy", "cybersecurity_protection",
                                 "downstream_information", "incident_tracking", "independent_external_evaluation",
                                 "model_report", "months_since_framework_assessment <= 12",
                                 "safety_security_framework", "systemic_risk_assessment",
                                 "systemic_risk_mitigation", "technical_documentation",
                                 "training_content_summary")},
            ("mitigations", "deploy: code_security_mitigations"),
            ("mitigations", "train: code_security_mitigations"),
        },
    },
    # ---- the corpus v2 encodings (issue 12; docs/corpus/quotes.md quotes every clause). They use
    # language v2 (authority/by, events, duties), so `check` proves over runs and every witness of
    # the first two is a run, replayed with `eval --run`.
    "anthropic-rsp-v3.rsp": {
        "counts": {("assert", "proved"): 1, ("assert", "violated"): 2, ("consistency", "proved"): 10,
                   ("deadlines", "proved"): 5, ("duties", "proved"): 5, ("mitigations", "violated"): 20,
                   ("monotonic", "proved"): 12, ("reachability", "proved"): 19},
        "not_proved": {
            # v3.4 has no training pause and no per-model deployment gate (quotes.md §8)
            ("assert:no-training-without-asl3-security", "no-training-without-asl3-security"),
            # Appendix A: the strong argument is required only when Anthropic is in the lead
            ("assert:highly-capable-needs-strong-argument", "highly-capable-needs-strong-argument"),
            *{("mitigations", s) for s in (
                "deploy: asl3_deployment (top level) #1", "deploy: asl3_deployment (top level) #2",
                "deploy: asl3_security (top level) #1", "deploy: asl3_security (top level) #2",
                "deploy: board_ltbt_approval", "deploy: expanded_cb_protections",
                "deploy: offcycle_analysis_published", "deploy_internal: alignment_assessment",
                "deploy_internal: asl3_deployment", "deploy_internal: asl3_security",
                "deploy_internal: eyes_on_everything", "train: alignment_assessment", "train: asl3_security",
                "train: board_ltbt_approval", "train: eyes_on_everything")},
            # warnings: the industry-wide recommendations (Section 1) and "General upleveling"
            *{("mitigations", f"{action}: {commitment} (recommended)") for action, commitment in (
                ("train", "strong_containment_argument"), ("deploy", "strong_containment_argument"),
                ("deploy_internal", "strong_containment_argument"), ("train", "matches_competitor_mitigation"),
                ("deploy", "matches_competitor_mitigation"))},
        },
    },
    "gdm-fsf-v3.1.rsp": {   # the same reading as v3.0 except where v3.1's text changed (quotes.md §7)
        "counts": {("assert", "proved"): 3, ("assert", "violated"): 1, ("consistency", "proved"): 5,
                   ("deadlines", "proved"): 1, ("duties", "proved"): 1, ("mitigations", "proved"): 7,
                   ("mitigations", "violated"): 27, ("monotonic", "proved"): 6, ("monotonic", "violated"): 1,
                   ("reachability", "proved"): 29},
        "not_proved": {
            ("assert:development-only-with-recommended-security", "development-only-with-recommended-security"),
            # 1.3.5 "if:": the levels (or security assessed adequate) bind, and nothing stops without them
            *{("mitigations", f"{action}: {commitment}")
              for action in ("train", "deploy", "deploy_internal", "release_weights")
              for commitment in ("security_level >= sl2plus", "security_level >= sl3", "security_level >= sl4",
                                 "security_judged_adequate")},
            ("mitigations", "deploy: further_risk_assessment"),
            ("mitigations", "release_weights: further_risk_assessment"),
            ("mitigations", "deploy_internal: cot_monitoring"),
            # 2.2's comparator as a `waive`: peers with weaker security switch the level off
            ("monotonic", "requirements"),
            # warnings: the 1.3.3 response plan and 5.2's "aim to" disclosure
            *{("mitigations", f"{action}: {commitment} (recommended)")
              for action in ("train", "deploy", "deploy_internal", "release_weights")
              for commitment in ("response_plan", "government_disclosure")},
        },
    },
    "xai-rmf.rsp": {
        "counts": {("assert", "violated"): 5, ("consistency", "proved"): 4, ("mitigations", "violated"): 6,
                   ("monotonic", "proved"): 6, ("reachability", "proved"): 9},
        "not_proved": {
            # 6 Deployment Decisions: benefits may outweigh a benchmark's risks (the override permit)
            ("assert:deployment-below-answer-rate", "deployment-below-answer-rate"),
            ("assert:deployment-below-dishonesty-rate", "deployment-below-dishonesty-rate"),
            # trusted users: no criterion; shutdown: "may"; training: no condition at all
            ("assert:trusted-deployment-below-answer-rate", "trusted-deployment-below-answer-rate"),
            ("assert:shutdown-on-imminent-threat", "shutdown-on-imminent-threat"),
            ("assert:no-training-past-the-criteria", "no-training-past-the-criteria"),
            ("mitigations", "deploy: bio_chem_filters"), ("mitigations", "deploy: nonstate_security"),
            ("mitigations", "deploy: refusal_safeguards"), ("mitigations", "deploy_trusted: nonstate_security"),
            ("mitigations", "train: nonstate_security"),
            # a warning: Operational 4's "may shut down" as a recommendation
            ("mitigations", "keep_running: not imminent_catastrophic_threat (recommended)"),
        },
    },
}

NAMES = sorted(EXPECTED)


def _rspdsl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=600)


def _commitment_text(subject: str) -> str:
    """`train: c (tier Critical)` -> `c`: the requirement's text, without what tells duplicates apart."""
    commitment = subject.split(": ", 1)[1]
    return re.sub(r"( \((tier [^()]+|top level)\))?( #\d+)?$", "", commitment)


@pytest.fixture(scope="module")
def checked() -> dict[str, dict]:
    """One `rspdsl check --format json` run over every policy: file name -> its JSON entry."""
    run = _rspdsl("check", "--format", "json", *(f"policies/{n}" for n in NAMES))
    # every error-level finding is an accepted, documented gap (the policies' `accept`
    # declarations), so the corpus gates CI: exit 0, and nothing unusable
    assert run.returncode == 0, run.stdout + run.stderr
    return {Path(f["file"]).name: f for f in json.loads(run.stdout)["files"]}


def test_every_shipped_policy_is_pinned():
    shipped = {p.name for p in POLICIES.glob("*.rsp")}
    assert shipped == set(EXPECTED)


@pytest.mark.parametrize("name", NAMES)
def test_policy_loads_without_any_diagnostic(name):
    loaded = load_file(str(POLICIES / name))
    assert loaded.ok
    assert [f"{d.code} {d.message}" for d in loaded.diagnostics] == []


def test_policies_are_in_canonical_format():
    run = _rspdsl("fmt", "--check", *(f"policies/{n}" for n in NAMES))
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("name", NAMES)
def test_verdicts_are_pinned(checked, name):
    results = checked[name]["results"]
    # an accepted finding is still the violation pinned here, reported as accepted with its reason
    assert not [r["subject"] for r in results if r["status"] == "violated" and r["severity"] == "error"]
    for r in results:
        if r["status"] == "accepted":
            assert "docs/findings.md section" in r["details"]["accepted"]["reason"], r["subject"]
    counts = Counter((r["property"].split(":")[0], "violated" if r["status"] == "accepted" else r["status"])
                     for r in results)
    not_proved = {(r["property"], r["subject"]) for r in results if r["status"] != "proved"}
    assert not_proved == EXPECTED[name]["not_proved"]
    assert dict(counts) == EXPECTED[name]["counts"]
    assert checked[name]["diagnostics"] == []


def _evaluate(name: str, states: list[dict]) -> list[dict]:
    run = _rspdsl("eval", f"policies/{name}", "--states", "-",
                  stdin="".join(json.dumps(s) + "\n" for s in states))
    assert run.returncode == 0, run.stdout + run.stderr
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("name", NAMES)
def test_every_witness_replays(checked, name):
    violated = [r for r in checked[name]["results"] if r["status"] in ("violated", "accepted")]
    states, claims = [], []
    runs = [r for r in violated if "run" in r["witness"]]
    for r in runs:   # a v2 policy's witness is a run: the claim holds at its last step
        decision = _evaluate_run(name, r["witness"]["run"])
        _check_claim(r, None, decision)
    for r in violated:
        witness = r["witness"]
        if "run" in witness:
            continue
        if "state" in witness:
            states.append(witness["state"])
            claims.append((r, None))
        else:
            states.extend([witness["lower"], witness["higher"]])
            claims.extend([(r, "lower"), (r, "higher")])
    decisions = _evaluate(name, states) if states else []
    assert len(decisions) == len(states)
    for (result, role), decision in zip(claims, decisions):
        _check_claim(result, role, decision)


def _evaluate_run(name: str, run: list[dict]) -> dict:
    """`rspdsl eval --run` of a witness run: the last step's result (tier, actions, assertions)."""
    proc = _rspdsl("eval", f"policies/{name}", "--run", "-", "--format", "json",
                   stdin="".join(json.dumps(step) + "\n" for step in run))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr   # 1: the run breaches the policy
    return json.loads(proc.stdout)["steps"][-1]


def _check_claim(result: dict, role: str | None, decision: dict) -> None:
    prop = result["property"]
    if prop == "mitigations":
        action, commitment = result["subject"].split(": ", 1)[0], _commitment_text(result["subject"])
        verdict = decision["actions"][action]
        assert verdict["allowed"] is True, result["subject"]
        if commitment.endswith(" (recommended)"):   # v2 `recommend`: unheeded, a warning
            assert result["severity"] == "warning", result["subject"]
            assert commitment.removesuffix(" (recommended)") in {u["text"] for u in verdict["unheeded"]}
        else:
            assert commitment in {u["text"] for u in verdict["unmet"]}, result["subject"]
    elif prop.startswith("assert:"):
        assert decision["assertions"][prop.split(":", 1)[1]] is False
    elif prop == "monotonic" and result["subject"] == "requirements":
        # a v2 `waive` whose condition an input turns on: the dropped requirement is unmet for some
        # action in the lower state and for none in the higher one
        dropped = set(result["details"]["dropped"])
        unmet = {u["text"] for verdict in decision["actions"].values() for u in verdict["unmet"]}
        assert bool(dropped & unmet) is (role == "lower"), result["message"]
    elif prop == "monotonic":  # our other violations are all of the "newly allowed" kind
        assert decision["actions"][result["subject"]]["allowed"] is (role == "higher"), result["message"]
    elif prop == "reachability" and result["details"]["finding"] == "never changes a decision":
        # our redundant rules are all forbids: the witness is a state where the forbid holds (it
        # decides, or another forbid does) and the action is denied
        effect, action = result["subject"].split(" #")[0].split(" ")
        verdict = decision["actions"][action]
        assert effect == "forbid" and verdict["allowed"] is False, result["message"]
        assert verdict["decided_by"] is not None, result["message"]
    else:
        pytest.fail(f"unexpected violated property {prop}")


# ---------------------------------------------------------------- the numbers in docs/findings.md

@functools.lru_cache(maxsize=1)
def _policy_stats():
    """tools/policy_stats.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("policy_stats", ROOT / "tools" / "policy_stats.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


EXPECTED_STATS = {  # tier -> what its trigger is sensitive to; the tier when nothing is determined
    "anthropic-rsp-v2.2.rsp": ({"ASL-3": "judgement-only", "ASL-4": "both"}, "ASL-3"),
    "openai-preparedness-v2.rsp": ({"High": "judgement-only", "Critical": "both"}, "Below-High"),
    "gdm-fsf-v3.rsp": ({"Alert": "judgement-only", "SL2": "judgement-only", "SL3": "judgement-only",
                        "SL4": "judgement-only"}, "No-CCL"),
    "eu-ai-act-gpai.rsp": ({"Systemic-Risk": "both", "Unacceptable-Risk": "both"}, "GPAI"),
    "anthropic-rsp-v3.rsp": ({"Highly-Capable": "judgement-only"}, "Present"),
    "gdm-fsf-v3.1.rsp": ({"Alert": "judgement-only", "SL2": "judgement-only", "SL3": "judgement-only",
                          "SL4": "judgement-only"}, "No-CCL"),
    "xai-rmf.rsp": ({"Criterion-Missed": "metric-only"}, "Acceptable"),
}
COUNTED = ["anthropic-rsp-v2.2.rsp", "anthropic-rsp-v3.rsp", "openai-preparedness-v2.rsp", "gdm-fsf-v3.rsp",
           "gdm-fsf-v3.1.rsp", "xai-rmf.rsp", "eu-ai-act-gpai.rsp"]   # the columns of findings.md's table


def test_every_shipped_encoding_is_counted():
    assert sorted(COUNTED) == sorted(EXPECTED_STATS) == sorted(p.name for p in POLICIES.glob("*.rsp"))


def test_the_counted_table_in_findings_is_what_the_tool_says():
    """docs/findings.md "The known criticisms of RSPs, counted": every row, as tools/policy_stats.py
    prints it from the checked models and the verifier (the header names the frameworks in words)."""
    tool = _policy_stats()
    fresh = tool.markdown_table([tool.policy_stats(str(POLICIES / name)) for name in COUNTED]).split("\n")
    findings = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    section = findings.split("## The known criticisms of RSPs, counted", 1)[1].split("\n## ", 1)[0]
    shown = [line for line in section.splitlines() if line.startswith("| ")]
    def cells(line):
        return line.split(" | ", 1)[1]   # a row's numbers, after its label
    assert [cells(line) for line in shown[1:]] == [cells(line) for line in fresh[2:]]
    assert len(shown) == len(fresh) - 1


@pytest.mark.parametrize("name", sorted(EXPECTED_STATS))
def test_trigger_statistics(name):
    stats = _policy_stats().policy_stats(str(POLICIES / name), verify=False)
    triggers, default_tier = EXPECTED_STATS[name]
    assert stats.tier_triggers == triggers
    assert stats.default_tier == default_tier
    assert stats.tiers == len(triggers) + 1   # a `when` on every tier above the first
    assert stats.untagged_judgements == 0     # every judgement says who judges
    assert stats.self_assessed_judgements + stats.external_judgements == stats.judgements


def test_stats_tool_counts_a_small_policy(tmp_path):
    text = """policy "p"
metric compute in [0, 100] unit FLOP
judgement finding "a panel finds it [self-assessed: CEO]"
judgement cleared reassuring "cleared [external: regulator]"
safeguard s
control days_left in [0, 30] unit days
action train default permit
action deploy
threshold Q when compute >= 10
threshold J when finding or not cleared
tier Low { require s for deploy }
tier Mid when J { require days_left <= 5 for train }
tier High when Q and J { }
permit deploy when s
forbid train when tier >= High
"""
    path = tmp_path / "p.rsp"
    path.write_text(text)
    stats = _policy_stats().policy_stats(str(path), verify=False)
    assert stats.tier_triggers == {"Mid": "judgement-only", "High": "both"}
    assert stats.thresholds == {"Q": "metric-only", "J": "judgement-only"}
    assert stats.default_tier == "Mid"          # `cleared` not determined: J holds, Q does not
    assert (stats.self_assessed_judgements, stats.external_judgements) == (1, 1)
    assert stats.burden_of_proof_judgements == 1
    assert (stats.attested_requirements, stats.quantitative_requirements) == (1, 1)
    assert stats.default_permit_without_stop == []
    assert (stats.permit_rules, stats.forbid_rules) == (1, 1)


def test_the_readme_headline_is_what_check_and_audit_say():
    """README "What it finds": all seven encodings are consistent and reach every tier; in the six
    company frameworks the developer's own findings can always keep a model below every tier above
    the first and no external finding can force one; the EU's systemic-risk tier can be forced by
    the Commission alone. Each sentence is checked here against a fresh run."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "All seven are consistent and reach every tier" in readme
    paths = sorted(str(p) for p in POLICIES.glob("*.rsp"))
    assert len(paths) == 7
    checked = json.loads(subprocess.run([sys.executable, "-m", "rspdsl", "check", "--format", "json", *paths],
                                        capture_output=True, text=True, timeout=900).stdout)
    for f in checked["files"]:
        policy = load_file(f["file"]).policy
        for r in f["results"]:
            if r["property"] == "consistency" or (r["property"] == "reachability" and r["subject"] in
                                                  {t.name for t in policy.tiers}):
                assert r["status"] == "proved", (f["file"], r["property"], r["subject"])
    audit = json.loads(subprocess.run([sys.executable, "-m", "rspdsl", "audit", "--format", "json", *paths],
                                      capture_output=True, text=True, timeout=900).stdout)
    for p in audit["policies"]:
        marks = {(t["tier"], t["internal_can_avoid"], t["external_can_force"]) for t in p["self_marking"]}
        if p["file"].endswith("eu-ai-act-gpai.rsp"):
            assert ("Systemic-Risk", "no", "yes") in marks
        else:
            assert all(avoid == "yes" and force == "no" for _, avoid, force in marks), p["file"]
    assert "no external finding can\nforce one" in readme and "a Commission designation alone can force" in readme


GLANCE = ["anthropic-rsp-v2.2.rsp", "openai-preparedness-v2.rsp", "gdm-fsf-v3.rsp", "eu-ai-act-gpai.rsp"]


def test_the_glance_table_is_what_check_says():
    """docs/findings.md "Results at a glance": each cell's counts are the verifier's. A pair is
    proved / violated at error severity (duties: warnings); reachability's proved count includes
    its warning checks; "(N warning)" and "(+ N recommendation warnings)" are warnings violated."""
    from rspdsl.logic.prover import verify

    findings = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    section = findings.split("## Results at a glance", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and " / " in line:
            rows[cells[0]] = [c.replace("**", "") for c in cells[1:]]
    label = {"mitigations": "`mitigations` proved / violated", "consistency": "`consistency` proved / violated",
             "monotonic": "`monotonic` proved / violated", "assert": "assertions proved / violated",
             "reachability": "`reachability` proved / violated",
             "timed": "`deadlines`, `duties` proved / violated (v2)"}
    for column, name in enumerate(GLANCE):
        n: Counter = Counter()
        for r in verify(load_file(str(POLICIES / name)).policy).results:
            prop = "assert" if r.property.startswith("assert:") else r.property
            n[(prop, r.severity.value, str(r.status))] += 1

        def cell(prop: str, column: int = column) -> str:
            return rows[label[prop]][column]
        for prop in ("mitigations", "consistency", "monotonic", "assert"):
            assert cell(prop).startswith(f"{n[(prop, 'error', 'proved')]} / {n[(prop, 'error', 'violated')]}"), \
                (name, prop, cell(prop))
        advice = re.search(r"\+ (\d+) recommendation warnings", cell("mitigations"))
        assert (int(advice.group(1)) if advice else 0) == n[("mitigations", "warning", "violated")], name
        reach = n[("reachability", "error", "proved")] + n[("reachability", "warning", "proved")]
        assert cell("reachability").startswith(f"{reach} / {n[('reachability', 'error', 'violated')]}"), name
        warned = re.search(r"\((\d+) warning\)", cell("reachability"))
        assert (int(warned.group(1)) if warned else 0) == n[("reachability", "warning", "violated")], name
        assert cell("timed") == (f"{n[('deadlines', 'error', 'proved')]} / {n[('deadlines', 'error', 'violated')]}, "
                                 f"{n[('duties', 'warning', 'proved')]} / {n[('duties', 'warning', 'violated')]}"), name
