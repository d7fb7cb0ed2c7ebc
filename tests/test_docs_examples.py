"""Doc examples that show a policy and what rspdsl prints for it are run here, so an example
that drifts from the real behaviour fails: the language reference's complete example, the
README's example and the output shown for it in docs/output-formats.md, and the diff example
in docs/diff.md. (docs/testing.md: tests/test_docs_testing.py; docs/diagnostics.md property
examples and `explain`: tests/test_everyday_cli.py.)"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def rspdsl(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=None)


def same_times(text: str) -> str:
    """Timings vary from run to run: `(0.43 s)` and `(0.43 s, cached)` read as `(T s)`."""
    return re.sub(r"\(\d+\.\d+ s(, [a-z0-9 ]*cached)?\)", "(T s)", text)


def indented_block(doc: str, marker: str) -> list[str]:
    """The 4-space indented block after `<!-- example: marker -->`, dedented."""
    rest = doc.split(f"<!-- example: {marker} -->\n", 1)[1].lstrip("\n")
    lines = []
    for line in rest.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches_with_elision(shown: list[str], actual: list[str]) -> bool:
    """Each shown line equals the next actual line, except `...` (alone, any indent), which
    stands for any number of lines."""
    if not shown:
        return not actual
    if shown[0].strip() == "...":
        return any(matches_with_elision(shown[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and shown[0] == actual[0] and matches_with_elision(shown[1:], actual[1:])


# ---------------------------------------------------------------- language.md

def test_the_language_reference_example_proves_clean_and_is_formatted(tmp_path):
    doc = (DOCS / "language.md").read_text(encoding="utf-8")
    (tmp_path / "example.rsp").write_text(doc.split("```\n", 2)[1])
    check = rspdsl(["check", "example.rsp", "--no-cache"], tmp_path)
    assert check.returncode == 0, check.stdout
    assert rspdsl(["fmt", "--check", "example.rsp"], tmp_path).returncode == 0


# ---------------------------------------------------------------- README and output-formats.md

def readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index('    policy "Example"')
    block = readme[start:readme.index("\n\n", start)]
    return "\n".join(line[4:] for line in block.splitlines()) + "\n"


def test_output_formats_shows_the_real_text_output_of_the_readme_example(tmp_path):
    (tmp_path / "example.rsp").write_text(readme_example())
    proc = rspdsl(["check", "example.rsp", "--no-cache"], tmp_path)
    assert proc.returncode == 1
    doc = (DOCS / "output-formats.md").read_text(encoding="utf-8")
    shown = doc[doc.index("```\nexample.rsp:") + 4:]
    shown = shown[:shown.index("```\n")]
    assert same_times(shown) == same_times(proc.stdout)


def test_output_formats_shows_the_real_json_of_the_readme_example(tmp_path):
    (tmp_path / "example.rsp").write_text(readme_example())
    proc = rspdsl(["check", "example.rsp", "--format", "json", "--no-cache"], tmp_path)
    first = json.loads(proc.stdout)["files"][0]["results"][0]
    doc = (DOCS / "output-formats.md").read_text(encoding="utf-8")
    block = doc[doc.index('```json\n{"files"'):]
    shown = block[block.index('{"property": "mitigations"'):block.index(',\n     {"property": "consistency"')]
    assert json.loads(shown) == first


def test_the_readme_example_and_the_test_command(tmp_path):
    assert rspdsl(["test", "policies/", "--coverage"], REPO).returncode == 0


# ---------------------------------------------------------------- diff.md

def test_the_diff_example_is_the_real_output(tmp_path):
    doc = (DOCS / "diff.md").read_text(encoding="utf-8")
    old = "\n".join(indented_block(doc, "diff-old")) + "\n"
    new = old.replace("uplift >= 0.5", "uplift >= 0.6").replace(
        "  require asl3_deployment for deploy", "  require asl3_deployment and asl3_security for deploy")
    assert new != old and new.count("asl3_deployment and asl3_security") == 1
    (tmp_path / "old.rsp").write_text(old)
    (tmp_path / "new.rsp").write_text(new)
    shown = indented_block(doc, "diff-output")
    assert shown[0] == "$ rspdsl diff old.rsp new.rsp"
    proc = rspdsl(["diff", "old.rsp", "new.rsp"], tmp_path)
    assert proc.returncode == 1
    assert matches_with_elision(shown[1:], proc.stdout.rstrip("\n").splitlines()), proc.stdout
    summary = json.loads(rspdsl(["diff", "old.rsp", "new.rsp", "--format", "json"], tmp_path).stdout)["summary"]
    assert f'"summary": {{"weakenings": {summary["weakenings"]}, "strengthenings": {summary["strengthenings"]}' in doc


def test_the_elision_matcher_can_fail():
    assert matches_with_elision(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not matches_with_elision(["a", "...", "e"], ["a", "b", "c", "d"])
    assert not matches_with_elision(["a", "b"], ["a", "c"])
