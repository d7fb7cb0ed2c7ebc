"""Accepted findings (`accept`): reported as accepted in every format, not counted as violations,
W0303 for an accept that matches nothing, SARIF suppressions, `diff` counts a new one as a
weakening, `fmt` keeps them."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rspdsl.cli import main
from rspdsl.commands.fmt import format_text

SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"

GAP = """policy "x" version "1"
metric m in [0, 1]
safeguard s
action deploy default permit
threshold T when m >= 0.5
tier A { }
tier B when T {
  require s for deploy
}
assert safe: allowed(deploy) and tier >= B implies s
"""
ACCEPTS = ('accept mitigations "deploy: s" "tracked in RISK-12" by "Safety team"\n'
           'accept assert:safe "safe" "the same gap" by "Safety team"\n')


@pytest.fixture
def accepted(tmp_path: Path) -> Path:
    path = tmp_path / "p.rsp"
    path.write_text(GAP + ACCEPTS)
    return path


def check(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", "--no-cache", *args])
    return code, capsys.readouterr().out


def test_accepted_findings_are_not_violations_in_text(accepted, capsys):
    code, out = check(capsys, str(accepted))
    assert code == 0
    assert f"{accepted}:8:11: accepted[mitigations] deploy can be allowed" in out
    assert "accepted at line 11 by Safety team: tracked in RISK-12" in out
    assert out.rstrip().splitlines()[-1].startswith(f"{accepted}: 8 proved, 0 violated, 2 accepted, 0 unknown")
    code, out = check(capsys, str(accepted), str(accepted.with_name("none.rsp")))
    assert "accepted[assert:safe]" in out and "(accepted by Safety team: the same gap)" in out


def test_without_the_accepts_the_gap_fails(tmp_path, capsys):
    path = tmp_path / "p.rsp"
    path.write_text(GAP)
    code, out = check(capsys, str(path))
    assert code == 1 and "error[mitigations]" in out


def test_json_sarif_and_markdown(accepted, capsys):
    code, out = check(capsys, str(accepted), "--format", "json")
    results = {r["property"]: r for r in json.loads(out)["files"][0]["results"] if r["status"] != "proved"}
    assert code == 0 and {r["status"] for r in results.values()} == {"accepted"}
    assert results["mitigations"]["details"]["accepted"] == {"reason": "tracked in RISK-12", "owner": "Safety team",
                                                            "line": 11}
    code, out = check(capsys, str(accepted), "--format", "sarif")
    doc = json.loads(out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(doc)
    suppressed = [r for r in doc["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == 2
    assert suppressed[0]["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                              "justification": "tracked in RISK-12 (owner: Safety team)"}]
    code, out = check(capsys, str(accepted), "--format", "markdown")
    assert code == 0 and "accepted" in out


def test_an_accept_that_matches_nothing_is_a_warning(tmp_path, capsys):
    path = tmp_path / "p.rsp"
    path.write_text(GAP + 'accept mitigations "deploy: ss" "typo" by "x"\n'
                    'accept monotonic "deploy" "never violated" by "x"\n')
    code, out = check(capsys, str(path))
    assert code == 1  # the real finding is still a violation
    assert "W0303 warning: `accept mitigations 'deploy: ss'` matches no finding" in out
    assert "did you mean `deploy: s`?" in out
    assert "W0303 warning: `accept monotonic 'deploy'` matches a finding that is now proved" in out
    assert "remove this `accept`" in out
    code, out = check(capsys, str(path), "--property", "reachability")
    assert "W0303" not in out  # neither property was checked


def test_fmt_keeps_accepts(accepted):
    formatted = format_text(accepted.read_text(), str(accepted))
    assert formatted.text == accepted.read_text()


def test_diff_reports_a_new_accept_as_a_weakening(tmp_path, accepted, capsys):
    old = tmp_path / "old.rsp"
    old.write_text(GAP)
    assert main(["diff", str(old), str(accepted)]) == 1
    out = capsys.readouterr().out
    assert "weakening: NEW accepts the finding mitigations deploy: s (by" in out
    assert "Verdict: weaker." in out
    assert main(["diff", str(old), str(accepted), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "weaker" and doc["summary"]["weakenings"] == 2
    assert [f["name"] for f in doc["force"] if f["detail"] == "accepted"] == ["mitigations deploy: s", "assert:safe safe"]
    assert main(["diff", str(accepted), str(old)]) == 0  # removing an accept is a strengthening
    assert "strengthening: NEW no longer accepts the finding mitigations deploy: s" in capsys.readouterr().out
