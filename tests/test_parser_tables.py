"""Lark builds the parser at run time; its tables are cached in a private per-user directory
(never a shared, predictable path: Lark reads the cache with pickle). A damaged, foreign or
unwritable cache is never trusted and never stops a parse."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = str(ROOT / "tests" / "golden" / "ok" / "every-form.rsp")  # it has findings: exit 1


def check(cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "RSPDSL_NO_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "rspdsl", "check", POLICY], capture_output=True, text=True,
                          timeout=300, env=env)


def tables(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "rspdsl" / "parser").glob("*.lark-tables"))


def test_tables_are_cached_privately_and_reused(tmp_path):
    first = check(tmp_path)
    assert first.returncode == 1, first.stderr  # every-form.rsp has findings
    [cached] = tables(tmp_path)
    assert stat.S_IMODE((tmp_path / "rspdsl" / "parser").stat().st_mode) == 0o700
    written = cached.stat().st_mtime_ns
    second = check(tmp_path)
    assert second.stdout.splitlines()[-1].split(" (")[0] == first.stdout.splitlines()[-1].split(" (")[0]
    assert cached.stat().st_mtime_ns == written  # loaded, not rebuilt


def test_a_damaged_table_file_is_rebuilt(tmp_path):
    check(tmp_path)
    [cached] = tables(tmp_path)
    cached.write_bytes(b"not a pickle at all")
    again = check(tmp_path)
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert cached.read_bytes() != b"not a pickle at all"


def test_a_directory_others_can_write_is_never_used(tmp_path):
    folder = tmp_path / "rspdsl" / "parser"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    out = check(tmp_path)
    assert out.returncode == 1, out.stderr
    assert tables(tmp_path) == []  # built in memory instead


def test_an_unusable_cache_location_still_parses(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    out = check(blocker)
    assert out.returncode == 1, out.stderr
