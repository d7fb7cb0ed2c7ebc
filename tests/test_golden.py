"""Golden policies: tests/golden/{ok,not-ok}/*.rsp with the diagnostics expected of each.

Each FILE.rsp has FILE.expected beside it: one line per diagnostic, in the front end's order,
`LINE:COL CODE [warning: ]message` followed by `  (hint: ...)` when there is a hint.
The tests only compare: `python tools/update_golden.py` rewrites the .expected files from the
current front end (then read the diff before committing it).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rspdsl.diagnostics import Diagnostic
from rspdsl.frontend import load_file, load_text
from rspdsl.syntax.format import format_module

GOLDEN = Path(__file__).parent / "golden"
CONTRACT_MD = Path(__file__).resolve().parents[2] / "shared" / "design" / "language.md"


def describe(diag: Diagnostic) -> str:
    severity = "" if diag.is_error else f"{diag.severity.value}: "
    line = f"{diag.span.line}:{diag.span.column} {diag.code} {severity}{diag.message}"
    return line + (f"  (hint: {diag.hint})" if diag.hint else "")


def cases(kind: str) -> list[Path]:
    return sorted((GOLDEN / kind).glob("*.rsp"))


def expected_text(diagnostics: list[Diagnostic]) -> str:
    return "".join(describe(d) + "\n" for d in diagnostics)


def check_expected(path: Path, diagnostics: list[Diagnostic]) -> None:
    got = expected_text(diagnostics)
    expected_path = path.with_suffix(".expected")
    assert expected_path.exists(), f"{expected_path} is missing: run `python tools/update_golden.py`"
    assert got == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", cases("ok"), ids=lambda p: p.name)
def test_ok_policies_check_and_are_canonical(path):
    result = load_file(str(path))
    assert result.ok, [describe(d) for d in result.diagnostics]
    check_expected(path, result.diagnostics)
    assert format_module(result.module) == path.read_text(encoding="utf-8"), "run `rspdsl fmt` on it"


@pytest.mark.parametrize("path", cases("not-ok"), ids=lambda p: p.name)
def test_not_ok_policies_give_their_diagnostics(path):
    result = load_file(str(path))
    assert not result.ok and result.policy is None
    assert any(d.is_error for d in result.diagnostics)
    check_expected(path, result.diagnostics)


def test_every_not_ok_category_is_covered():
    expected = "".join(p.with_suffix(".expected").read_text() for p in cases("not-ok")
                       if p.with_suffix(".expected").exists())
    codes = set(re.findall(r"^\d+:\d+ ([EW]\d{4})", expected, re.M))
    wanted = {"E0002", "E0003", "E0010", "E0011", "E0012", "E0013", "E0014", "E0015", "E0016",
              "E0101", "E0103", "E0104", "E0106", "E0107", "E0108",
              "E0201", "E0202", "E0203", "E0204", "E0205", "E0206", "E0207", "E0208", "E0210",
              "E0211", "E0212"}
    assert wanted <= codes, sorted(wanted - codes)


# ---------------------------------------------------------------- the contract's example

def contract_example() -> str:
    """The example policy of the contract, verbatim (tests/golden/contract/raw.rsp)."""
    return (GOLDEN / "contract" / "raw.rsp").read_text(encoding="utf-8")


def test_the_contract_example_is_copied_verbatim():
    # CI always has ../shared beside the clone: its absence is a broken set-up, not a reason to skip
    assert CONTRACT_MD.exists(), f"the shared contract {CONTRACT_MD} is missing: clone beside ../shared"
    md = CONTRACT_MD.read_text(encoding="utf-8")
    section = md.split("## Declarations")[1].split("\nWhat each means")[0]
    block = section.split("\n\n", 1)[1].rstrip("\n")
    lines = [line[4:] if line.startswith("    ") else line for line in block.split("\n")]
    assert "\n".join(lines) + "\n" == contract_example()


def test_the_raw_contract_example_fails_only_on_its_undeclared_names():
    result = load_text(contract_example(), "contract.rsp")
    assert result.module is not None
    errors = [d for d in result.diagnostics if d.is_error]
    assert {d.code for d in errors} == {"E0103"}
    undeclared = {re.search(r"`(.+)`", d.message).group(1) for d in errors}
    assert undeclared == {"asl2_security", "AI-RD-4", "asl3_deployment", "comprehensive_assessment",
                          "effective_compute_growth", "release_weights"}
    assert [(d.span.line, d.span.column) for d in errors] == [
        (20, 11), (22, 27), (24, 11), (28, 38), (31, 9), (31, 49), (34, 16)]


def test_the_completed_contract_example_means_what_the_contract_says():
    result = load_file(str(GOLDEN / "ok" / "contract-complete.rsp"))
    policy = result.policy
    assert policy is not None and policy.title == "Anthropic Responsible Scaling Policy"
    assert policy.version == "2.2"
    assert [t.name for t in policy.tiers] == ["ASL-2", "ASL-3"]
    assert policy.tiers[0].condition is None and policy.tiers[1].condition is not None
    assert policy.actions["train"].default_permit and not policy.actions["deploy"].default_permit
    assert policy.variables["bio_post"].sort == "int" and policy.variables["bio_post"].hi == 3
    assert policy.variables["training_compute"].unit == "FLOP"
    by_text = {(r.text, r.actions, r.tier) for r in policy.requirements}
    assert ("asl3_deployment", ("deploy",), 1) in by_text
    assert ("reassessment_interval <= 6", ("train", "deploy", "release_weights"), 1) in by_text
    assert ("comprehensive_assessment", ("train",), None) in by_text
    assert [r.effect for r in policy.rules] == ["permit", "forbid"]
    assert [a.name for a in policy.assertions] == ["no-weights-at-asl3"]


def test_the_reference_example_in_docs_checks():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    example = doc.split("```\n", 2)[1]
    result = load_text(example, "docs/language.md")
    assert result.ok and not result.diagnostics, [describe(d) for d in result.diagnostics]


def test_every_registered_code_is_documented():
    from rspdsl.diagnostics import CODES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert [code for code in CODES if code not in doc] == []
