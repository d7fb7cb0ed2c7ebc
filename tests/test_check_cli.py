"""`rspdsl check` end to end: exit codes 0/1/2/3, every format parses, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from render_samples import BROKEN, CLEAN, POLICY

from rspdsl.cli import build_parser
from rspdsl.commands import check
from rspdsl.diagnostics import Severity
from rspdsl.logic.facts import Mitigation
from rspdsl.logic.results import Report, Result, Status

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"  # the official schema, vendored


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in (("clean.rsp", CLEAN), ("violated.rsp", POLICY), ("broken.rsp", BROKEN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name.removesuffix(".rsp")] = str(tmp_path / name)
    (tmp_path / "latin1.rsp").write_bytes(b'policy "caf\xe9"\n')
    out["latin1"] = str(tmp_path / "latin1.rsp")
    (tmp_path / "empty").mkdir()
    out["dir"] = str(tmp_path / "empty")  # a directory is searched for *.rsp; one with none is unusable
    out["missing"] = str(tmp_path / "nope.rsp")
    return out


def rspdsl(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    environ.pop("RSPDSL_DEBUG", None)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "rspdsl", "check", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- exit codes, subprocess

def test_clean_policy_exits_0(files):
    proc = rspdsl(files["clean"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.splitlines()[-1]
    assert last.startswith(f"{files['clean']}: ") and " 0 violated, 0 unknown (" in last


def test_violation_exits_1_with_a_replayable_witness(files):
    proc = rspdsl(files["violated"])
    assert proc.returncode == 1, proc.stderr
    assert f"{files['violated']}:12:11: error[mitigations]" in proc.stdout
    assert "replay: echo " in proc.stdout and proc.stderr == ""


@pytest.mark.parametrize("which,code", [("broken", "E0103"), ("dir", "E0001"), ("missing", "E0001"),
                                        ("latin1", "E0002")])
def test_unusable_input_exits_2(files, which, code):
    proc = rspdsl(files[which])
    assert proc.returncode == 2
    assert code in proc.stdout and "not checked" in proc.stdout
    assert_no_traceback(proc)


def test_every_file_is_checked_even_after_an_unusable_one(files):
    proc = rspdsl(files["missing"], files["violated"], "--format", "json")
    assert proc.returncode == 2
    missing, violated = json.loads(proc.stdout)["files"]
    assert missing["policy"] is None and missing["results"] == [] and missing["diagnostics"][0]["code"] == "E0001"
    assert violated["policy"] == "Test RSP"
    assert any(r["status"] == "violated" for r in violated["results"])


def test_json_output(files):
    proc = rspdsl(files["clean"], files["violated"], "--format", "json")
    assert proc.returncode == 1
    clean, violated = json.loads(proc.stdout)["files"]
    assert {r["status"] for r in clean["results"]} == {"proved"}
    props = {r["property"] for r in clean["results"]}
    assert {"mitigations", "consistency", "monotonic", "reachability", "assert:secure-at-asl3"} <= props
    witness = next(r["witness"] for r in violated["results"] if r["property"] == "mitigations")
    assert set(witness["state"]) == {"cbrn_uplift", "panel", "asl3_security"}


def test_sarif_output_is_valid(files):
    proc = rspdsl(files["clean"], files["violated"], files["broken"], "--format", "sarif")
    assert proc.returncode == 2
    log = json.loads(proc.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    kinds = {r["kind"] for r in log["runs"][0]["results"]}
    assert kinds == {"pass", "fail"}


def test_markdown_output(files):
    proc = rspdsl(files["violated"], "--format", "markdown")
    assert proc.returncode == 1
    assert proc.stdout.startswith("## rspdsl check\n") and "❌ violated" in proc.stdout


def test_a_terminal_that_cannot_encode_gets_escapes_not_a_crash(files):
    proc = rspdsl(files["violated"], "--format", "markdown", PYTHONIOENCODING="ascii")
    assert proc.returncode == 1 and "\\u274c violated" in proc.stdout
    assert_no_traceback(proc)


def test_property_selection(files):
    proc = rspdsl(files["violated"], "--property", "consistency,reachability", "--format", "json")
    props = {r["property"] for r in json.loads(proc.stdout)["files"][0]["results"]}
    assert props == {"consistency", "reachability"}
    assert proc.returncode == 0  # the violations are in properties not checked


@pytest.mark.parametrize("flags", [["--format", "xml"], ["--timeout", "0"], ["--timeout", "soon"],
                                   ["--property", "bogus"], ["--seed", "x"]])
def test_bad_flags_exit_2(files, flags):
    proc = rspdsl(files["clean"], *flags)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "error:" in proc.stderr
    assert_no_traceback(proc)


def test_misspelt_assertion_exits_2(files):
    proc = rspdsl(files["clean"], "--property", "assert:secure-at-asl4")
    assert proc.returncode == 2
    assert "assert:secure-at-asl4" in proc.stderr


# ---------------------------------------------------------------- run() with a stubbed prover

def parse(*argv: str):
    return build_parser("check").parse_args(["check", *argv])


def stub_verify_unknown(policy, **options) -> Report:
    return Report((Result("mitigations", "deploy", Status.UNKNOWN, Severity.ERROR,
                          Mitigation("deploy", "asl3_security", 12), reason="timeout"),))


def stub_verify_crashes(policy, **options) -> Report:
    raise RuntimeError("solver exploded")


def test_unknown_exits_3(files, capsys):
    assert check.run(parse(files["clean"]), verify=stub_verify_unknown) == 3
    out = capsys.readouterr().out
    assert "unknown[mitigations] Could not decide whether deploy can be allowed without `asl3_security`." in out
    assert "reason: timeout" in out


def test_violation_outranks_unknown_and_unusable_outranks_both(files, capsys):
    def mixed(policy, **options):
        status = "violated" if policy.title == "Test RSP" else "unknown"
        return Report((Result("mitigations", "deploy", Status(status), Severity.ERROR, Mitigation("deploy", "s", 1)),))

    assert check.run(parse(files["clean"], files["violated"]), verify=mixed) == 1
    assert check.run(parse(files["clean"], files["violated"], files["broken"]), verify=mixed) == 2
    capsys.readouterr()


def test_options_reach_the_prover(files, capsys):
    seen = {}

    def recording(policy, **options):
        seen.update(options)
        return Report(())

    args = parse(files["clean"], "--timeout", "0.25", "--seed", "7", "--property", "assert",
                 "--property", "monotonic")
    assert check.run(args, verify=recording) == 0
    assert seen == {"timeout_ms": 250, "seed": 7, "properties": {"monotonic", "assert:secure-at-asl3"}}
    capsys.readouterr()


def test_internal_error_becomes_E0900(files, capsys, monkeypatch):
    monkeypatch.delenv("RSPDSL_DEBUG", raising=False)
    assert check.run(parse(files["clean"], "--format", "json"), verify=stub_verify_crashes) == 2
    captured = capsys.readouterr()
    (entry,) = json.loads(captured.out)["files"]
    assert entry["results"] == [] and entry["policy"] == "Clean"
    assert entry["diagnostics"][0]["code"] == "E0900"
    assert "RuntimeError: solver exploded" in entry["diagnostics"][0]["message"]
    assert "Traceback" not in captured.err


def test_internal_error_traceback_only_with_debug(files, capsys, monkeypatch):
    monkeypatch.setenv("RSPDSL_DEBUG", "1")
    assert check.run(parse(files["clean"]), verify=stub_verify_crashes) == 2
    captured = capsys.readouterr()
    assert "Traceback" in captured.err and "E0900 internal error" in captured.out
