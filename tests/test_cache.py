"""The result cache (rspdsl.cache): a repeated check is answered from it with the same findings;
anything that could change the answer changes the key; what a rerun might not reproduce is never
stored; and it can be turned off."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rspdsl import cache
from rspdsl.commands import check
from rspdsl.logic.results import Report, Result

POLICY = """policy "Cached" version "1"
metric cbrn_uplift in [0, 1]
safeguard asl3_security
action deploy
threshold CBRN-3 when cbrn_uplift >= 0.5
tier ASL-2 { }
tier ASL-3 when CBRN-3 {
  require asl3_security for deploy
}
permit deploy when tier <= ASL-2 or asl3_security
assert secure-at-asl3: allowed(deploy) and tier >= ASL-3 implies asl3_security
"""

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def policy(tmp_path, monkeypatch):
    monkeypatch.setenv("RSPDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RSPDSL_NO_CACHE", raising=False)
    path = tmp_path / "p.rsp"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def entries(tmp_path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("*.pickle"))


def test_a_repeated_check_is_answered_from_the_cache_with_the_same_findings(policy, tmp_path):
    first = check.check_file(policy, use_cache=True)
    assert not first.cached and len(entries(tmp_path)) == 1
    second = check.check_file(policy, use_cache=True)
    assert second.cached
    assert second.results == first.results and second.diagnostics == first.diagnostics
    assert second.title == first.title and second.source == first.source
    assert check.render([second], "json") == check.render([first], "json")


def test_every_input_of_the_answer_is_in_the_key():
    base = cache.key("p.rsp", b"text", {"timeout_ms": 10_000, "seed": 0, "properties": None})
    assert base == cache.key("p.rsp", b"text", {"timeout_ms": 10_000, "seed": 0, "properties": None})
    assert base != cache.key("p.rsp", b"text ", {"timeout_ms": 10_000, "seed": 0, "properties": None})
    assert base != cache.key("q.rsp", b"text", {"timeout_ms": 10_000, "seed": 0, "properties": None})
    assert base != cache.key("p.rsp", b"text", {"timeout_ms": 5_000, "seed": 0, "properties": None})
    assert base != cache.key("p.rsp", b"text", {"timeout_ms": 10_000, "seed": 1, "properties": None})
    assert base != cache.key("p.rsp", b"text", {"timeout_ms": 10_000, "seed": 0, "properties": ["monotonic"]})


def test_editing_the_policy_is_a_miss(policy, tmp_path):
    check.check_file(policy, use_cache=True)
    Path(policy).write_text(POLICY.replace("0.5", "0.6"), encoding="utf-8")
    again = check.check_file(policy, use_cache=True)
    assert not again.cached and len(entries(tmp_path)) == 2


def test_outcomes_a_rerun_might_not_reproduce_are_not_stored(policy):
    checked = check.check_file(policy, use_cache=True)
    assert check._reproducible(checked)
    unknown = Result("assert:x", "x", "unknown", "error", "Could not decide.", details={"reason": "timeout"})
    assert not check._reproducible(replace(checked, report=Report(checked.results + (unknown,))))
    crashed = check.check_file(policy, verify=lambda *a, **k: 1 / 0)
    assert [d.code for d in crashed.diagnostics] == ["E0900"] and not check._reproducible(crashed)


def test_a_custom_verifier_never_touches_the_cache(policy, tmp_path):
    check.check_file(policy, use_cache=True, verify=lambda policy, **options: Report(()))
    assert entries(tmp_path) == []


def test_the_cache_can_be_turned_off(policy, tmp_path, monkeypatch):
    monkeypatch.setenv("RSPDSL_NO_CACHE", "1")
    check.check_file(policy, use_cache=True)
    assert entries(tmp_path) == []
    monkeypatch.delenv("RSPDSL_NO_CACHE")
    args = check_args(policy, "--no-cache")
    assert args.no_cache
    assert check.run(args) == 0
    assert entries(tmp_path) == []


def check_args(*argv: str):
    from rspdsl.cli import build_parser

    return build_parser("check").parse_args(["check", *argv])


def test_a_damaged_entry_is_a_miss_and_is_replaced(policy, tmp_path):
    check.check_file(policy, use_cache=True)
    (entry,) = entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    again = check.check_file(policy, use_cache=True)
    assert not again.cached
    assert check.check_file(policy, use_cache=True).cached


def test_the_command_line_says_when_it_answered_from_the_cache(policy, tmp_path):
    env = dict(os.environ, RSPDSL_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    env.pop("RSPDSL_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-m", "rspdsl", "check", policy], capture_output=True, text=True,
                           env=env, cwd=tmp_path) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    assert "cached" not in runs[0].stdout and "cached)" in runs[1].stdout
    as_json = subprocess.run([sys.executable, "-m", "rspdsl", "check", policy, "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert json.loads(as_json.stdout)["files"][0]["results"]


def test_entries_others_could_write_are_never_loaded(policy, tmp_path):
    import os

    from rspdsl import cache

    entry = cache.key("p.rsp", b"text", {})
    cache.store(entry, {"answer": 42})
    assert cache.load(entry) == {"answer": 42}
    path = cache.cache_dir() / f"{entry}.pickle"
    os.chmod(path, 0o666)  # group/world-writable: someone else could have replaced it
    assert cache.load(entry) is None
    os.chmod(path, 0o600)
    os.chmod(cache.cache_dir(), 0o777)
    assert cache.load(entry) is None
    os.chmod(cache.cache_dir(), 0o700)
    assert cache.load(entry) == {"answer": 42}


def test_the_code_digest_follows_content_not_timestamps():
    from rspdsl import cache

    cache._code_digest.cache_clear()
    first = cache._code_digest()
    source = __import__("pathlib").Path(cache.__file__)
    stat = source.stat()
    os_utime = __import__("os").utime
    os_utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, not edited
    try:
        cache._code_digest.cache_clear()
        assert cache._code_digest() == first
    finally:
        os_utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        cache._code_digest.cache_clear()
