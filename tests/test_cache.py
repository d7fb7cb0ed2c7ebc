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
from render_samples import CLEAN as POLICY

from rspdsl import cache
from rspdsl.analyses.check import reproducible
from rspdsl.commands import check
from rspdsl.diagnostics import Severity
from rspdsl.logic.facts import AssertionFacts
from rspdsl.logic.results import Report, Result, Status

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def policy(tmp_path, monkeypatch):
    monkeypatch.setenv("RSPDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RSPDSL_NO_CACHE", raising=False)
    path = tmp_path / "p.rsp"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def entries(tmp_path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("*.json"))


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
    assert reproducible(checked)
    unknown = Result("assert:x", "x", Status.UNKNOWN, Severity.ERROR, AssertionFacts("x"), reason="timeout")
    assert not reproducible(replace(checked, report=Report(checked.results + (unknown,))))
    crashed = check.check_file(policy, verify=lambda *a, **k: 1 / 0)
    assert [d.code for d in crashed.diagnostics] == ["E0900"] and not reproducible(crashed)


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
    entry.write_bytes(b"not a cache entry")
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
    path = cache.cache_dir() / f"{entry}.json"
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


# ---------------------------------------------------------------- the file format (cache_codec)

SHIPPED = sorted((ROOT / "policies").glob("*.rsp"))
GOLDEN_NOT_OK = sorted((ROOT / "tests" / "golden" / "not-ok").glob("*.rsp"))


@pytest.mark.parametrize("path", SHIPPED + GOLDEN_NOT_OK[:6], ids=lambda p: p.name)
def test_an_entry_reads_back_as_the_same_outcome_in_every_format(path, monkeypatch):
    from rspdsl import cache_codec

    monkeypatch.setenv("RSPDSL_NO_CACHE", "1")
    fresh = check.check_file(str(path))
    back = cache_codec.loads(cache_codec.dumps(fresh))
    assert back == fresh
    for fmt in ("text", "json", "sarif", "markdown"):
        assert check.render([back], fmt) == check.render([fresh], fmt), fmt
    # exact values survive: every witness value is the same object type and value
    for ours, theirs in zip(back.results, fresh.results):
        assert ours.witness == theirs.witness and ours.facts == theirs.facts
        assert [type(v) for v in (ours.witness.to_json() if ours.witness else {}).values()] == \
            [type(v) for v in (theirs.witness.to_json() if theirs.witness else {}).values()]


def test_the_format_keeps_what_json_alone_would_lose():
    from fractions import Fraction

    from rspdsl import cache_codec
    from rspdsl.diagnostics import Severity

    value = {"tenth": Fraction(1, 10), "pair": (1, "a"), "list": [True, None], 3: Severity.ERROR,
             "nested": {"q": (Fraction(-7, 3),)}, "seconds": 0.1}
    back = cache_codec.loads(cache_codec.dumps(value))
    assert back == value
    assert type(back["tenth"]) is Fraction and type(back["pair"]) is tuple
    assert back[3] is Severity.ERROR and list(back) == list(value)


@pytest.mark.parametrize("text", [
    '{"$c": "Popen", "f": {"args": ["sh"]}}',          # only the outcome's own classes come back
    '{"$e": "Signals", "v": 9}',
    '{"$q": [1, 0]}', '{"$q": [1.5, 2]}', '{"$q": "1/2"}',
    '{"no": "tag"}', '{"$m": [[[1], 2]]}', '[', '{"$c": "Result", "f": {"nope": 1}}',
])
def test_anything_but_the_format_is_refused(text):
    from rspdsl import cache_codec

    with pytest.raises(cache_codec.CodecError):
        cache_codec.loads(text)


def test_values_outside_the_format_are_not_stored(policy, tmp_path):
    class Foreign:
        pass

    entry = cache.key("p.rsp", b"foreign", {})
    cache.store(entry, {"x": Foreign()})
    assert entries(tmp_path) == [] and cache.load(entry) is None


def test_format_one_pickles_are_removed_not_read(policy, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    legacy = folder / ("0" * 64 + ".pickle")
    legacy.write_bytes(b"rspdsl-check-cache-1 whatever")
    check.check_file(policy, use_cache=True)
    assert not legacy.exists() and len(entries(tmp_path)) == 1


# --- entries are checked when read: a damaged, edited, ill-typed or moved entry is re-proved

GAP = """\
policy "Gap"
metric x in [0, 1]
safeguard s
action deploy
tier Low { }
tier High when x >= 0.5 { require s for deploy }
permit deploy
"""


@pytest.fixture
def gap(tmp_path, monkeypatch):
    monkeypatch.setenv("RSPDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RSPDSL_NO_CACHE", raising=False)
    path = tmp_path / "gap.rsp"
    path.write_text(GAP, encoding="utf-8")
    return str(path)


def _statuses(checked) -> list[str]:
    return [r.status for r in checked.results]


def test_an_edited_entry_is_not_served_as_a_proof(gap, tmp_path):
    first = check.check_file(gap, use_cache=True)
    assert "violated" in _statuses(first)
    [entry] = entries(tmp_path)
    entry.write_bytes(entry.read_bytes().replace(b'"violated"', b'"proved"'))
    again = check.check_file(gap, use_cache=True)
    assert not again.cached and _statuses(again) == _statuses(first)


def test_a_well_formed_but_ill_typed_entry_is_discarded_and_re_proved(gap, tmp_path, capsys, monkeypatch):
    from rspdsl import cache_codec

    first = check.check_file(gap, use_cache=True)
    [entry] = entries(tmp_path)
    key = entry.name[: -len(".json")]
    forged = cache_codec.dumps(replace(first, report=None, title=7)).encode()  # title must be a string
    entry.write_bytes(cache._FORMAT + cache._checksum(key, forged) + b"\n" + forged)
    monkeypatch.setenv("RSPDSL_DEBUG", "1")
    again = check.check_file(gap, use_cache=True)
    assert not again.cached and _statuses(again) == _statuses(first) and again.title == "Gap"
    assert "discarding result cache entry" in capsys.readouterr().err
    assert check.check_file(gap, use_cache=True).cached  # replaced by a good entry


@pytest.mark.parametrize("damage", ["truncated", "moved"])
def test_a_truncated_or_moved_entry_is_a_miss(gap, policy, tmp_path, damage):
    check.check_file(gap, use_cache=True)
    check.check_file(policy, use_cache=True)
    gap_entry = next(e for e in entries(tmp_path) if b'"Gap"' in e.read_bytes())
    clean_entry = next(e for e in entries(tmp_path) if e != gap_entry)
    if damage == "truncated":
        gap_entry.write_bytes(gap_entry.read_bytes()[:-20])
    else:  # the clean file's entry copied under the gap file's key
        gap_entry.write_bytes(clean_entry.read_bytes())
    again = check.check_file(gap, use_cache=True)
    assert not again.cached and "violated" in _statuses(again)


def test_a_damaged_entry_never_makes_the_command_line_fail(gap, tmp_path):
    check.check_file(gap, use_cache=True)
    [entry] = entries(tmp_path)
    entry.write_bytes(cache._FORMAT + b"0" * 64 + b'\n{"$c": "CheckedFile", "f": {"path": 1}}')
    out = subprocess.run([sys.executable, "-m", "rspdsl", "check", gap], capture_output=True, text=True,
                         timeout=120, env={**os.environ})
    assert out.returncode == 1, out.stderr  # the real verdict, not E0900
    assert "E0900" not in out.stdout + out.stderr
