"""FILE as it was at a git revision, for `rspdsl diff --git REV FILE`; fails closed.

Only a path truly absent from REV's tree is a new file (None); anything else that goes wrong (an
unknown revision, a range or a negation such as `^HEAD`, a missing object, a directory, text that
is not UTF-8) raises GitError, so a CI weakening gate never passes by mistake.
"""
from __future__ import annotations

import os
import subprocess

__all__ = ["GitError", "text_at_revision"]


class GitError(Exception):
    """FILE at REV cannot be read: not a repository, not one commit, not a file, a git failure."""


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise GitError("`git` is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {' '.join(args)}` did not finish within 60 seconds") from None


def text_at_revision(rev: str, path: str) -> tuple[str | None, str]:
    """(text of FILE at REV, or None when FILE did not exist at REV; label "REV:path").

    Raises GitError outside a repository or for an unknown revision.
    """
    here = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(here):
        raise GitError(f"no such directory `{os.path.dirname(path)}`")
    top = _git(["rev-parse", "--show-toplevel"], here)
    if top.returncode != 0:
        raise GitError(f"`{path}` is not inside a git repository")
    root = top.stdout.decode("utf-8", "replace").strip()
    rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), os.path.realpath(root))
    if rel.startswith(".."):
        raise GitError(f"`{path}` is outside the repository at {root}")
    rel = rel.replace(os.sep, "/")
    if rev.startswith("-"):
        raise GitError(f"unknown revision `{rev}`")
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    hashes = commit.stdout.decode("ascii", "replace").split()
    # Exactly one commit, by its hash from here on: a range or a negation (`^HEAD`) is not a
    # revision, and using REV itself again could name something else than what was verified.
    if commit.returncode != 0 or len(hashes) != 1 or hashes[0].startswith("^"):
        raise GitError(f"unknown revision `{rev}` in the repository at {root}")
    label = f"{rev}:{rel}"
    # Only a path truly absent from REV's tree is a new file; any other failure (a missing
    # object, a corrupt repository) is an error, or a weakening gate would pass by mistake.
    listed = _git(["ls-tree", "--full-tree", "-z", hashes[0], "--", rel], root)
    if listed.returncode != 0:
        raise GitError(f"cannot list `{label}`: {listed.stderr.decode('utf-8', 'replace').strip()}")
    if not listed.stdout:
        return None, label
    kind = listed.stdout.split(b" ", 2)[1] if listed.stdout.count(b" ") >= 2 else b""
    if kind != b"blob":
        raise GitError(f"`{label}` is not a file at that revision")
    shown = _git(["cat-file", "blob", f"{hashes[0]}:{rel}"], root)
    if shown.returncode != 0:
        raise GitError(f"cannot read `{label}`: {shown.stderr.decode('utf-8', 'replace').strip()}")
    try:
        text = shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise GitError(f"`{label}` is not valid UTF-8") from None
    return text.lstrip("\ufeff"), label
