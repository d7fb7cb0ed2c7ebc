"""Checking policy files against a baseline, as `rspdsl baseline` reports it: one CheckedFile per
policy (its results are the baseline's assertions), preceded by entries for the baseline or a
mapping file when they have diagnostics."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ...diagnostics import Diagnostic
from ...frontend import LoadResult, load_file
from ...logic.results import Report
from ...source import SourceFile
from ..checked import CheckedFile
from ..mapping import Mapping, load_mapping
from .bind import Problem, baseline_problems
from .check import check_translation
from .translate import translate

if TYPE_CHECKING:
    from ..check import Verifier

__all__ = ["check_against", "load_baseline"]


def _entry(path: str, source: SourceFile, title: str | None, diags: list[Diagnostic]) -> CheckedFile:
    """A file that only has diagnostics (the baseline, a mapping): usable unless one is an error."""
    failed = any(d.is_error for d in diags)
    return CheckedFile(path, source, title, tuple(diags), None if failed else Report(()))


def check_against(baseline_loaded: LoadResult, policy_path: str, map_path: str | None, *, timeout_ms: int,
                  seed: int, verify: Verifier | None = None) -> list[CheckedFile]:
    """The entries for one policy: its mapping file (when it has diagnostics), then the policy."""
    start = time.perf_counter()
    entries: list[CheckedFile] = []
    loaded = load_file(policy_path)
    base = baseline_loaded.policy
    assert base is not None, "check_against needs a baseline that loaded"
    title = loaded.policy.title if loaded.policy is not None else None
    shown_title = f"{title} — against {base.title}" if title else None
    errors = [d for d in loaded.diagnostics if d.is_error]   # the policy's own warnings belong to `check`
    if not loaded.ok:
        return [CheckedFile(policy_path, loaded.source, shown_title, tuple(errors), None,
                            time.perf_counter() - start)]
    mapping: Mapping | None = None
    map_diags: list[Diagnostic] = []
    if map_path is not None:
        mapping, map_diags = load_mapping(map_path)
        if mapping is None:  # unreadable: nothing to bind with
            return [_entry(map_path, SourceFile(map_path, ""), None, map_diags)]
    # translate and check_translation size their own recursion room (rspdsl.semantics.depth)
    translation, problems = translate(base, loaded, mapping)
    if mapping is not None:
        problems = [Problem(mapping.source, d) for d in map_diags] + problems
    policy_diags: list[Diagnostic] = []
    other: dict[str, tuple[SourceFile, list[Diagnostic]]] = {}
    for problem in problems:
        if problem.source.path == policy_path:
            policy_diags.append(problem.diagnostic)
        else:
            other.setdefault(problem.source.path, (problem.source, []))[1].append(problem.diagnostic)
    for path, (source, diags) in other.items():
        entries.append(_entry(path, source, None, diags))
    elsewhere = any(d.is_error for _, ds in other.values() for d in ds)
    if elsewhere and not any(d.is_error for d in policy_diags):
        # the mapping file's entry carries the errors; an unchecked policy with none would only confuse
        return entries
    report = None
    if translation is not None and not elsewhere:
        report = check_translation(translation, baseline_loaded.source.path, timeout_ms=timeout_ms,
                                      seed=seed, verify=verify)
    entries.append(CheckedFile(policy_path, loaded.source, shown_title, tuple(policy_diags), report,
                               time.perf_counter() - start))
    return entries


def load_baseline(path: str) -> tuple[LoadResult, CheckedFile | None]:
    """The baseline and an entry for it when it has something to say (None when all is well)."""
    loaded = load_file(path)
    # a baseline declares vocabulary that some policies never need: unused names are not news
    diags = [d for d in loaded.diagnostics if d.code != "W0301"]
    if loaded.ok and loaded.policy is not None and loaded.module is not None:
        diags += baseline_problems(loaded.policy, loaded.module)
    if not diags:
        return loaded, None
    return loaded, _entry(path, loaded.source, loaded.policy.title if loaded.policy else None, diags)
