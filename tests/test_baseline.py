"""Regulator baselines: mapping files, binding rules, translation, the command, and the four frameworks."""
from __future__ import annotations

import argparse
import io
import json
import shlex
from contextlib import redirect_stdout
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rspdsl.analyses import baseline as bl
from rspdsl.commands import baseline as command
from rspdsl.evaluator import evaluate
from rspdsl.frontend import load_file, load_text
from rspdsl.source import SourceFile
from rspdsl.state import read_state

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "policies" / "baselines" / "eu-gpai-baseline.rsp"
MAPS = ROOT / "policies" / "baselines" / "maps"
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"  # the official schema, vendored

REGULATOR = """\
policy "Regulator" version "1"
metric training_compute in [0, 1e30] unit FLOP
safeguard adversarial_testing
safeguard incident_reporting
action deploy
threshold systemic when training_compute > 1e25
tier baseline { }
assert tested "Deployment above 1e25 FLOP needs adversarial testing and incident reporting":
  allowed(deploy) and systemic implies adversarial_testing and incident_reporting
"""

# Same names as the regulator's: binds with no mapping. Requires both safeguards above 1e25.
COMPLIANT = """\
policy "Compliant lab" version "1"
metric training_compute in [0, 1e30] unit FLOP
safeguard adversarial_testing
safeguard incident_reporting
action deploy
threshold big when training_compute > 1e25
tier low { }
tier high when big {
  require adversarial_testing, incident_reporting for deploy
}
permit deploy when tier <= low or adversarial_testing and incident_reporting
"""

# Different names; forgets incident reporting.
LAB = """\
policy "Lab" version "1"
metric compute in [0, 1e30] unit FLOP
safeguard red_team
safeguard incident_process
action deploy_api
action release_weights
threshold frontier when compute >= 1e26
tier low { }
tier high when frontier { }
permit deploy_api when tier <= low or red_team
permit release_weights when tier <= low and red_team
"""

LAB_MAP = """\
# the lab's names for the regulator's
training_compute = compute
adversarial_testing = red_team   # a trailing comment
deploy = deploy_api or release_weights
incident_reporting = incident_process
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def loaded(text: str, path: str = "p.rsp"):
    result = load_text(text, path)
    assert result.ok, result.diagnostics
    return result


def mapping(text: str, path: str = "m.map") -> bl.Mapping:
    m, diags = bl.parse_mapping(SourceFile(path, text))
    assert not diags, diags
    return m


def translate(base: str, policy: str, map_text: str | None = None):
    b = loaded(base, "base.rsp")
    p = loaded(policy, "policy.rsp")
    m = mapping(map_text) if map_text is not None else None
    return bl.translate(b.policy, p, m)


def codes(problems) -> list[str]:
    return [p.diagnostic.code for p in problems]


# ---------------------------------------------------------------- mapping files

def test_mapping_lines_comments_and_positions():
    m = mapping(LAB_MAP)
    assert list(m.entries) == ["training_compute", "adversarial_testing", "deploy", "incident_reporting"]
    entry = m.entries["adversarial_testing"]
    assert (entry.name_span.line, entry.name_span.column) == (3, 1)
    # the expression's spans point into the mapping file, not the parser's wrapper
    assert (entry.expr.span.line, entry.expr.span.column) == (3, 23)
    assert m.entries["deploy"].expr.span.column == 10


def test_mapping_comparison_is_not_the_separator():
    m = mapping("above = compute >= 1e25\nsame = a == b\n")
    assert set(m.entries) == {"above", "same"}
    assert m.entries["same"].text == "a == b"


@pytest.mark.parametrize("text, code, line, column", [
    ("just words here\n", "E0701", 1, 1),
    ("\n\n  x =\n", "E0701", 3, 3),
    ("a = b\na = c\n", "E0702", 2, 1),
    ("ok = a\nbad = red_team and\n", "E0013", 2, 18),
    ("bad = (a\n", "E0013", 1, 8),
    ("bad = a $ b\n", "E0010", 1, 9),
])
def test_mapping_syntax_errors_point_into_the_mapping_file(text, code, line, column):
    _, diags = bl.parse_mapping(SourceFile("m.map", text))
    found = [(d.code, d.span.line, d.span.column) for d in diags]
    assert (code, line, column) in found, found


def test_free_is_a_keyword_of_mappings_only():
    m = mapping("incident_reporting = free\nx = (free)\n")
    assert m.entries["incident_reporting"].free
    assert not m.entries["x"].free


# ---------------------------------------------------------------- binding and translation

def test_same_names_bind_without_a_mapping():
    translation, problems = translate(REGULATOR, COMPLIANT)
    assert translation is not None and not problems
    assert {b.origin for b in translation.bindings.values()} == {"same name"}
    report = bl.check_translation(translation, "base.rsp")
    assert [(r.subject, r.status) for r in report.results] == [("tested", "proved")]


def test_missing_counterpart_is_an_error_naming_the_entity():
    translation, problems = translate(REGULATOR, LAB)
    assert translation is None
    missing = [p.diagnostic for p in problems if p.diagnostic.code == "E0705"]
    named = {d.message.split("`")[1] for d in missing}
    assert named == {"training_compute", "adversarial_testing", "incident_reporting", "deploy"}
    first = missing[0]
    assert "no counterpart" in first.message and "no mapping" in first.message
    assert first.hint.startswith(f"add `{first.message.split('`')[1]} = ")


def test_only_names_an_assertion_uses_need_a_binding():
    base = REGULATOR.replace("safeguard incident_reporting", "safeguard incident_reporting\nsafeguard unused_here")
    translation, problems = translate(base, COMPLIANT)
    assert translation is not None and not problems


def test_mapping_binds_and_the_violation_is_found():
    translation, problems = translate(REGULATOR, LAB, LAB_MAP)
    assert translation is not None and not [p for p in problems if p.diagnostic.is_error]
    report = bl.check_translation(translation, "base.rsp")
    (result,) = report.results
    assert result.status == "violated"
    terms = result.facts.in_baseline_terms
    assert terms["deploy"] is True and terms["training_compute"] > 10 ** 25
    assert not (terms["adversarial_testing"] and terms["incident_reporting"])


def test_violated_baseline_gives_a_replayable_witness():
    translation, _ = translate(REGULATOR, LAB, LAB_MAP)
    (result,) = bl.check_translation(translation, "base.rsp").results
    # the witness is a state of the submitted policy, in STATE.json form: it reads back exactly
    state = read_state(translation.policy, result.witness.state)
    assert set(state) == set(translation.policy.variables)
    decision = evaluate(translation.policy, state)
    assert decision.allowed["deploy_api"] or decision.allowed["release_weights"]
    # and the evaluator, on the translated assertions, confirms the baseline requirement fails there
    assert evaluate(translation.checked, state).assertions["tested"] is False


def test_fixed_policy_proves_the_baseline():
    fixed = LAB.replace("permit deploy_api when tier <= low or red_team",
                        "permit deploy_api when tier <= low or red_team and incident_process")
    fixed = fixed.replace("tier high when frontier { }", "tier high when frontier { }\n"
                          "forbid release_weights when compute > 1e25 and not incident_process")
    translation, _ = translate(REGULATOR, fixed, LAB_MAP)
    (result,) = bl.check_translation(translation, "base.rsp").results
    assert result.status == "violated"  # 1e25 < compute < 1e26: tier low, deploy_api allowed untested
    assert 10 ** 25 < result.witness.state["compute"] < 10 ** 26
    fixed = fixed.replace("threshold frontier when compute >= 1e26", "threshold frontier when compute > 1e25")
    translation, _ = translate(REGULATOR, fixed, LAB_MAP)
    (result,) = bl.check_translation(translation, "base.rsp").results
    assert result.status == "proved"


def test_allowed_means_may_be_taken_requirements_included():
    # deploy is permitted by default; the requirement, not a rule, makes it conditional
    policy = """\
policy "Ex post" version "1"
metric training_compute in [0, 1e30] unit FLOP
safeguard adversarial_testing
safeguard incident_reporting
action deploy default permit
threshold big when training_compute > 1e25
tier base { }
tier systemic when big {
  require adversarial_testing, incident_reporting for deploy
}
"""
    translation, problems = translate(REGULATOR, policy)
    assert not problems
    (result,) = bl.check_translation(translation, "base.rsp").results
    assert result.status == "proved"
    # without the requirement the same policy fails the baseline
    weaker = policy.replace("  require adversarial_testing, incident_reporting for deploy\n", "")
    translation, _ = translate(REGULATOR, weaker)
    (result,) = bl.check_translation(translation, "base.rsp").results
    assert result.status == "violated"


def test_free_names_range_over_the_baseline_and_stay_out_of_the_replayed_state():
    map_text = LAB_MAP.replace("incident_reporting = incident_process", "incident_reporting = free") \
        .replace("training_compute = compute", "training_compute = free")
    translation, problems = translate(REGULATOR, LAB, map_text)
    assert not problems
    (result,) = bl.check_translation(translation, "base.rsp").results
    assert result.status == "violated"
    assert set(result.witness.state) == set(translation.policy.variables)   # replayable by `rspdsl eval`
    terms = result.facts.in_baseline_terms
    assert terms["training_compute"] > 10 ** 25
    full = dict(result.witness.state)
    full.update({bl.FREE_PREFIX + n: terms[n] for n in ("training_compute", "incident_reporting")})
    assert evaluate(translation.checked, read_state(translation.checked, full)).assertions["tested"] is False


def test_free_action_is_refused():
    translation, problems = translate(REGULATOR, LAB, LAB_MAP.replace("deploy = deploy_api or release_weights",
                                                                      "deploy = free"))
    assert translation is None
    (diag,) = [p.diagnostic for p in problems if p.diagnostic.is_error]
    assert diag.code == "E0704" and "cannot be `free`" in diag.message
    assert (diag.span.line, diag.span.column) == (4, 10)


@pytest.mark.parametrize("line, code, fragment", [
    ("adversarial_testing = red_teem", "E0103", "red_teem"),
    ("adversarial_testing = compute", "E0704", "a number in FLOP"),
    ("training_compute = red_team", "E0704", "a boolean"),
    ("nonsense = red_team", "E0703", "not declared in the baseline"),
    ("systemic = frontier", "E0703", "threshold"),
    ("tested = red_team", "E0703", "assertion"),
])
def test_mapping_type_and_name_errors_point_at_the_mapping_line(line, code, fragment):
    name = line.split(" ")[0]
    kept = [x for x in LAB_MAP.splitlines() if not x.startswith(name + " ")]
    map_text = "\n".join(kept + [line]) + "\n"
    m, diags = bl.parse_mapping(SourceFile("lab.map", map_text))
    assert not diags
    b, p = loaded(REGULATOR, "base.rsp"), loaded(LAB, "lab.rsp")
    translation, problems = bl.translate(b.policy, p, m)
    errors = [pr for pr in problems if pr.diagnostic.is_error]
    assert translation is None
    (problem,) = errors
    assert problem.source.path == "lab.map"
    assert problem.diagnostic.code == code
    assert problem.diagnostic.span.line == len(kept) + 1
    assert fragment in problem.diagnostic.message


def test_action_mapping_to_a_condition_is_a_boolean():
    map_text = LAB_MAP.replace("deploy = deploy_api or release_weights", "deploy = compute >= 1")
    translation, problems = translate(REGULATOR, LAB, map_text)
    assert translation is not None, problems   # a boolean: "deploy happens when compute >= 1"


def test_units_must_match_and_literals_adopt_them():
    other = LAB.replace("unit FLOP", "unit petaFLOP")
    b, p = loaded(REGULATOR, "base.rsp"), loaded(other, "lab.rsp")
    _, problems = bl.translate(b.policy, p, mapping(LAB_MAP))
    (diag,) = [pr.diagnostic for pr in problems if pr.diagnostic.is_error]
    assert diag.code == "E0704" and "petaFLOP" in diag.message and "units must match" in diag.hint
    constant = LAB_MAP.replace("training_compute = compute", "training_compute = 2e25")
    translation, problems = bl.translate(b.policy, p, mapping(constant))
    assert translation is not None and not problems


def test_same_name_of_another_sort_asks_for_a_mapping():
    policy = COMPLIANT.replace("safeguard incident_reporting", "metric incident_reporting in [0, 1]") \
        .replace("require adversarial_testing, incident_reporting for deploy", "require adversarial_testing for deploy") \
        .replace("adversarial_testing and incident_reporting", "adversarial_testing and incident_reporting >= 1")
    translation, problems = translate(REGULATOR, policy)
    assert translation is None
    (diag,) = [p.diagnostic for p in problems]
    assert diag.code == "E0706" and "incident_reporting" in diag.message
    assert diag.span.line == 4   # the policy's declaration of the clashing name


def test_scale_metrics_need_the_same_scale_values():
    base = """\
policy "Scaled" version "1"
scale level { low, medium, high }
metric bio_risk : level
safeguard biosafety
action deploy
tier baseline { }
assert bio: allowed(deploy) and bio_risk >= high implies biosafety
"""
    policy = """\
policy "P" version "1"
scale grade { low, medium, high }
metric bio : grade
safeguard biosafety
action deploy
tier base { }
permit deploy when bio <= medium or biosafety
"""
    translation, problems = translate(base, policy, "bio_risk = bio\n")
    assert not problems
    assert bl.check_translation(translation, "b.rsp").results[0].status == "proved"
    other = policy.replace("{ low, medium, high }", "{ none, low, medium, high }")
    translation, problems = translate(base, other, "bio_risk = bio\n")
    assert translation is None
    assert codes(problems) == ["E0704"]


def test_baseline_ranges_are_assumptions_and_gaps_are_warned():
    narrow = LAB.replace("metric compute in [0, 1e30]", "metric compute in [0, 1e28]")
    translation, problems = translate(REGULATOR, narrow, LAB_MAP)
    assert translation is not None
    (warn,) = [p.diagnostic for p in problems]
    assert warn.code == "W0701" and "[0, 1e30]" in warn.message and "[0, 1e28]" in warn.message
    # a policy that misbehaves only beyond the baseline's range passes: the baseline says nothing there
    wide = """\
policy "Wide" version "1"
metric training_compute in [0, 1e32] unit FLOP
safeguard adversarial_testing
safeguard incident_reporting
action deploy
threshold huge when training_compute > 1e30
threshold big when training_compute > 1e25
tier low { }
tier high when big { }
permit deploy when huge or adversarial_testing and incident_reporting or not big
"""
    translation, problems = translate(REGULATOR, wide)
    assert not problems
    assert bl.check_translation(translation, "b.rsp").results[0].status == "proved"


def test_interval_of_linear_expressions():
    p = loaded(LAB).policy
    from rspdsl.semantics import ir
    e = ir.Add((ir.Mul(Fraction(2), ir.Var("compute", "real")), ir.Const(Fraction(1))))
    assert bl.interval(p, e) == (Fraction(1), Fraction(2 * 10 ** 30 + 1))
    assert bl.interval(p, ir.Neg(ir.Var("compute", "real"))) == (Fraction(-10 ** 30), Fraction(0))


@pytest.mark.parametrize("extra, fragment", [
    ("permit deploy when training_compute < 1", "no `permit` rules"),
    ("require adversarial_testing for deploy", "no `require`"),
    ("assert tiered: tier >= baseline implies adversarial_testing", "uses `tier`"),
])
def test_what_a_baseline_cannot_contain(extra, fragment):
    b = loaded(REGULATOR + extra + "\n", "base.rsp")
    problems = bl.baseline_problems(b.policy, b.module)
    assert [d.code for d in problems] == ["E0707"]
    assert fragment in problems[0].message


def test_a_baseline_must_assert_something():
    text = REGULATOR.split("assert")[0] + "assert trivially: true\n"
    b = loaded(text.replace("assert trivially: true\n", ""), "base.rsp")
    assert [d.code for d in bl.baseline_problems(b.policy, b.module)] == ["E0707"]


def test_big_number_spelling():
    assert bl.big_number(10 ** 25) == "1e25"
    assert bl.big_number(26 * 10 ** 24) == "2.6e25"
    assert bl.big_number(Fraction(1, 2)) == "0.5"
    assert bl.big_number(1234567) == "1234567"


# ---------------------------------------------------------------- the command

def run_command(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    out = io.StringIO()
    with redirect_stdout(out):
        code = command.run(parser.parse_args(argv))
    return code, out.getvalue()


def test_command_exit_codes_and_text(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR)
    good = write(tmp_path, "good.rsp", COMPLIANT)
    lab = write(tmp_path, "lab.rsp", LAB)
    lab_map = write(tmp_path, "lab.map", LAB_MAP)
    assert run_command([base, good])[0] == 0
    code, out = run_command([base, lab, "--map", lab_map])
    assert code == 1
    assert "error[assert:tested] Baseline requirement `tested`" in out
    assert "in baseline terms:" in out and "bound: " in out
    code, out = run_command([base, lab])
    assert code == 2
    assert "E0705 baseline safeguard `adversarial_testing` has no counterpart" in out


def test_command_reports_mapping_errors_in_the_mapping_file(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR)
    lab = write(tmp_path, "lab.rsp", LAB)
    bad = write(tmp_path, "bad.map", LAB_MAP.replace("= red_team", "= red_teem"))
    code, out = run_command([base, lab, "--map", bad])
    assert code == 2
    assert f"{bad}:3:23: E0103 unknown name `red_teem`" in out
    assert "did you mean `red_team`?" in out


def test_command_pairs_maps_with_policies(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR)
    good = write(tmp_path, "good.rsp", COMPLIANT)
    lab = write(tmp_path, "lab.rsp", LAB)
    maps = tmp_path / "maps"
    maps.mkdir()
    write(maps, "lab.map", LAB_MAP)
    code, out = run_command([base, good, lab, "--maps", str(maps), "--format", "json"])
    assert code == 1
    data = json.loads(out)
    verdicts = {Path(f["file"]).name: [r["status"] for r in f["results"]] for f in data["files"]}
    assert verdicts == {"good.rsp": ["proved"], "lab.rsp": ["violated"]}
    with pytest.raises(ValueError, match="one per policy"):
        command.pair_maps([good, lab, base], ["a.map", "b.map"], None)
    assert command.pair_maps([good, lab], ["a.map"], None) == ["a.map", "a.map"]


def test_command_formats(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR)
    lab = write(tmp_path, "lab.rsp", LAB)
    lab_map = write(tmp_path, "lab.map", LAB_MAP)
    code, out = run_command([base, lab, "--map", lab_map, "--format", "markdown"])
    assert code == 1 and out.startswith(f"## rspdsl baseline `{base}`")
    code, out = run_command([base, lab, "--map", lab_map, "--format", "sarif"])
    log = json.loads(out)
    import jsonschema

    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "assert" and result["kind"] == "fail"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("lab.rsp")
    bad = write(tmp_path, "bad.map", LAB_MAP.replace("= red_team", "= red_teem"))
    code, out = run_command([base, lab, "--map", bad, "--format", "sarif"])
    log = json.loads(out)
    assert code == 2
    (diag,) = log["runs"][0]["results"]
    assert diag["ruleId"] == "E0103"
    assert diag["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("bad.map")
    assert diag["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    if SARIF_SCHEMA.exists():
        import jsonschema
        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)


def test_long_replay_hints_point_at_the_baseline_command():
    from rspdsl.diagnostics import Severity
    from rspdsl.logic.facts import AssertionFacts
    from rspdsl.logic.results import Result, Status, Witness
    from rspdsl.render.results_text import replay_hint

    source = command.replay_source("base.rsp", {"p.rsp": "p.map", "q.rsp": None})
    run = Result("assert:x", "x", Status.VIOLATED, Severity.ERROR, AssertionFacts("x"),
                 Witness(run=[{"day": 0, "state": {}, "acts": []}]), ())
    [hint] = replay_hint("p.rsp", run, source("p.rsp"))
    assert hint.startswith("  replay: rspdsl baseline base.rsp p.rsp --map p.map --format json | "
                           "jq -c '.files[] | select(.file == \"p.rsp\") | .results[] | select(")
    assert '.witness.run[] | .state |= with_entries(select(.key | startswith("baseline.") | not))' in hint
    assert hint.endswith("> run.jsonl && rspdsl eval p.rsp --run run.jsonl")
    [unmapped] = replay_hint("q.rsp", run, source("q.rsp"))
    assert unmapped.startswith("  replay: rspdsl baseline base.rsp q.rsp --format json | ")
    # check's own hint is unchanged: its one file's results
    [own] = replay_hint("p.rsp", run)
    assert own.startswith("  replay: rspdsl check p.rsp --format json | jq -c '.files[0].results[] | select(")


def test_bad_baseline_stops_before_the_policies(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR + "permit deploy\n")
    good = write(tmp_path, "good.rsp", COMPLIANT)
    code, out = run_command([base, good, "--format", "json"])
    assert code == 2
    files = json.loads(out)["files"]
    assert [Path(f["file"]).name for f in files] == ["base.rsp"]
    assert files[0]["diagnostics"][0]["code"] == "E0707"


def test_unreadable_files_are_exit_2(tmp_path):
    base = write(tmp_path, "base.rsp", REGULATOR)
    assert run_command([base, str(tmp_path / "missing.rsp")])[0] == 2
    good = write(tmp_path, "good.rsp", COMPLIANT)
    code, out = run_command([base, good, "--map", str(tmp_path / "missing.map")])
    assert code == 2 and "E0001" in out


# ---------------------------------------------------------------- the shipped baseline and the four frameworks

FRAMEWORKS = ("anthropic-rsp-v2.2", "openai-preparedness-v2", "gdm-fsf-v3", "eu-ai-act-gpai",
              "anthropic-rsp-v3", "gdm-fsf-v3.1", "xai-rmf")   # the last three: corpus v2 (issue 12)

# Verdicts of policies/baselines/eu-gpai-baseline.rsp over the four encodings, with the shipped maps
# (docs/findings.md, "Checked against the EU GPAI baseline", explains each).
EXPECTED = {
    "anthropic-rsp-v2.2": {
        "notify-commission": "violated", "adversarial-testing": "violated", "assess-and-mitigate": "violated",
        "incident-reporting": "violated", "cybersecurity": "proved", "framework-and-model-report": "violated",
        "acceptable-risk-only": "proved"},
    # OpenAI, language v2: 4.3 no longer stands in for 4.2's finding (acceptable-risk-only proved) but
    # is a per-category waiver of the misuse safeguards, so assess-and-mitigate fails under it
    "openai-preparedness-v2": {
        "notify-commission": "violated", "adversarial-testing": "proved", "assess-and-mitigate": "violated",
        "incident-reporting": "violated", "cybersecurity": "proved", "framework-and-model-report": "violated",
        "acceptable-risk-only": "proved"},
    # GDM, language v2 (issue 12): the response plan (1.4 / 1.3.3) is recommended, so assess-and-mitigate
    # fails at an alert threshold; v3.0's security levels are recommendations (cybersecurity fails);
    # v3.1's bind but the 2.2 comparator `waive` lifts them (peers with weaker security), so
    # cybersecurity fails for both (docs/findings.md "Checked against the EU GPAI baseline").
    "gdm-fsf-v3": {
        "notify-commission": "violated", "adversarial-testing": "proved", "assess-and-mitigate": "violated",
        "incident-reporting": "violated", "cybersecurity": "violated", "framework-and-model-report": "violated",
        "acceptable-risk-only": "proved"},
    "anthropic-rsp-v3": {name: "violated" for name in (
        "notify-commission", "adversarial-testing", "assess-and-mitigate", "incident-reporting", "cybersecurity",
        "framework-and-model-report", "acceptable-risk-only")},
    "gdm-fsf-v3.1": {
        "notify-commission": "violated", "adversarial-testing": "proved", "assess-and-mitigate": "violated",
        "incident-reporting": "violated", "cybersecurity": "violated", "framework-and-model-report": "violated",
        "acceptable-risk-only": "proved"},
    "xai-rmf": {
        "notify-commission": "violated", "adversarial-testing": "proved", "assess-and-mitigate": "violated",
        "incident-reporting": "violated", "cybersecurity": "proved", "framework-and-model-report": "violated",
        "acceptable-risk-only": "violated"},
    # re-encoded with language v2 (issue 12): Art. 52(1) is a duty over runs, which the state-by-state
    # baseline cannot read (its map leaves `days_to_notify_commission` free), and the Code's stop
    # (Measure 4.2) binds signatories only, so a non-signatory's unacceptable model reaches the market
    "eu-ai-act-gpai": {
        "notify-commission": "violated", "adversarial-testing": "proved", "assess-and-mitigate": "proved",
        "incident-reporting": "proved", "cybersecurity": "proved", "framework-and-model-report": "proved",
        "acceptable-risk-only": "violated"},
}


def test_shipped_baseline_is_a_valid_baseline():
    b = load_file(str(BASELINE))
    assert b.ok, b.diagnostics
    assert not bl.baseline_problems(b.policy, b.module)
    assert {a.name for a in b.policy.assertions} == set(EXPECTED["eu-ai-act-gpai"])


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_frameworks_against_the_eu_baseline(framework):
    b = load_file(str(BASELINE))
    p = load_file(str(ROOT / "policies" / f"{framework}.rsp"))
    assert p.ok, p.diagnostics
    m, diags = bl.load_mapping(str(MAPS / f"{framework}.map"))
    assert not diags
    translation, problems = bl.translate(b.policy, p, m)
    assert translation is not None, [(pr.source.path, pr.diagnostic) for pr in problems]
    report = bl.check_translation(translation, str(BASELINE))
    verdicts = {r.subject: r.status for r in report.results}
    assert verdicts == EXPECTED[framework]
    for r in report.results:
        if r.status == "violated" and r.witness.run is not None:
            # a v2 policy (duties, events): a one-step run whose state also gives the free names
            last = r.witness.run[-1]["state"]
            own = {n: v for n, v in last.items() if not n.startswith(bl.FREE_PREFIX)}
            assert set(read_state(p.policy, own)) == set(p.policy.variables)
            assert evaluate(translation.checked, read_state(translation.checked, last)).assertions[r.subject] is False
        elif r.status == "violated":  # every witness is a state of the framework's own policy
            state = read_state(p.policy, r.witness.state)
            terms = r.facts.in_baseline_terms
            free = {}
            for n, binding in translation.bindings.items():
                if binding.origin == "free":  # a free name this assertion does not use: any value will do
                    var = b.policy.variables[n]
                    free[bl.FREE_PREFIX + n] = terms.get(n, False if var.sort == "bool" else var.lo)
            full = read_state(translation.checked, {**r.witness.state, **free})
            assert set(state) == set(p.policy.variables)
            assert evaluate(translation.checked, full).assertions[r.subject] is False


def test_eu_encoding_needs_one_mapping_line():
    """The baseline uses the EU encoding's names; only Art. 52(1)'s number of days has no counterpart,
    because the encoding states it as a duty over runs (its map leaves it free)."""
    b = load_file(str(BASELINE))
    p = load_file(str(ROOT / "policies" / "eu-ai-act-gpai.rsp"))
    translation, problems = bl.translate(b.policy, p, None)
    assert translation is None
    assert [(pr.diagnostic.code, pr.diagnostic.message.split("`")[1]) for pr in problems] == \
        [("E0705", "days_to_notify_commission")]
    m, diags = bl.load_mapping(str(MAPS / "eu-ai-act-gpai.map"))
    assert not diags
    translation, problems = bl.translate(b.policy, p, m)
    assert translation is not None and not problems
    origins = {n: x.origin for n, x in translation.bindings.items()}
    assert origins.pop("days_to_notify_commission") == "free"
    assert set(origins.values()) == {"same name"}


def test_every_shipped_map_has_a_framework():
    stems = {p.stem for p in MAPS.glob("*.map")}
    assert stems == set(FRAMEWORKS)


# ---------------------------------------------------------------- robustness

_PIECES = st.sampled_from(["a", "red_team", "=", "==", " ", "(", ")", "and", "#", "1e25", "free", "allowed(",
                           "tier", "policy", "assert x:", "-", "\t", "\r", "\"", "permit deploy_api", "ü", "\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_any_mapping_text_gives_diagnostics_never_a_traceback(text):
    m, diags = bl.parse_mapping(SourceFile("fuzz.map", text))
    lines = text.split("\n")
    for d in diags:  # every diagnostic points inside the mapping file
        assert 1 <= d.span.line <= len(lines)
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1
    b, p = loaded(REGULATOR, "base.rsp"), loaded(LAB, "lab.rsp")
    translation, problems = bl.translate(b.policy, p, m)
    assert (translation is None) == any(pr.diagnostic.is_error for pr in problems)


# ---------------------------------------------------------------- what the parser accepts

def test_baseline_and_mapping_read_whatever_the_parser_accepts(tmp_path):
    """`baseline` once failed with E0900 (RecursionError) on long `implies`/`or`/`and` chains in a
    baseline or a mapping file; the inputs sit at the parser's limits (rspdsl.syntax.parser)."""
    import subprocess
    import sys

    from rspdsl.syntax.parser import MAX_DEPTH, MAX_PATH
    n = MAX_PATH - 10
    chains = {op: f" {op} ".join(["j"] * n) for op in ("implies", "or", "and")}
    nots = "not " * (MAX_DEPTH - 2) + "j"
    baseline = write(tmp_path, "deep-baseline.rsp", (
        'policy "Deep baseline"\njudgement j\naction a\ntier base { }\n'
        f"threshold T when {chains['implies']}\n"
        f"threshold U when T implies ({' implies '.join(['j'] * (n - 20))})\n"
        f"assert x: U implies allowed(a)\nassert y: {nots}\nassert z: {chains['or']}\n"))
    policy = write(tmp_path, "policy.rsp", 'policy "P"\njudgement j\naction a\ntier base { }\npermit a when j\n')
    maps = {op: write(tmp_path, f"{op}.map", f"j = {chain}\n") for op, chain in chains.items()}
    maps["not"] = write(tmp_path, "not.map", f"j = {nots}\n")

    def rspdsl(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=300)

    assert rspdsl("check", baseline).returncode in (0, 1)   # accepted as it is
    runs = [rspdsl("baseline", baseline, policy, "--format", "json")]
    runs += [rspdsl("baseline", simple_baseline(tmp_path), policy, "--map", m, "--format", "json")
             for m in maps.values()]
    for r in runs:
        assert r.returncode in (0, 1), r.stdout + r.stderr
        assert "E0900" not in r.stdout + r.stderr
        results = [res for f in json.loads(r.stdout)["files"] for res in f["results"]]
        assert results and all(res["status"] in ("proved", "violated") for res in results)


def simple_baseline(tmp_path) -> str:  # noqa: N802  (a file the mapping tests share)
    return write(tmp_path, "simple-baseline.rsp",
                 'policy "Simple"\njudgement j\naction a\ntier base { }\nassert x: j implies allowed(a)\n')


def test_a_run_witness_replay_hint_runs_and_feeds_the_policy_its_own_names(tmp_path):
    """The text output's replay line for a run witness (a policy about time against a baseline)
    selects the witness from `rspdsl baseline`'s JSON and keeps the policy's names only, so the
    policy's `eval --run` reads the run (it names the baseline's inputs too, `baseline.NAME`)."""
    import shutil
    import subprocess
    import sys

    assert shutil.which("jq"), "jq is needed to run the replay hints (.ci/run installs it)"
    root = Path(__file__).resolve().parents[1]
    args = ["policies/baselines/eu-gpai-baseline.rsp", "policies/anthropic-rsp-v2.2.rsp",
            "--map", "policies/baselines/maps/anthropic-rsp-v2.2.map"]
    out = subprocess.run([sys.executable, "-m", "rspdsl", "baseline", *args], cwd=root,
                         capture_output=True, text=True).stdout
    hint = next(line for line in out.splitlines() if "replay:" in line and "--run run.jsonl" in line)
    command = hint.split("replay: ", 1)[1].replace("rspdsl ", f"{shlex.quote(sys.executable)} -m rspdsl ")
    command = command.replace("policies/", f"{root}/policies/").replace("> run.jsonl", f"> {tmp_path}/run.jsonl") \
        .replace("--run run.jsonl", f"--run {tmp_path}/run.jsonl")
    done = subprocess.run(["bash", "-c", "set -o pipefail; " + command], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    run = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert run and not any(k.startswith("baseline.") for step in run for k in step["state"])


def test_a_waiver_lifts_a_requirement_in_the_baselines_reading_of_may_take(tmp_path):
    """Soundness: `allowed(A)` in a baseline reads "A may be taken": allowed by the rules with every
    requirement active for A met, and a requirement a `waive` lifts is not active. A policy whose
    requirements meet the baseline stops meeting it once a waiver can lift one of them."""
    base = write(tmp_path, "base.rsp", REGULATOR)
    required = COMPLIANT.replace("permit deploy when tier <= low or adversarial_testing and incident_reporting",
                                 "permit deploy")
    code, _ = run_command([base, write(tmp_path, "required.rsp", required)])
    assert code == 0  # the requirements alone meet the baseline
    waived = write(tmp_path, "waived.rsp", required + "judgement rival_shipped\n"
                   "waive incident_reporting for deploy when rival_shipped\n")
    code, out = run_command([base, waived, "--format", "json"])
    [result] = json.loads(out)["files"][0]["results"]
    assert code == 1 and result["status"] == "violated"
    state = result["witness"]["state"]
    assert state["rival_shipped"] is True and state["incident_reporting"] is False
