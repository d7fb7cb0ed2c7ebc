"""SMT-LIB export: standalone files that two independent solvers (cvc5, z3) decide as verify() did."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import z3

from rspdsl.frontend import load_text
from rspdsl.logic.prover import verify
from rspdsl.logic.smtlib import obligation_files, write_files

DEFECTS = Path(__file__).parent / "defects"
SAMPLE = [
    "mitigations/violated/tier_gap.rsp",
    "mitigations/holds/guarded_permits.rsp",
    "consistency/violated/interval_clash.rsp",
    "consistency/holds/response_tracks_input.rsp",
    "consistency/violated/safeguard_negation.rsp",
    "consistency/violated/scale_control.rsp",          # reals and scale indices: logic ALL
    "monotonic/violated/band_tier.rsp",
    "monotonic/holds/ladder.rsp",
    "reachability/violated/dead_rules.rsp",
    "reachability/violated/shadowed_tier.rsp",
    "assert/violated/weights.rsp",
]
VERDICT = {"violated": "sat", "proved": "unsat"}


def _policy(rel: str):
    path = DEFECTS / rel
    loaded = load_text(path.read_text(encoding="utf-8"), f"tests/defects/{rel}")
    assert loaded.ok, loaded.diagnostics
    return loaded.policy


def _cvc5(text: str) -> str:
    import cvc5
    solver = cvc5.Solver()
    solver.setOption("tlimit-per", "20000")
    parser = cvc5.InputParser(solver)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "obligation")
    symbols = parser.getSymbolManager()
    answers = []
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        out = cmd.invoke(solver, symbols)
        if out.strip():
            answers.append(out.strip())
    assert len(answers) == 1, answers
    return answers[0]


def _z3(text: str) -> str:
    solver = z3.Solver()
    solver.set("timeout", 20000)
    solver.from_string(text)
    return str(solver.check())


@pytest.mark.parametrize("rel", SAMPLE)
def test_solvers_agree_with_verify(rel):
    policy = _policy(rel)
    report = verify(policy)
    files = obligation_files(policy)
    assert len(files) == len(report.results)
    for f, res in zip(files, report.results):
        assert (f.obligation.property, f.obligation.subject) == (res.property, res.subject)
        expected = VERDICT[res.status]
        assert _cvc5(f.text) == expected, (f.name, res.status)
        assert _z3(f.text) == expected, (f.name, res.status)


def test_header_and_names(tmp_path):
    rel = "consistency/violated/interval_clash.rsp"
    policy = _policy(rel)
    paths = write_files(policy, tmp_path / "out")
    names = [p.name for p in paths]
    assert names[0] == "001-mitigations-deploy-asl3_security.smt2"
    assert all(re.fullmatch(r"\d{3}-[a-z]+(:?[-\w.]*)-[\w.-]+\.smt2", n) for n in names), names
    assert len(set(names)) == len(names)
    text = paths[0].read_text(encoding="utf-8")
    assert "; property: mitigations" in text and "; subject:  deploy: asl3_security" in text
    assert f"tests/defects/{rel}:9:" in text             # file:line:col of the requirement
    assert "sat   = VIOLATED" in text and "unsat = PROVED" in text
    assert text.rstrip().endswith("(check-sat)")
    assert "(set-logic QF_LRA)" in text
    consistency = next(p for p in paths if "-consistency-" in p.name).read_text(encoding="utf-8")
    assert "forall" in consistency and "(set-logic LRA)" in consistency


def test_selected_properties_only(tmp_path):
    policy = _policy("assert/violated/weights.rsp")
    paths = write_files(policy, tmp_path, {"assert:sane"})
    assert [p.name for p in paths] == ["001-assert-sane-sane.smt2"]
    assert _z3(paths[0].read_text(encoding="utf-8")) == "unsat"


def test_smt_command(tmp_path, capsys):
    from rspdsl.cli import main
    rel = "assert/violated/weights.rsp"
    out = tmp_path / "smt"
    assert main(["smt", str(DEFECTS / rel), "-o", str(out)]) == 0
    assert "sat = violated" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir())[-1].startswith(f"{len(list(out.iterdir())):03d}-assert")
    bad = tmp_path / "bad.rsp"
    bad.write_text("policy \"x\"\nmetric m in [0, 1\n", encoding="utf-8")
    assert main(["smt", str(bad), "-o", str(out)]) == 2
    a_file = sorted(out.iterdir())[0]
    assert main(["smt", str(DEFECTS / rel), "-o", str(a_file)]) == 2      # not a directory


KEYWORD_NAMES = """
policy "Variables named like SMT-LIB symbols"
metric let in [0, 1]
metric exists in [0, 1]
safeguard ite
safeguard distinct
safeguard forall
safeguard Bool
control Real in [0, 1]
action deploy
tier T { }
require ite and distinct and forall and Bool and Real <= let + exists for deploy
permit deploy when let >= 0.5 and ite
"""


def test_names_that_smtlib_already_uses():
    """`let`, `ite`, `Real`... are fine policy names; exported they become `rsp.let` etc."""
    loaded = load_text(KEYWORD_NAMES, "kw.rsp")
    assert loaded.ok, loaded.diagnostics
    report = verify(loaded.policy)
    assert {r.status for r in report.results} == {"proved", "violated"}
    for f, res in zip(obligation_files(loaded.policy), report.results):
        assert _cvc5(f.text) == VERDICT[res.status], f.name
        assert _z3(f.text) == VERDICT[res.status], f.name
    text = obligation_files(loaded.policy)[0].text
    assert "(declare-fun rsp.let () Real)" in text and "rsp.let  = metric let" in text
    [mit] = [r for r in report.results if r.property == "mitigations"]
    assert set(mit.witness.to_json()["state"]) == {"let", "exists", "ite", "distinct", "forall", "Bool", "Real"}


# ---------------------------------------------------------------- reruns into the same directory

WEIGHTS = (DEFECTS / "assert/violated/weights.rsp").read_text(encoding="utf-8")


def _smt(tmp_path: Path, policy_text: str, out: Path, *flags: str) -> int:
    from rspdsl.cli import main
    policy = tmp_path / "policy.rsp"
    policy.write_text(policy_text, encoding="utf-8")
    return main(["smt", str(policy), "-o", str(out), *flags])


def _names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_a_rerun_removes_the_files_of_obligations_that_are_gone(tmp_path, capsys):
    out = tmp_path / "smt"
    assert _smt(tmp_path, WEIGHTS, out) == 0
    before = _names(out)
    assert "009-assert-sane-sane.smt2" in before
    fewer = "\n".join(ln for ln in WEIGHTS.splitlines() if not ln.startswith("assert sane"))
    capsys.readouterr()
    assert _smt(tmp_path, fewer, out) == 0
    assert "removed 1 from an earlier run" in capsys.readouterr().out
    assert _names(out) == before - {"009-assert-sane-sane.smt2"}
    # a narrower run leaves only its own obligations (numbered afresh)
    assert _smt(tmp_path, fewer, out, "--property", "assert") == 0
    assert _names(out) == {"001-assert-no-weights-at-asl3-no-weights-at-asl3.smt2"}


def test_a_rerun_leaves_files_rspdsl_did_not_write(tmp_path):
    out = tmp_path / "smt"
    assert _smt(tmp_path, WEIGHTS, out) == 0
    generated = (out / "009-assert-sane-sane.smt2").read_text(encoding="utf-8")
    keep = {
        "notes.txt": "mine",
        "mine.smt2": "(check-sat)\n",
        "999-mine.smt2": "; my own obligation\n(check-sat)\n",
        "009-assert-sane-sane-copy.smt2": generated,  # a copy of a generated file under another name
    }
    for name, text in keep.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "010-a-directory.smt2").mkdir()
    assert _smt(tmp_path, WEIGHTS, out, "--property", "consistency") == 0
    assert _names(out) == {"001-consistency-release_weights.smt2", "010-a-directory.smt2", *keep}
    assert all((out / name).read_text(encoding="utf-8") == text for name, text in keep.items())


def test_a_file_rspdsl_did_not_write_in_the_way_stops_the_run(tmp_path, capsys):
    out = tmp_path / "smt"
    assert _smt(tmp_path, WEIGHTS, out) == 0
    stale = out / "009-assert-sane-sane.smt2"
    stale_text = stale.read_text(encoding="utf-8")
    mine = out / "001-consistency-release_weights.smt2"
    mine.write_text("; my own version\n(check-sat)\n", encoding="utf-8")
    capsys.readouterr()
    fewer = "\n".join(ln for ln in WEIGHTS.splitlines() if not ln.startswith("assert sane"))
    assert _smt(tmp_path, fewer, out) == 2
    err = capsys.readouterr().err
    assert "not written by rspdsl smt" in err and str(mine) in err
    assert mine.read_text(encoding="utf-8") == "; my own version\n(check-sat)\n"
    assert stale.read_text(encoding="utf-8") == stale_text  # nothing written, nothing removed
    link = out / "002-monotonic-tier.smt2"
    link.unlink()
    link.symlink_to(tmp_path / "policy.rsp")  # a link is never ours to write through
    mine.unlink()
    assert _smt(tmp_path, fewer, out) == 2
    assert str(link) in capsys.readouterr().err and (tmp_path / "policy.rsp").read_text() == fewer


def test_files_of_an_older_rspdsl_are_rewritten_but_never_removed(tmp_path, capsys):
    """Before the mark, files began `; rspdsl obligation NNN` then `; property: ...`."""
    out = tmp_path / "smt"
    out.mkdir()
    older = "; rspdsl obligation {n}\n; property: assert\n(check-sat)\n"
    (out / "001-consistency-release_weights.smt2").write_text(older.format(n="001"), encoding="utf-8")
    (out / "042-assert-gone-gone.smt2").write_text(older.format(n="042"), encoding="utf-8")
    assert _smt(tmp_path, WEIGHTS, out) == 0
    assert "; written by rspdsl smt as 001-" in (out / "001-consistency-release_weights.smt2").read_text()
    assert (out / "042-assert-gone-gone.smt2").read_text() == older.format(n="042")
    assert "042-assert-gone-gone.smt2" in capsys.readouterr().err


def test_a_full_disk_midway_leaves_no_truncated_file_and_a_rerun_succeeds(tmp_path, monkeypatch, capsys):
    import errno
    import os as os_module

    from rspdsl.logic import smtlib

    out = tmp_path / "smt"
    assert _smt(tmp_path, WEIGHTS, out) == 0
    before = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    real_fdopen, calls = os_module.fdopen, []

    class _Full:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[: len(text) // 2])  # half the text reaches the disk, then it is full
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(fd, *args, **kwargs):
        calls.append(fd)
        fh = real_fdopen(fd, *args, **kwargs)
        return _Full(fh) if len(calls) == 3 else fh

    monkeypatch.setattr(smtlib.os, "fdopen", fdopen)
    assert _smt(tmp_path, WEIGHTS, out) == 2
    monkeypatch.undo()
    # every file is whole (old or new), and no temporary file is left behind
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == before
    capsys.readouterr()
    assert _smt(tmp_path, WEIGHTS, out) == 0


@pytest.mark.parametrize("cut", [0, 10, 30])
def test_a_rerun_repairs_a_file_an_interrupted_older_run_left_truncated(tmp_path, cut):
    out = tmp_path / "smt"
    assert _smt(tmp_path, WEIGHTS, out) == 0
    target = out / "009-assert-sane-sane.smt2"
    whole = target.read_bytes()
    target.write_bytes(whole[:cut])
    assert _smt(tmp_path, WEIGHTS, out) == 0
    assert target.read_bytes() == whole


RESERVED_NAMES = """
policy "Names other solvers reserve"
scale lvl { lo, hi }
metric RNE in [0, 1]
metric sep in [0, 1]
metric emp : lvl
judgement RTZ
safeguard as
safeguard par
safeguard re-allchar
safeguard pto
control NUMERAL in [0, 1]
action deploy
action str-len
threshold fp-abs when RNE >= 0.5 or RTZ
tier T { }
tier U when fp-abs { require as and par and re-allchar and pto and NUMERAL <= sep and emp >= hi for deploy, str-len }
permit deploy when RNE >= 0.5 and as
permit str-len
assert re-none: allowed(str-len) implies par
"""


def test_names_reserved_by_some_solver_export_under_a_prefix_both_solvers_read():
    # `sep`/`emp`/`pto` are separation logic in cvc5's ALL (which a scale metric selects), `RNE`/`RTZ`
    # floating point: bare, cvc5 refused them ("shadowing a theory function symbol")
    loaded = load_text(RESERVED_NAMES, "reserved.rsp")
    assert loaded.ok, loaded.diagnostics
    report = verify(loaded.policy)
    files = obligation_files(loaded.policy)
    assert "(set-logic ALL)" in files[0].text
    for f, res in zip(files, report.results):
        assert _cvc5(f.text) == VERDICT[res.status], f.name
        assert _z3(f.text) == VERDICT[res.status], f.name
        assert "(declare-fun sep " not in f.text and "(declare-fun RNE " not in f.text
    assert "(declare-fun rsp.sep () Real)" in files[0].text and ";   rsp.sep  = metric sep" in files[0].text


def test_a_policy_with_a_very_long_name_exports(tmp_path):
    long = "a" * 300
    text = f'policy "P"\njudgement j\naction deploy\ntier T {{ }}\npermit deploy\nassert {long}: j\n'
    out = tmp_path / "smt"
    assert _smt(tmp_path, text, out) == 0
    names = _names(out)
    assert all(len(n.encode()) <= 120 for n in names)
    [mine] = [n for n in names if "-assert-" in n]
    assert mine.startswith("00") and mine.endswith(".smt2")
    assert _smt(tmp_path, text, out) == 0 and _names(out) == names  # stable: a rerun rewrites the same files


def test_unrolled_run_obligations_agree_with_check_in_both_solvers():
    """Language v2: `rspdsl smt --depth K` also writes each mitigations/assert obligation as the
    bounded search asks it; cvc5 and z3 find a violating run exactly where `check` does."""
    from pathlib import Path

    from rspdsl.logic.prover import verify
    from rspdsl.logic.smtlib import obligation_files, run_obligation_files

    root = Path(__file__).resolve().parents[1]
    loaded = load_text((root / "docs" / "examples" / "notify.rsp").read_text(encoding="utf-8"), "notify.rsp")
    policy = loaded.policy
    files = run_obligation_files(policy, None, 3, len(obligation_files(policy)) + 1)
    assert [f.name.split("-runs-")[1] for f in files] == [
        "assert-evaluated-before-deploy-evaluated-before-deploy.smt2",
        "assert-no-deploy-while-late-no-deploy-while-late.smt2", "assert-never-late-never-late.smt2",
        "deadlines-notify-regulator.smt2", "deadlines-report-incident.smt2"]
    checked = {(r.property, r.subject): r.status for r in verify(policy, depth=3).results}
    for f in files:
        expected = "sat" if checked[(f.obligation.property, f.obligation.subject)] == "violated" else "unsat"
        assert _cvc5(f.text) == expected and _z3(f.text) == expected, f.name
    assert run_obligation_files(_policy("assert/violated/weights.rsp"), None, 3, 1) == []  # v1: none


DEADLINES = """\
policy "Deadlines" version "1"
event incident
judgement board_approves
safeguard channel_ready
action report "Report the incident: only with the board's approval"
action notify default permit
permit report when board_approves
forbid notify when not channel_ready
duty report-incident: report within 2 days after incident
duty notify-regulator: notify within 14 days after incident
duty log-review: notify every 30 days while true
tier base { }
"""


def test_deadlines_are_exported_and_both_solvers_agree_with_check():
    """`rspdsl smt --depth K` writes each duty's deadline question (∃ a run, ∀ responses) as the
    bounded search asks it. `report` waits on an input, so some run blocks it (sat); `notify` waits
    on a response the developer controls, so no run does (unsat). Every answer is `check`'s."""
    from rspdsl.logic.prover import verify
    from rspdsl.logic.smtlib import obligation_files, run_obligation_files

    loaded = load_text(DEADLINES, "deadlines.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics if d.is_error]
    policy = loaded.policy
    files = [f for f in run_obligation_files(policy, None, 3, len(obligation_files(policy)) + 1)
             if f.obligation.property == "deadlines"]
    assert [f.name.split("-runs-")[1] for f in files] == [
        "deadlines-report-incident.smt2", "deadlines-notify-regulator.smt2", "deadlines-log-review.smt2"]
    checked = {r.subject: r.status for r in verify(policy, depth=3).results if r.property == "deadlines"}
    assert checked["report-incident"] == "violated" and checked["notify-regulator"] == "proved"
    for f in files:
        assert "(set-logic" in f.text and "whatever the responses" in f.text
        expected = "sat" if checked[f.obligation.subject] == "violated" else "unsat"
        assert _cvc5(f.text) == expected and _z3(f.text) == expected, f.name
    only = run_obligation_files(policy, {"deadlines"}, 2, 1)
    assert [f.obligation.property for f in only] == ["deadlines"] * 3
