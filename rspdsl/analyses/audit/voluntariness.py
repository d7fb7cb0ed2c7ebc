"""Voluntariness (language-v2.md §6): over a revision history, every weakening between
consecutive revisions, as the semantic diff finds it (each with its replayed witness)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from ...semantics.model import Policy
from ..diff import DiffReport, diff_policies
from ..diff.revision import GitError, _git, text_at_revision


@dataclass(frozen=True)
class RevisionStep:
    old: str                      # the revision's label (a path, or REV:path)
    new: str
    report: DiffReport


def history(revisions: list[tuple[str, Policy]], *, timeout_ms: int = 10_000, seed: int = 0) -> list[RevisionStep]:
    """The diff of each consecutive pair, oldest first."""
    return [RevisionStep(old_label, new_label, diff_policies(old, new, timeout_ms=timeout_ms, seed=seed))
            for (old_label, old), (new_label, new) in zip(revisions, revisions[1:])]


def git_revisions(path: str, rev_range: str) -> list[tuple[str, str]]:
    """(label, text) of FILE at each commit of REV-RANGE that touched it, oldest first (the
    commits `git log REV-RANGE -- FILE` lists; one where the file is absent is left out).
    Raises GitError for a range git refuses."""
    here = os.path.dirname(os.path.abspath(path)) or "."
    if rev_range.startswith("-"):
        raise GitError(f"unknown revision range `{rev_range}`")
    listed = _git(["log", "--format=%H", "--reverse", "--end-of-options", rev_range, "--", os.path.abspath(path)],
                  here)
    if listed.returncode != 0:
        raise GitError(f"`git log {rev_range}` failed: {listed.stderr.decode('utf-8', 'replace').strip()}")
    out = []
    for commit in listed.stdout.decode("ascii", "replace").split():
        text, label = text_at_revision(commit, path)
        if text is not None:
            out.append((f"{commit[:12]}:{label.split(':', 1)[1]}", text))
    return out
