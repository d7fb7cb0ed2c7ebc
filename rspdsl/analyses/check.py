"""Check one policy file: load it, prove its properties, and remember the outcome.

`check_file` is what `rspdsl check` runs per file (and the public `rspdsl.check_file`): it never
raises for anything but KeyboardInterrupt, since a bug must cost one file, not the whole run;
an unexpected exception becomes an E0900 diagnostic for that file. With `use_cache` the outcome
is looked up in, and stored to, the result cache (rspdsl.cache), keyed by the exact text checked,
the options and every version involved, so a hit is what a full run would report. Outcomes a
rerun might not reproduce (an unknown, an internal error) are never stored.
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..logic.results import Report
from ..source import SourceFile
from .checked import CheckedFile, internal_error

if TYPE_CHECKING:  # a cached check never builds the AST or model classes
    from ..semantics.model import Policy
    from ..syntax import ast

__all__ = ["Verifier", "check_file", "check_text", "default_verify", "reproducible", "selected_properties"]

Verifier = Callable[..., Report]


def default_verify(policy: Policy, **options: Any) -> Report:
    from ..logic.prover import verify  # Z3 is imported only when a policy gets this far

    return verify(policy, **options)


def selected_properties(policy: Policy, requested: set[str] | None) -> set[str] | None:
    """The property ids for this policy, with `assert` expanded to each of its assertions."""
    if requested is None:
        return None
    chosen = {p for p in requested if p != "assert"}
    if "assert" in requested:
        chosen |= {f"assert:{a.name}" for a in policy.assertions}
    return chosen


def reproducible(checked: CheckedFile) -> bool:
    """Whether a rerun would report the same: no unknown (a timeout depends on the load) and no
    internal error."""
    return (not any(d.code == "E0900" for d in checked.diagnostics)
            and not any(r.status == "unknown" for r in checked.results))


def check_file(path: str, *, timeout_ms: int = 10_000, seed: int = 0, properties: set[str] | None = None,
               verify: Verifier = default_verify, use_cache: bool = False, depth: int = 8) -> CheckedFile:
    """Load and verify one file (the cache is used only with the default verifier). `depth` is
    the longest run searched for a policy about time (language v2; ignored otherwise)."""
    start = time.perf_counter()
    entry = _cache_entry(path, timeout_ms, seed, properties, depth) if use_cache and verify is default_verify \
        else None
    if entry is None:
        return _check(path, None, start, timeout_ms=timeout_ms, seed=seed, properties=properties, verify=verify,
                      depth=depth)
    from .. import cache

    key, text = entry
    hit = cache.load(key)
    if isinstance(hit, CheckedFile) and hit.path == path:
        return replace(hit, seconds=time.perf_counter() - start, cached=True)
    checked = _check(path, text, start, timeout_ms=timeout_ms, seed=seed, properties=properties, verify=verify,
                     depth=depth)
    if reproducible(checked):
        cache.store(key, checked)
    return checked


def check_text(path: str, text: str, *, timeout_ms: int = 10_000, seed: int = 0,
               properties: set[str] | None = None, verify: Verifier = default_verify, depth: int = 8) -> CheckedFile:
    """Check a policy given as text (`rspdsl check -`), shown under `path`; never cached."""
    return _check(path, text, time.perf_counter(), timeout_ms=timeout_ms, seed=seed, properties=properties,
                  verify=verify, depth=depth)


def _cache_entry(path: str, timeout_ms: int, seed: int, properties: set[str] | None,
                 depth: int = 8) -> tuple[str, str] | None:
    """(cache key, the text it was computed from), or None when the file cannot be read (the
    normal path then reports why) or the cache is off."""
    from .. import cache

    if not cache.enabled():
        return None
    try:
        from ..frontend import read_source

        text, problem = read_source(path)
        if problem is not None or text is None:
            return None
        options: dict[str, Any] = {"timeout_ms": timeout_ms, "seed": seed,
                                   "properties": sorted(properties) if properties is not None else None}
        if depth != 8:  # the default keeps the keys of earlier entries (a v1 policy ignores the depth)
            options["depth"] = depth
        return cache.key(path, text.encode("utf-8", "surrogatepass"), options), text
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the normal path reports problems
        return None


def _module_title(module: ast.Module | None) -> str | None:
    if module is None:
        return None
    from ..syntax import ast
    for decl in module.declarations:
        if isinstance(decl, ast.PolicyDecl):
            return decl.title
    return None


def _check(path: str, text: str | None, start: float, *, timeout_ms: int, seed: int,
           properties: set[str] | None, verify: Verifier, depth: int = 8) -> CheckedFile:
    source, title = SourceFile(path, ""), None
    diags: list[Diagnostic] = []
    try:
        from ..frontend import load_file, load_text

        # the text the cache key was computed from, so the stored outcome is about exactly it
        loaded = load_file(path) if text is None else load_text(text, path)
        source, diags = loaded.source, list(loaded.diagnostics)
        title = loaded.policy.title if loaded.policy is not None else _module_title(loaded.module)
        if not loaded.ok or loaded.policy is None:
            return CheckedFile(path, source, title, tuple(diags), None, time.perf_counter() - start)
        options: dict[str, Any] = {"depth": depth} if loaded.policy.temporal else {}
        selected = selected_properties(loaded.policy, properties)
        report = verify(loaded.policy, timeout_ms=timeout_ms, seed=seed, properties=selected, **options)
        if loaded.policy.accepts:  # accepted findings (analyses/acceptance.py): a step after proving
            from .acceptance import apply_accepts

            report, unmatched = apply_accepts(loaded.policy, report, selected)
            diags += unmatched
        return CheckedFile(path, source, title, tuple(diags), report, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 — a bug must cost one file, not the whole run
        if os.environ.get("RSPDSL_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        diags.append(internal_error(exc))
        return CheckedFile(path, source, title, tuple(diags), None, time.perf_counter() - start)
