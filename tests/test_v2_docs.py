"""The language-v2 examples in docs/ are the files they name, and the outputs shown are what the
commands print (so the docs cannot drift from behaviour)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "notify.rsp"
RUN = ROOT / "docs" / "examples" / "notify-late.jsonl"


def rspdsl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "RSPDSL_NO_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def block_after(doc: str, marker: str, skip: int = 0) -> str:
    """The text of the first fenced block after `marker` (after skipping `skip` blocks)."""
    rest = doc[doc.index(marker):]
    for _ in range(skip + 1):
        start = rest.index("```")
        body = rest[rest.index("\n", start) + 1:]
        rest = body[body.index("```") + 3:]
    return body[:body.index("```")]


def test_language_md_shows_the_example_file():
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert block_after(doc, "## 4b. Time") == EXAMPLE.read_text(encoding="utf-8")


def test_the_example_is_in_the_canonical_layout():
    assert rspdsl("fmt", "--check", str(EXAMPLE.relative_to(ROOT))).returncode == 0


def test_evaluator_md_shows_the_run_and_its_output():
    doc = (ROOT / "docs" / "evaluator.md").read_text(encoding="utf-8")
    assert block_after(doc, "## Runs") == RUN.read_text(encoding="utf-8")
    shown = block_after(doc, "a week late:", skip=1)
    command, _, output = shown.partition("\n")
    assert command == "$ rspdsl eval docs/examples/notify.rsp --run docs/examples/notify-late.jsonl"
    proc = rspdsl(*command.split()[2:])
    assert proc.returncode == 1 and proc.stdout == output


def test_evaluator_md_shows_the_bad_run_error(tmp_path):
    doc = (ROOT / "docs" / "evaluator.md").read_text(encoding="utf-8")
    bad = block_after(doc, "with `runs.jsonl` holding")
    (tmp_path / "runs.jsonl").write_text(bad, encoding="utf-8")
    shown = block_after(doc, "with `runs.jsonl` holding", skip=1)
    command, _, output = shown.partition("\n")
    proc = rspdsl("eval", str(EXAMPLE), "--run", "runs.jsonl", cwd=tmp_path)
    assert command == "$ rspdsl eval docs/examples/notify.rsp --run runs.jsonl"
    assert proc.returncode == 2 and proc.stderr == output


def test_verification_md_shows_the_witness_run():
    doc = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    shown = block_after(doc, "in a run of two steps:")
    command, _, output = shown.partition("\n")
    proc = rspdsl(*command.split()[2:])
    assert proc.returncode == 1
    assert proc.stdout.split("\n\n")[0] + "\n" == output


def test_readme_time_section_quotes_the_example_and_its_commands_behave_as_said():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Time and duties"):readme.index("## What it finds")]
    example = EXAMPLE.read_text(encoding="utf-8").splitlines()
    quoted = [line[4:] for line in section.splitlines() if line.startswith("    ") and not line.startswith("    $")]
    assert quoted and all(line in example for line in quoted)
    commands = [line[4:].split("#")[0].split()[2:] for line in section.splitlines() if line.startswith("    $")]
    assert len(commands) == 2
    for command in commands:
        assert rspdsl(*command).returncode == 1
