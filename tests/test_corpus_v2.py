"""The corpus of issue 12 beyond the single-policy checks of tests/test_policies.py:

- the SB 53 baseline (policies/baselines/sb53-baseline.rsp) over the six company frameworks with
  the shipped maps (policies/baselines/maps/sb53/): every verdict pinned, every witness replayed;
- the published `rspdsl diff` outputs in docs/corpus/ are regenerated and must be identical, and
  the claims docs/findings.md makes from them are checked against the regenerated text;
- docs/corpus/quotes.md names every clause issue 12 lists.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rspdsl.analyses import baseline as bl
from rspdsl.evaluator import evaluate
from rspdsl.frontend import load_file
from rspdsl.state import read_state

ROOT = Path(__file__).resolve().parents[1]
SB53 = ROOT / "policies" / "baselines" / "sb53-baseline.rsp"
SB53_MAPS = ROOT / "policies" / "baselines" / "maps" / "sb53"
CORPUS = ROOT / "docs" / "corpus"

V, P = "violated", "proved"
REQUIREMENTS = ("thresholds-and-mitigations", "review-before-deployment", "third-party-assessment",
                "weight-security", "incident-reporting", "internal-use-risk", "annual-review")


def _verdicts(*statuses: str) -> dict[str, str]:
    return dict(zip(REQUIREMENTS, statuses, strict=True))


# docs/findings.md, "Checked against the SB 53 baseline", explains each.
SB53_EXPECTED = {
    "anthropic-rsp-v2.2": _verdicts(P, V, V, P, V, P, V),
    "anthropic-rsp-v3": _verdicts(V, V, V, V, V, P, V),
    "openai-preparedness-v2": _verdicts(P, V, V, P, V, P, V),
    # GDM (language v2): v3.0's security levels are recommendations (weight-security fails); v3.1's
    # bind but the 2.2 comparator `waive` lifts them (weight-security fails too); the yearly
    # update/review is a duty the baseline's month count cannot see (annual-review: `free`).
    "gdm-fsf-v3": _verdicts(P, V, V, V, V, P, V),
    "gdm-fsf-v3.1": _verdicts(P, V, V, V, V, P, V),
    "xai-rmf": _verdicts(V, V, V, P, V, P, V),
}


def test_sb53_baseline_is_a_valid_baseline():
    b = load_file(str(SB53))
    assert b.ok, b.diagnostics
    assert not bl.baseline_problems(b.policy, b.module)
    assert {a.name for a in b.policy.assertions} == set(REQUIREMENTS)


def test_every_company_framework_has_an_sb53_map():
    stems = {p.stem for p in SB53_MAPS.glob("*.map")}
    assert stems == set(SB53_EXPECTED)
    companies = {p.stem for p in (ROOT / "policies").glob("*.rsp")} - {"eu-ai-act-gpai"}
    assert stems == companies


@pytest.mark.parametrize("framework", sorted(SB53_EXPECTED))
def test_frameworks_against_the_sb53_baseline(framework):
    b = load_file(str(SB53))
    p = load_file(str(ROOT / "policies" / f"{framework}.rsp"))
    assert p.ok, p.diagnostics
    m, diags = bl.load_mapping(str(SB53_MAPS / f"{framework}.map"))
    assert not diags
    translation, problems = bl.translate(b.policy, p, m)
    assert translation is not None, [(pr.source.path, pr.diagnostic) for pr in problems]
    assert not [pr for pr in problems if pr.diagnostic.is_error]
    report = bl.check_translation(translation, str(SB53))
    verdicts = {r.subject: r.status for r in report.results}
    assert verdicts == SB53_EXPECTED[framework]
    for r in report.results:
        if r.status != "violated":
            continue
        if r.witness.run is not None:
            # a v2 policy (duties, events): the witness is a one-step run whose state also gives the
            # free baseline names; the translated requirement is false at its last step
            last = r.witness.run[-1]["state"]
            own = {n: v for n, v in last.items() if not n.startswith(bl.FREE_PREFIX)}
            assert set(read_state(p.policy, own)) == set(p.policy.variables)
            assert evaluate(translation.checked, read_state(translation.checked, last)).assertions[r.subject] is False
            continue
        # the witness is a state of the framework's own policy; with the free names at the values
        # the report gives, the translated requirement is false there
        state = read_state(p.policy, r.witness.state)
        assert set(state) == set(p.policy.variables)
        terms = r.facts.in_baseline_terms or {}
        free = {}
        for n, binding in translation.bindings.items():
            if binding.origin == "free":
                var = b.policy.variables[n]
                free[bl.FREE_PREFIX + n] = terms.get(n, False if var.sort == "bool" else var.lo)
        full = read_state(translation.checked, {**r.witness.state, **free})
        assert evaluate(translation.checked, full).assertions[r.subject] is False


# ---------------------------------------------------------------- the published diffs

DIFFS = {
    "anthropic-v2.2-to-v3.4.diff.txt": ("policies/anthropic-rsp-v2.2.rsp", "policies/anthropic-rsp-v3.rsp"),
    "gdm-v3.0-to-v3.1.diff.txt": ("policies/gdm-fsf-v3.rsp", "policies/gdm-fsf-v3.1.rsp"),
}


def _diff(old: str, new: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", "diff", "--ignore-accepts", old, new], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def regenerated() -> dict[str, str]:
    out = {}
    for name, (old, new) in DIFFS.items():
        run = _diff(old, new)
        assert run.returncode == 1, run.stderr   # both revisions weaken something
        out[name] = run.stdout
    return out


@pytest.mark.parametrize("name", sorted(DIFFS))
def test_published_diff_is_what_the_tool_says(regenerated, name):
    assert (CORPUS / name).read_text(encoding="utf-8") == regenerated[name], (
        f"docs/corpus/{name} is stale: regenerate it with `rspdsl diff {' '.join(DIFFS[name])}`")


# Each claim of docs/findings.md ("What changed between revisions") as a line the diff must contain.
DIFF_CLAIMS = {
    "gdm-v3.0-to-v3.1.diff.txt": (
        "Plan: 5 weakenings, 26 strengthenings, 34 text changes. Verdict: incomparable.",
        # footnote 4: low-risk deployments without a critical capability assessment
        "~ deploy: weaker — NEW allows deploy where OLD forbids it",
        "~ deploy: weaker — OLD requires `risk_assessment` for deploy here",
        # 1.3.2 condition (2)
        "~ deploy: weaker — OLD requires `further_risk_assessment` for deploy here",
        # 5.1 "reviewed" instead of "updated": one self-enforced duty for another
        "weakening: duty `framework-update` is gone: nothing obliges its act any more",
        "strengthening: duty `framework-review` is new",
        # 1.3.5 "if:" (v3.0 "if, for example:"): the recommended levels become conditions, SL2+
        "~ train: stronger — NEW requires `security_level >= sl2plus` for train here",
        # the new TCLs: the CBRN TCL's residual-risk gate, the stealth TCL's internal gate and 3.2.1
        "~ deploy: stronger — NEW forbids deploy where OLD allows it",
        "~ deploy_internal: stronger — NEW forbids deploy_internal where OLD allows it",
        "~ deploy_internal: stronger — NEW requires `cot_monitoring` for deploy_internal here",
    ),
    "anthropic-v2.2-to-v3.4.diff.txt": (
        "Plan: 26 weakenings, 22 strengthenings, 4 text changes. Verdict: incomparable.",
        "~ train: weaker — NEW allows train where OLD forbids it",
        "~ train: weaker — OLD requires `asl3_security` for train here",
        "~ train: weaker — OLD requires `affirmative_case` for train here",
        "~ deploy: weaker — NEW allows deploy where OLD forbids it",
        "~ deploy: weaker — OLD requires `asl3_deployment` for deploy here",
        "~ deploy_internal: weaker — NEW allows deploy_internal where OLD forbids it",
        "weakening: duty `usg-notice` is gone",
        "weakening: duty `safeguards-reapproval` is gone",
        "~ train: stronger — NEW forbids train where OLD allows it",
        "~ deploy: stronger — NEW forbids deploy where OLD allows it",
        "~ deploy: stronger — NEW requires `board_ltbt_approval` for deploy here",
    ),
}


@pytest.mark.parametrize("name", sorted(DIFF_CLAIMS))
def test_findings_claims_are_in_the_diff(regenerated, name):
    text = regenerated[name]
    findings = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    for claim in DIFF_CLAIMS[name]:
        assert claim in text, claim
        assert claim.lstrip("~ ").split(" here")[0] in findings, f"docs/findings.md does not cite: {claim}"


# ---------------------------------------------------------------- the quotes file

def test_quotes_cover_every_item_of_issue_12():
    quotes = (CORPUS / "quotes.md").read_text(encoding="utf-8")
    for heading in ("Nothing determined ⇒ ASL-4", "carries its findings over", "§4.3's stop",
                    "§6.2 interim measures", "§7.2.3 U.S. Government notice", "within about a month",
                    "The weights assertion", "§4.3 Marginal risk", "Research Categories' reports",
                    "agents deployed only internally", "recommendations to the field",
                    "The alert threshold gates nothing", "Comparator clauses", "Disclosure to government",
                    "Art. 52(1) notification within two weeks", "Measure 9.3", "signatories of the Code",
                    "Commitment 6", "California SB 53", "xAI Risk Management Framework", "FSF v3.1",
                    "RSP v3.4"):
        assert heading in quotes, heading
    # every entry carries a verdict, and unread clauses say so instead of quoting
    assert quotes.count("**Verdict") >= 18
    assert "not verified" in quotes
