"""`check --format json`: the contract's shape, exact numbers, replayable witnesses."""
from __future__ import annotations

import json
from fractions import Fraction

from render_samples import POLICY, checked_broken, checked_ok

from rspdsl.analyses.checked import CheckedFile
from rspdsl.diagnostics import Severity
from rspdsl.frontend import load_text
from rspdsl.logic.facts import Consistency, Mitigation
from rspdsl.logic.results import Report, Result, Status, Witness
from rspdsl.render.json_out import check_json, plain, render_json
from rspdsl.source import SourceFile, Span
from rspdsl.state import read_state

RESULT_KEYS = {"property", "subject", "status", "severity", "message", "witness", "locations", "details"}
DIAG_KEYS = {"severity", "code", "message", "line", "column", "end_line", "end_column", "hint", "related"}


def test_top_level_shape_and_file_entries():
    doc = json.loads(render_json([checked_ok(), checked_broken()]))
    assert list(doc) == ["files"]
    ok, broken = doc["files"]
    assert (ok["file"], ok["policy"], ok["diagnostics"]) == ("p.rsp", "Test RSP", [])
    assert [r["property"] for r in ok["results"]] == [
        "mitigations", "consistency", "monotonic", "reachability", "reachability", "assert:no-deploy-at-asl3"]
    assert all(set(r) == RESULT_KEYS for r in ok["results"])
    assert broken["results"] == [] and broken["policy"] == "Broken"


def test_statuses_severities_and_locations():
    results = json.loads(render_json([checked_ok()]))["files"][0]["results"]
    by = {(r["property"], r["subject"]): r for r in results}
    mit = by[("mitigations", "deploy: asl3_security")]
    assert (mit["status"], mit["severity"]) == ("violated", "error")
    assert mit["locations"][0] == {"line": 12, "column": 11, "end_line": 12, "end_column": 24,
                                   "message": "the requirement"}
    assert mit["locations"][1]["line"] == 16 and mit["locations"][1]["message"] == "a rule permitting the action"
    assert by[("reachability", "rule 2")]["severity"] == "warning"
    unknown = by[("assert:no-deploy-at-asl3", "no-deploy-at-asl3")]
    assert unknown["status"] == "unknown" and unknown["details"] == {"reason": "timeout"}
    assert by[("consistency", "deploy")]["witness"] is None


def test_witness_numbers_are_exact_in_the_text():
    text = render_json([checked_ok()])
    assert '"cbrn_uplift": 0.9' in text      # a finite decimal is written as a JSON number
    assert '"cbrn_uplift": "1/3"' in text    # anything else as an exact "p/q" string
    assert "0.333" not in text


def test_witness_forms():
    results = json.loads(render_json([checked_ok()]))["files"][0]["results"]
    assert results[0]["witness"] == {"state": {"cbrn_uplift": 0.9, "panel": False, "asl3_security": False}}
    assert set(results[2]["witness"]) == {"lower", "higher"}


def test_single_state_witness_replays_through_the_state_reader():
    policy = load_text(POLICY, "p.rsp").policy
    assert policy is not None
    doc = json.loads(render_json([checked_ok()]))
    state_json = json.dumps(doc["files"][0]["results"][0]["witness"]["state"])
    state = read_state(policy, state_json)
    assert state["cbrn_uplift"] == Fraction(9, 10) and state["asl3_security"] is False
    lower = doc["files"][0]["results"][2]["witness"]["lower"]
    assert read_state(policy, json.dumps(lower))["cbrn_uplift"] == Fraction(1, 3)


def test_front_end_failure_keeps_its_diagnostics():
    diag = json.loads(render_json([checked_broken()]))["files"][0]["diagnostics"][0]
    assert set(diag) == DIAG_KEYS
    assert (diag["severity"], diag["code"], diag["line"], diag["column"]) == ("error", "E0103", 3, 20)
    assert diag["end_column"] == 31 and diag["hint"] == "did you mean `cbrn_uplift`?"
    assert diag["related"] == [{"line": 2, "column": 1, "end_line": 2, "end_column": 14, "message": "the action"}]


def test_unreadable_file_has_null_policy():
    unread = CheckedFile("missing.rsp", SourceFile("missing.rsp", ""), None, checked_broken().diagnostics, None)
    entry = check_json([unread])["files"][0]
    assert entry["policy"] is None and entry["results"] == []


def test_output_is_deterministic():
    assert render_json([checked_ok(), checked_broken()]) == render_json([checked_ok(), checked_broken()])


def test_details_become_plain_json():
    span = Span(2, 3, 2, 9)
    details = {"core": ("a", "b"), "names": frozenset({"y", "x"}), "at": span, "bound": Fraction(1, 4),
               "ratio": 0.5, "other": object}
    out = plain(details)
    assert out["core"] == ["a", "b"] and out["names"] == ["x", "y"]
    assert out["at"] == {"line": 2, "column": 3, "end_line": 2, "end_column": 9}
    assert out["bound"] == Fraction(1, 4) and out["ratio"] == Fraction(1, 2)
    assert isinstance(out["other"], str)
    result = Result("consistency", "deploy", Status.VIOLATED, Severity.ERROR,
                    Consistency("deploy", core=("a", "b"), core_lines=(3, 4), inputs={"bound": Fraction(1, 4)}))
    text = render_json([CheckedFile("q.rsp", SourceFile("q.rsp", ""), "Q", (), Report((result,)))])
    assert '"bound": 0.25' in text


def test_empty_witness_is_null():
    result = Result("mitigations", "deploy", Status.VIOLATED, Severity.ERROR, Mitigation("deploy", "s", 1), Witness())
    entry = check_json([CheckedFile("q.rsp", SourceFile("q.rsp", ""), "Q", (), Report((result,)))])
    assert entry["files"][0]["results"][0]["witness"] is None
