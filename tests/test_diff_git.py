"""`rspdsl diff --git REV FILE` against a temporary git repository."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

POLICY = """\
policy "Git test" version "1"
metric uplift in [0, 1]
safeguard sec
action deploy
threshold HIGH when uplift >= 0.5
tier LOW { }
tier HIGH-TIER when HIGH { require sec for deploy }
permit deploy when uplift < 0.9
"""


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CEILING_DIRECTORIES=str(tmp_path.parent),
               GIT_CONFIG_NOSYSTEM="1", HOME=str(tmp_path))
    return env


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=_env(repo.parent))


def rspdsl_diff(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # every test's files live under <tmp_path>/repo or <tmp_path>/plain: git must not look above
    top = next(p for p in (cwd, *cwd.parents) if p.name in ("repo", "plain")).parent
    return subprocess.run([PYTHON, "-m", "rspdsl", "diff", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=_env(top))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "policies" / "p.rsp").write_text(POLICY, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v1")
    return repo


def test_weakening_in_the_working_tree_is_caught(repo):
    path = repo / "policies" / "p.rsp"
    path.write_text(POLICY.replace("require sec for deploy", ""), encoding="utf-8")
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp")
    assert r.returncode == 1, r.stderr
    assert "rspdsl diff: HEAD:policies/p.rsp → policies/p.rsp" in r.stdout
    assert "~ deploy: weaker — OLD requires `sec` for deploy here (HEAD:policies/p.rsp:7:" in r.stdout
    # the same from a subdirectory, with a path relative to it
    r = rspdsl_diff(repo / "policies", "--git", "HEAD", "p.rsp", "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["verdict"] == "weaker" and data["old"] == "HEAD:policies/p.rsp"


def test_unchanged_or_reformatted_file_is_equivalent(repo):
    assert rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp").returncode == 0
    path = repo / "policies" / "p.rsp"
    path.write_text("# reformatted\n" + POLICY.replace("\n", "\n\n").replace("uplift < 0.9", "0.9 > uplift"),
                    encoding="utf-8")
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp")
    assert r.returncode == 0 and "Verdict: equivalent." in r.stdout


def test_older_revision_and_strengthening(repo):
    path = repo / "policies" / "p.rsp"
    path.write_text(POLICY.replace("uplift >= 0.5", "uplift >= 0.7"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "v2: weaker")
    path.write_text(POLICY, encoding="utf-8")
    r = rspdsl_diff(repo, "--git", "HEAD~1", "policies/p.rsp")
    assert r.returncode == 0 and "Verdict: equivalent." in r.stdout
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp")
    assert r.returncode == 0 and "Verdict: stronger." in r.stdout


def test_new_file_lists_every_entity_as_added(repo):
    new = repo / "policies" / "new.rsp"
    new.write_text(POLICY, encoding="utf-8")
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/new.rsp")
    assert r.returncode == 0, r.stderr
    assert "is a new file" in r.stdout and "+ action deploy (default deny)" in r.stdout
    data = json.loads(rspdsl_diff(repo, "--git", "HEAD", "policies/new.rsp", "--format", "json").stdout)
    assert data["new_file"] is True and data["changes"] == []
    added = {(d["entity"], d["name"]) for d in data["declarations"] if d["change"] == "added"}
    assert added == {("metric", "uplift"), ("safeguard", "sec"), ("action", "deploy"), ("threshold", "HIGH"),
                     ("tier", "LOW"), ("tier", "HIGH-TIER")}


def test_unknown_revision(repo):
    r = rspdsl_diff(repo, "--git", "no-such-rev", "policies/p.rsp")
    assert r.returncode == 2 and "unknown revision `no-such-rev`" in r.stderr
    r = rspdsl_diff(repo, "--git", "--output=x", "policies/p.rsp")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_outside_a_repository(tmp_path):
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "p.rsp").write_text(POLICY, encoding="utf-8")
    r = rspdsl_diff(outside, "--git", "HEAD", "p.rsp")
    assert r.returncode == 2 and "not inside a git repository" in r.stderr


def test_unusable_old_revision_shows_its_diagnostics(repo):
    path = repo / "policies" / "p.rsp"
    path.write_text(POLICY + "permit nothing\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    path.write_text(POLICY, encoding="utf-8")
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp")
    assert r.returncode == 2 and "HEAD:policies/p.rsp:9:8" in r.stderr


def test_git_flag_takes_one_file(repo):
    r = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp", "policies/p.rsp")
    assert r.returncode == 2 and "exactly one FILE" in r.stderr


# --- fail closed: only a path truly absent at a valid revision is a new file

@pytest.mark.parametrize("rev", ["^HEAD", "HEAD..HEAD", "no-such-rev"])
def test_a_revision_that_names_no_single_commit_is_an_error(repo, rev):
    out = rspdsl_diff(repo, "--git", rev, "policies/p.rsp")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "new file" not in out.stdout
    assert "unknown revision" in out.stderr


def test_a_missing_blob_object_is_an_error_not_a_new_file(repo):
    blob = subprocess.run(["git", "rev-parse", "HEAD:policies/p.rsp"], cwd=repo, capture_output=True,
                          text=True, check=True, env=_env(repo.parent)).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    out = rspdsl_diff(repo, "--git", "HEAD", "policies/p.rsp")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "new file" not in out.stdout
    assert "cannot read" in out.stderr


def test_a_path_absent_at_the_revision_is_still_a_new_file(repo):
    (repo / "policies" / "q.rsp").write_text(POLICY, encoding="utf-8")
    out = rspdsl_diff(repo, "--git", "HEAD", "policies/q.rsp")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "new file" in out.stdout.lower() or "did not exist" in out.stdout.lower()
