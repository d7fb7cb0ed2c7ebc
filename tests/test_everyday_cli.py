"""The everyday CLI: directories as input, `check -`, --quiet and the compact multi-file output,
`init`, `eval --template`, `explain` of codes and property ids, per-command exit codes in --help."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rspdsl.cli import COMMANDS, main

REPO = Path(__file__).resolve().parent.parent
CLEAN = """policy "Clean" version "1"
metric m in [0, 1]
safeguard s
action deploy
threshold T when m >= 0.5
tier Low { }
tier High when T {
  require s for deploy
}
permit deploy when tier <= Low or s
"""
VIOLATED = CLEAN.replace("permit deploy when tier <= Low or s", "permit deploy when m >= 0")


def run(*args: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "clean.rsp").write_text(CLEAN)
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "deep" / "violated.rsp").write_text(VIOLATED)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skipped.rsp").write_text("not a policy")
    (tmp_path / "notes.txt").write_text("ignored")
    return tmp_path


def test_check_a_directory_finds_policies_recursively(tree, capsys):
    code = main(["check", str(tree), "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1
    assert "clean.rsp: " in out and "violated.rsp: " in out and "skipped" not in out
    assert re.search(r"^2 files: \d+ proved, 1 violated", out, re.M)


def test_multi_file_default_is_compact_and_quiet_is_summaries(tree, capsys):
    main(["check", str(tree)])
    compact = capsys.readouterr().out
    violated = str(tree / "a" / "deep" / "violated.rsp")
    assert f"{violated}:8:11: error[mitigations] deploy can be allowed" in compact
    assert "witness (" not in compact and "replay:" not in compact
    assert "details (source, witness, replay command): rspdsl check FILE, or --verbose" in compact
    main(["check", str(tree), "--verbose"])
    assert "witness (a state)" in capsys.readouterr().out
    main(["check", str(tree), "--quiet"])
    quiet = capsys.readouterr().out.splitlines()
    assert len(quiet) == 4 and quiet[2] == "" and quiet[3].startswith("2 files:")
    assert all(line.endswith(")") for line in quiet[:2])


def test_one_file_is_still_shown_in_full(tree, capsys):
    main(["check", str(tree / "a" / "deep" / "violated.rsp")])
    assert "witness (a state)" in capsys.readouterr().out


def test_check_reads_stdin():
    proc = run("check", "-", stdin=VIOLATED)
    assert proc.returncode == 1
    assert "<stdin>:8:11: error[mitigations]" in proc.stdout
    proc = run("check", "-", stdin=CLEAN)
    assert proc.returncode == 0 and "<stdin>: " in proc.stdout
    proc = run("check", "-", "-", stdin=CLEAN)
    assert proc.returncode == 2 and "once" in proc.stderr


def test_an_empty_directory_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert "a directory with no .rsp file in it" in capsys.readouterr().out


def test_fmt_takes_directories(tree):
    proc = run("fmt", "--check", str(tree / "a"))
    assert proc.returncode in (0, 1) and "E0001" not in proc.stderr


def test_init_writes_a_clean_policy_and_a_passing_test_file(tmp_path):
    proc = run("init", str(tmp_path / "new"), "--name", "frontier")
    assert proc.returncode == 0, proc.stderr
    policy, tests = tmp_path / "new" / "frontier.rsp", tmp_path / "new" / "frontier.rsptest"
    assert policy.exists() and tests.exists()
    assert run("check", str(policy), "--no-cache").returncode == 0
    assert run("fmt", "--check", str(policy)).returncode == 0
    proc = run("test", str(tests), "--coverage", "--min", "100")
    assert proc.returncode == 0, proc.stdout
    before = policy.read_text()
    again = run("init", str(tmp_path / "new"), "--name", "frontier")
    assert again.returncode == 2 and "already exists" in again.stderr and policy.read_text() == before


def test_explain_prints_the_example_and_fix_and_property_ids():
    proc = run("explain", "E0011")
    assert proc.returncode == 0
    assert "tier high when x { permit a }" in proc.stdout and "rules go" in proc.stdout
    for pid in ("mitigations", "consistency", "monotonic", "reachability", "assert:anything"):
        proc = run("explain", pid)
        assert proc.returncode == 0 and "Fix" in proc.stdout, pid
    proc = run("explain", "mitigatoins")
    assert proc.returncode == 2 and "did you mean `mitigations`" in proc.stderr


def test_explanations_module_is_generated_from_the_docs():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_explanations.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_property_examples_in_the_docs_are_real_output(monkeypatch):
    from rspdsl.commands.check import check_file
    from rspdsl.render.compact_text import finding_line

    doc = (REPO / "docs" / "diagnostics.md").read_text()
    section = doc[doc.index("## Property ids"):]
    examples = [line.strip() for line in section.splitlines() if line.startswith("    ") and "[" in line]
    assert len(examples) == 5
    for example in examples:
        path = example.split(":", 1)[0]
        monkeypatch.chdir(REPO)  # the examples name files relative to the repository
        checked = check_file(path)
        lines = {finding_line(checked, r) for r in checked.results if r.status != "proved"}
        assert example in lines, example


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_help_lists_only_its_own_exit_codes(command):
    proc = run(command, "--help")
    assert proc.returncode == 0
    codes = proc.stdout[proc.stdout.index("exit codes:"):]
    other = [name for name in COMMANDS if name != command and f"({name}" in codes]
    assert not other, codes
    assert re.search(r"^  0  ", codes, re.M)
