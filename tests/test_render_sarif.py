"""`check --format sarif`: valid SARIF 2.1.0 (official schema), levels and kinds, exact witnesses."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from render_samples import checked_all_proved, checked_broken, checked_ok

import rspdsl
from rspdsl.analyses.checked import CheckedFile
from rspdsl.diagnostics import Severity
from rspdsl.logic.facts import Mitigation, TierReach
from rspdsl.logic.results import Report, Result, Status
from rspdsl.render.sarif import artifact_uri, region, render_sarif
from rspdsl.source import Location, SourceFile, Span

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"  # the official schema, vendored


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft4Validator(schema)


def sarif(files):
    return json.loads(render_sarif(files))


@pytest.mark.parametrize("files", [
    [checked_ok()], [checked_broken()], [checked_all_proved()], [checked_ok(), checked_broken()], [],
], ids=["violated-proved-unknown", "front-end-error", "all-proved", "mixed", "no-files"])
def test_valid_against_the_official_schema(validator, files):
    errors = sorted(validator.iter_errors(sarif(files)), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def test_driver_and_rules():
    run = sarif([checked_ok(), checked_broken()])["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "rspdsl" and driver["version"] == rspdsl.__version__
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["mitigations", "consistency", "monotonic", "reachability", "assert", "E0103"]
    assert run["columnKind"] == "unicodeCodePoints"
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_no_assert_rule_without_assertions():
    ids = [r["id"] for r in sarif([checked_all_proved()])["runs"][0]["tool"]["driver"]["rules"]]
    assert "assert" not in ids and "E0103" not in ids


def test_levels_and_kinds():
    results = sarif([checked_ok()])["runs"][0]["results"]
    got = [(r["ruleId"], r["properties"]["subject"], r["kind"], r["level"]) for r in results]
    assert got == [
        ("mitigations", "deploy: asl3_security", "fail", "error"),
        ("consistency", "deploy", "pass", "none"),
        ("monotonic", "deploy", "fail", "error"),
        ("reachability", "ASL-3", "pass", "none"),
        ("reachability", "rule 2", "fail", "warning"),
        ("assert", "no-deploy-at-asl3", "open", "none"),
    ]
    # SARIF §3.27.10: a level other than "none" only goes with kind "fail"
    assert all(r["level"] == "none" or r["kind"] == "fail" for r in results)


def test_locations_and_related_locations():
    first = sarif([checked_ok()])["runs"][0]["results"][0]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "p.rsp"
    assert loc["region"] == {"startLine": 12, "startColumn": 11, "endLine": 12, "endColumn": 24}
    related = first["relatedLocations"]
    assert related[0]["message"]["text"] == "a rule permitting the action"
    assert related[0]["physicalLocation"]["region"]["startLine"] == 16


def test_witness_and_status_in_properties_exactly():
    text = render_sarif([checked_ok()])
    props = json.loads(text)["runs"][0]["results"][0]["properties"]
    assert props["witness"] == {"state": {"cbrn_uplift": 0.9, "panel": False, "asl3_security": False}}
    assert props["status"] == "violated" and props["property"] == "mitigations"
    assert '"1/3"' in text  # the monotonic pair's non-decimal value, exact


def test_front_end_diagnostics_are_results():
    results = sarif([checked_broken()])["runs"][0]["results"]
    assert len(results) == 1
    (r,) = results
    assert (r["ruleId"], r["level"], r["kind"]) == ("E0103", "error", "fail")
    assert "did you mean" in r["message"]["text"]
    assert r["locations"][0]["physicalLocation"]["region"]["startColumn"] == 20
    assert r["relatedLocations"][0]["message"]["text"] == "the action"


def test_internal_error_marks_execution_unsuccessful(validator):
    from rspdsl.analyses.checked import internal_error

    failed = CheckedFile("x.rsp", SourceFile("x.rsp", ""), None, (internal_error(RuntimeError("boom")),), None)
    log = sarif([failed])
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert log["runs"][0]["results"][0]["ruleId"] == "E0900"


def test_result_without_location_and_degenerate_spans_stay_valid(validator):
    results = (Result("reachability", "ASL-4", Status.VIOLATED, Severity.ERROR, TierReach(tier="ASL-4")),
               Result("mitigations", "deploy", Status.VIOLATED, Severity.ERROR, Mitigation("deploy", "s", 1),
                      locations=(Location(Span(0, 0, 0, 0)),)))
    log = sarif([CheckedFile("dir with space/p q.rsp", SourceFile("p", ""), "P", (), Report(results))])
    assert not list(validator.iter_errors(log))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "dir%20with%20space/p%20q.rsp"


def test_region_is_one_based_and_ordered():
    assert region(Span(0, 0, 0, 0)) == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    assert region(Span(3, 5, 3, 2))["endColumn"] == 5
    assert region(Span(3, 5, 4, 1)) == {"startLine": 3, "startColumn": 5, "endLine": 4, "endColumn": 1}


def test_artifact_uri():
    assert artifact_uri("policies/a.rsp") == "policies/a.rsp"
    assert artifact_uri("a\\b.rsp") == "a/b.rsp"
    assert artifact_uri("/tmp/a b.rsp") == "file:///tmp/a%20b.rsp"


def test_fingerprints_hash_property_and_subject_only():
    import hashlib
    results = sarif([checked_ok()])["runs"][0]["results"]
    moved = sarif([checked_ok("elsewhere/p.rsp", seconds=9.0)])["runs"][0]["results"]
    for r, m in zip(results, moved):
        props = r["properties"]
        expected = hashlib.sha256(f"{props['property']}\n{props['subject']}".encode()).hexdigest()
        assert r["partialFingerprints"] == {"rspdsl/v1": expected} == m["partialFingerprints"]
    assert len({r["partialFingerprints"]["rspdsl/v1"] for r in results}) == len(results)
