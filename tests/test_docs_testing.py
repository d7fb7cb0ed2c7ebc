"""Every example in docs/testing.md is checked: the starter file is what `rspdsl init` writes,
the run example passes, and each shown output is what the command prints."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rspdsl.policytest.starter import starter_files

REPO = Path(__file__).resolve().parent.parent
DOC = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")


def example(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```[a-z]*\n(.*?)\n```", DOC, re.S)
    assert match, f"docs/testing.md has no example `{name}`"
    return match.group(1)


def session(text: str) -> tuple[list[str], str]:
    """A `$ command` line and the output shown under it."""
    first, _, output = text.partition("\n")
    assert first.startswith("$ rspdsl ")
    return first[len("$ rspdsl "):].split(), output


def rspdsl(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_the_starter_example_is_what_init_writes():
    assert example("starter") + "\n" == starter_files("policy")["policy.rsptest"]


def test_the_run_example_passes(tmp_path):
    shutil.copy(REPO / "tests" / "golden" / "ok" / "v2-runs-and-duties.rsp", tmp_path)
    (tmp_path / "runs.rsptest").write_text(example("run") + "\n")
    proc = rspdsl(["test", "runs.rsptest"], tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "2 passed, 0 failed" in proc.stdout


def test_the_failure_example(tmp_path):
    for name, text in starter_files("policy").items():
        (tmp_path / name).write_text(text)
    tests = tmp_path / "policy.rsptest"
    tests.write_text(tests.read_text().replace('expect.tier = "Standard"', 'expect.tier = "Elevated"', 1))
    args, shown = session(example("failure"))
    proc = rspdsl(args, tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.rstrip("\n") == shown


def test_the_error_example(tmp_path):
    for name, text in starter_files("policy").items():
        (tmp_path / name).write_text(text)
    defaults = starter_files("policy")["policy.rsptest"].split("[defaults]\n", 1)[1].split("\n\n", 1)[0]
    (tmp_path / "bad.rsptest").write_text(f'policy = "policy.rsp"\n\n[defaults]\n{defaults}\n\n'
                                          '[[case]]\nname = "deploys"\nexpect.allowed = ["depoly"]\n')
    args, shown = session(example("error"))
    proc = rspdsl(args, tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.rstrip("\n") == shown


def test_the_coverage_example_is_the_shipped_policies_output():
    args, shown = session(example("coverage"))
    proc = rspdsl(args, REPO)
    assert proc.returncode == 0
    assert proc.stdout.rstrip("\n") == shown


@pytest.mark.parametrize("line", [line for line in DOC.splitlines() if line.startswith("    rspdsl ")])
def test_the_commands_at_the_top_run(line, tmp_path):
    args = line.split("#")[0].split()[1:]
    if args[0] == "init":
        assert rspdsl(args, tmp_path).returncode == 0
        return
    if args[0] == "test" and len(args) == 1:  # the current directory: the starter files
        assert rspdsl(["init"], tmp_path).returncode == 0
        assert rspdsl(args, tmp_path).returncode == 0
        return
    assert rspdsl(args, REPO).returncode == 0
