"""`rspdsl report POLICY... [--baseline B --maps DIR] [--against OLD... | --git REV] [-o report.html]`:
one self-contained HTML page for a regulator.

The page is built from the JSON documents the other commands publish, made by the same calls
and the same dict builders: `check`'s (`check_file`, `file_json`), `baseline`'s
(`check_against`, the same builders) and `diff`'s (`diff_policies` / `git_old_text`,
`report_to_json`). See rspdsl/render/html/ for the page and docs/report.md for what it shows.

Exit codes, the most serious first: 2 some input cannot be used (a policy, the baseline, a
mapping, a previous revision, a flag, the output file); 1 an error-level violation (check or
baseline) or a weakening since the previous revision; 3 something unknown; else 0. The page
is written in every case but a bad flag or an unwritable output.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import sys
from datetime import UTC, datetime
from typing import Any

from .check import DEFAULT_TIMEOUT_SECONDS, _seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policies", nargs="+", metavar="POLICY", help="policy files (.rsp)")
    parser.add_argument("--baseline", metavar="BASELINE", help="also prove this regulator baseline over each policy")
    parser.add_argument("--map", action="append", dest="maps", default=[], metavar="MAPFILE",
                        help="a mapping file for the baseline: one per policy, in order, or one for all")
    parser.add_argument("--maps", dest="map_dir", metavar="DIR",
                        help="use DIR/<policy stem>.map for each policy that has one")
    previous = parser.add_mutually_exclusive_group()
    previous.add_argument("--against", action="append", default=[], metavar="OLD",
                          help="the previous revision of each policy, in order (repeat once per policy), "
                          "or a directory holding them under the same file names")
    previous.add_argument("--git", metavar="REV", help="compare each policy with its version at git revision REV")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the page here (default: stdout)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                        help=f"solver time limit per obligation (default: {DEFAULT_TIMEOUT_SECONDS:g})")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="solver random seed (default: 0)")
    parser.add_argument("--no-cache", action="store_true", dest="no_cache",
                        help="prove everything afresh (also RSPDSL_NO_CACHE=1)")
    parser.add_argument("--deterministic", action="store_true",
                        help="omit the date, so the same inputs and versions give the same bytes")


class _Refused(Exception):
    """A flag combination or an input that stops the report before anything is written."""


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _text(path: str) -> str | None:
    from ..frontend import read_source

    text, problem = read_source(path)
    return None if problem is not None else text


def _previous(args: argparse.Namespace) -> list[str | None]:
    """The OLD file for each policy under --against (None: no previous revision)."""
    if not args.against:
        return [None] * len(args.policies)
    if len(args.against) == 1 and os.path.isdir(args.against[0]):
        folder = args.against[0]
        return [os.path.join(folder, os.path.basename(p)) for p in args.policies]
    if len(args.against) != len(args.policies):
        raise _Refused(f"{len(args.against)} --against files for {len(args.policies)} policies: give one per "
                       "policy, in order, or a directory holding them under the same names")
    return list(args.against)


def _check(args: argparse.Namespace, timeout_ms: int) -> dict[str, Any]:
    from ..render.json_out import check_json
    from .check import check_file

    use_cache = not args.no_cache
    return check_json(check_file(p, timeout_ms=timeout_ms, seed=args.seed, use_cache=use_cache)
                      for p in args.policies)


def _baseline(args: argparse.Namespace, timeout_ms: int) -> dict[str, Any]:
    from ..analyses.baseline.files import check_against, load_baseline
    from ..render.json_out import check_json
    from .baseline import pair_maps

    try:
        maps = pair_maps(args.policies, args.maps, args.map_dir)
    except ValueError as exc:
        raise _Refused(str(exc)) from None
    loaded, entry = load_baseline(args.baseline)
    files = [entry] if entry is not None else []
    if entry is None or entry.usable:
        for policy, map_path in zip(args.policies, maps):
            files += check_against(loaded, policy, map_path, timeout_ms=timeout_ms, seed=args.seed)
    title = loaded.policy.title if loaded.policy is not None else None
    return {"file": args.baseline, "title": title, "maps": maps, "result": check_json(files)}


def _diff_one(policy: str, old: str | None, rev: str | None, timeout_ms: int, seed: int,
              missing_is_new: bool = False) -> dict[str, Any]:
    """The diff document for one policy (or {"error": ...} when it cannot be compared). With
    `missing_is_new` (the previous revisions are a directory) an absent OLD means a new file, as
    a path absent from a git revision does."""
    from ..analyses.diff import DiffError, diff_policies, new_file_report
    from ..analyses.diff.revision import GitError, text_at_revision
    from ..frontend import load_file, load_text
    from ..render.diff_out import report_to_json

    new = load_file(policy)
    out: dict[str, Any] = {}
    if rev is not None:
        try:
            old_text, label = text_at_revision(rev, policy)
        except GitError as exc:
            return {"old": f"{rev}:{policy}", "error": str(exc)}
        out.update(old=label, old_file="old.rsp", old_command=f"git show {shlex.quote(label)} > old.rsp")
        if not new.ok or new.policy is None:
            return {**out, "error": f"`{policy}` cannot be used (see its diagnostics)"}
        if old_text is None:
            return {**out, "report": report_to_json(new_file_report(new.policy, label))}
        old_loaded = load_text(old_text, label)
        out["old_sha256"] = hashlib.sha256(old_text.encode("utf-8")).hexdigest()
    else:
        assert old is not None
        out.update(old=old, old_file=old, old_command=None)
        if missing_is_new and not os.path.lexists(old) and new.ok and new.policy is not None:
            return {**out, "report": report_to_json(new_file_report(new.policy, old))}
        old_loaded = load_file(old)
    if not old_loaded.ok or not new.ok or old_loaded.policy is None or new.policy is None:
        bad = old_loaded if not old_loaded.ok else new
        first = next((d for d in bad.diagnostics if d.is_error), None)
        why = f"{bad.source.path}:{first.span.line}:{first.span.column}: {first.code} {first.message}" if first \
            else f"{bad.source.path} cannot be used"
        return {**out, "error": why}
    try:
        report = diff_policies(old_loaded.policy, new.policy, renames={}, timeout_ms=timeout_ms, seed=seed)
    except DiffError as exc:
        return {**out, "error": str(exc)}
    return {**out, "report": report_to_json(report)}


def _versions() -> dict[str, str]:
    from .. import __version__

    try:
        import z3

        z3_version = z3.get_version_string()
    except Exception:  # noqa: BLE001 - the page still says which rspdsl made it
        z3_version = "not importable"
    return {"rspdsl": __version__, "z3": z3_version, "python": platform.python_version()}


def reproduce_command(args: argparse.Namespace) -> str:
    """The command that makes this page again (to stdout), spelt canonically from the parsed flags."""
    words = ["rspdsl", "report", *args.policies]
    if args.baseline:
        words += ["--baseline", args.baseline]
    for m in args.maps:
        words += ["--map", m]
    if args.map_dir:
        words += ["--maps", args.map_dir]
    for old in args.against:
        words += ["--against", old]
    if args.git is not None:
        words += ["--git", args.git]
    words += ["--timeout", f"{args.timeout:g}", "--seed", str(args.seed)]
    if args.no_cache:
        words.append("--no-cache")
    if args.deterministic:
        words.append("--deterministic")
    return shlex.join(words)  # without -o: the same page wherever it is written


def collect(args: argparse.Namespace) -> dict[str, Any]:
    """Every document the page is built from (plain JSON data, exact numbers)."""
    from ..render.html.source_view import header
    from ..render.html.values import as_document

    timeout_ms = max(1, round(args.timeout * 1000))
    previous = _previous(args)
    texts = {p: _text(p) for p in args.policies}
    inputs = []
    for p in args.policies:
        text = texts[p]
        title, version = header(text) if text is not None else (None, None)
        inputs.append({"role": "policy", "file": p, "sha256": _sha256(p), "title": title, "version": version})
    check = _check(args, timeout_ms)
    baseline = _baseline(args, timeout_ms) if args.baseline else None
    if baseline is not None:
        baseline_text = _text(args.baseline)
        title, version = header(baseline_text) if baseline_text is not None else (None, None)
        inputs.append({"role": "baseline", "file": args.baseline, "sha256": _sha256(args.baseline),
                       "title": title, "version": version})
        for policy, map_path in zip(args.policies, baseline.pop("maps")):
            if map_path is not None:
                inputs.append({"role": f"mapping for {policy}", "file": map_path, "sha256": _sha256(map_path),
                               "title": None, "version": None})
    diffs: dict[str, Any] = {}
    if args.git is not None or args.against:
        for policy, old in zip(args.policies, previous):
            from_dir = len(args.against) == 1 and os.path.isdir(args.against[0])
            diffs[policy] = _diff_one(policy, old, args.git, timeout_ms, args.seed, missing_is_new=from_dir)
            d = diffs[policy]
            if args.git is None and old is not None and os.path.lexists(old):
                inputs.append({"role": f"previous revision of {policy}", "file": old, "sha256": _sha256(old),
                               "title": None, "version": None})
            elif "old" in d:
                inputs.append({"role": f"previous revision of {policy}", "file": d["old"],
                               "sha256": d.get("old_sha256"), "title": None, "version": None})
    options = {"timeout": f"{args.timeout:g} s per obligation", "seed": args.seed}
    if args.git is not None:
        options["previous revision"] = f"git revision {args.git}"
    provenance = {**_versions(), "command": reproduce_command(args),
                  "generated": None if args.deterministic else
                  datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                  "options": options, "title": "rspdsl report: " + ", ".join(
                      i["title"] or i["file"] for i in inputs if i["role"] == "policy")}
    return as_document({"provenance": provenance, "inputs": inputs,
                        "policies": [{"file": p, "text": texts[p]} for p in args.policies],
                        "check": check, "baseline": baseline, "diffs": diffs})


def exit_code(documents: dict[str, Any]) -> int:
    """2 over 1 over 3 over 0, from the documents alone."""
    codes: set[int] = set()
    entries = list(documents["check"]["files"])
    if documents.get("baseline") is not None:
        entries += documents["baseline"]["result"]["files"]
    for entry in entries:
        if any(d.get("severity") == "error" for d in entry.get("diagnostics") or ()):
            codes.add(2)
        for r in entry.get("results") or ():
            if r["status"] == "violated" and r.get("severity") == "error":
                codes.add(1)
            elif r["status"] == "unknown":
                codes.add(3)
    for diff in (documents.get("diffs") or {}).values():
        if "error" in diff:
            codes.add(2)
            continue
        verdict = diff["report"].get("verdict")
        codes.add(1 if verdict in ("weaker", "incomparable") else 3 if verdict == "unknown" else 0)
    return next((c for c in (2, 1, 3) if c in codes), 0)


def problems(documents: dict[str, Any]) -> list[str]:
    """`file:line:col: CODE message` (and its hint) for each input that cannot be used, for stderr:
    the page shows them too, but a terminal should say why the exit code is 2."""
    from ..render.escape import visible

    out = []
    entries = list(documents["check"]["files"])
    if documents.get("baseline") is not None:
        entries += documents["baseline"]["result"]["files"]
    seen: set[str] = set()
    for entry in entries:
        for d in entry.get("diagnostics") or ():
            if d.get("severity") != "error":
                continue
            line = f"{entry['file']}:{d.get('line')}:{d.get('column')}: {d['code']} {d['message']}"
            if line not in seen:
                seen.add(line)
                out.append(visible(line) + (f"\n  hint: {visible(d['hint'])}" if d.get("hint") else ""))
    for policy, diff in (documents.get("diffs") or {}).items():
        if "error" in diff:
            out.append(visible(f"{policy}: not compared with its previous revision: {diff['error']}"))
    return out


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _fail(message: str) -> int:
    print(f"rspdsl report: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from ..render.html import render_report

    if args.maps or args.map_dir:
        if not args.baseline:
            return _fail("--map and --maps need --baseline")
    if args.output:
        inputs = [*args.policies, *args.maps, *args.against, *([args.baseline] if args.baseline else [])]
        clash = next((p for p in inputs if _same_file(p, args.output)), None)
        if clash is not None:
            return _fail(f"-o {args.output} is an input ({clash}); the report would overwrite it")
    try:
        documents = collect(args)
    except _Refused as exc:
        return _fail(str(exc))
    page = render_report(documents)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(page)
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(page)
        sys.stdout.flush()
    for problem in problems(documents):
        print(problem, file=sys.stderr)
    return exit_code(documents)
