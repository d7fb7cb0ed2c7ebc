"""The console script's entry (cli.entry): it leaves with os._exit, so check nothing is lost.

entry() skips the interpreter's teardown; these tests run it in a real process and check that
the exit code survives, that everything written reaches a pipe (flushed before leaving), and
that argparse's own exits (--help, --version, a bad flag) keep their codes.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "tests" / "golden" / "ok" / "every-form.rsp"  # it has findings: exit 1


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rspdsl", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, env={"RSPDSL_NO_CACHE": "1", "PATH": "/usr/bin:/bin"})


def test_the_exit_code_and_every_line_reach_the_caller():
    proc = run("check", "--format", "json", str(POLICY))
    assert proc.returncode == 1, proc.stderr  # every-form.rsp has violations
    report = json.loads(proc.stdout)  # the whole document arrived: it parses
    assert report["files"][0]["results"]


def test_large_batch_output_is_flushed_before_leaving():
    state = subprocess.run([sys.executable, "-m", "rspdsl", "check", "--format", "json", str(POLICY)],
                           capture_output=True, text=True, cwd=ROOT).stdout
    witness = next(r["witness"]["state"] for r in json.loads(state)["files"][0]["results"]
                   if r["witness"] and "state" in r["witness"])
    lines = "\n".join(json.dumps(witness) for _ in range(3000)) + "\n"
    proc = run("eval", str(POLICY), "--states", "-", stdin=lines)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 3000 and len(set(out)) == 1
    # a command that leaves its output in Python's buffer: only entry()'s flush delivers it
    one = run("eval", str(POLICY), "--state", "-", "--format", "json", stdin=json.dumps(witness))
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["tier"]
    listing = run("explain")
    assert listing.returncode == 0 and "E0001" in listing.stdout and "W0302" in listing.stdout


def test_argparse_exits_keep_their_codes():
    assert run("--version").returncode == 0
    assert run("check", "--help").returncode == 0
    bad = run("check", "--no-such-flag", str(POLICY))
    assert bad.returncode == 2 and "unrecognized arguments" in bad.stderr
    assert run().returncode == 2  # no command: help and exit 2


def test_a_closed_pipe_is_not_an_error():
    # `rspdsl check ... | head -1`: the reader leaves early; no traceback, no "Exception ignored"
    proc = subprocess.run(f"'{sys.executable}' -m rspdsl check '{POLICY}' | head -1", shell=True,
                          capture_output=True, text=True, cwd=ROOT)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_a_server_keeps_nothing_until_exit(monkeypatch):
    """`rspdsl lsp` lives on: after keep_nothing(), what a proof asks to keep until exit is freed."""
    import gc
    import weakref

    from rspdsl import lifetime

    class Terms:
        pass

    monkeypatch.setattr(lifetime, "_kept", None)
    lifetime.keep_until_exit()
    held = Terms()
    lifetime.keep(held)
    assert lifetime._kept is not None and held in lifetime._kept
    lifetime.keep_nothing()
    freed = Terms()
    ref = weakref.ref(freed)
    lifetime.keep(freed)
    del freed
    gc.collect()
    assert ref() is None
