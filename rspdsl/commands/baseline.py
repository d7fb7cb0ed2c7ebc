"""`rspdsl baseline BASELINE POLICY... [--map MAPFILE]... [--maps DIR]`: a regulator's requirements,
proved over each submitted policy.

Mapping files pair with policies: one `--map` for every policy (in order), or one `--map` for all;
`--maps DIR` picks DIR/<policy file stem>.map for each policy that has one. Output reuses the
`check` renderers: one entry per policy (its results are the baseline's assertions), preceded by
entries for the baseline or a mapping file when they have something to say.

Exit codes as `check`: 2 if the baseline, a mapping or a policy cannot be used (or a flag is bad);
else 1 if a baseline requirement is violated for some policy; else 3 if one is unknown; else 0.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
import traceback

from ..analyses.checked import CheckedFile, internal_error, overall_exit_code
from ..diagnostics import Diagnostic
from ..logic.results import Report
from ..source import SourceFile
from .check import DEFAULT_TIMEOUT_SECONDS, FORMATS, _seconds, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", metavar="BASELINE", help="the baseline (.rsp): vocabulary and assertions")
    parser.add_argument("policies", nargs="+", metavar="POLICY", help="the policies to check against it")
    parser.add_argument("--map", action="append", dest="maps", default=[], metavar="MAPFILE",
                        help="a mapping file (`baseline_name = expression` per line); give one per policy, "
                        "in order, or one for all")
    parser.add_argument("--maps", dest="map_dir", metavar="DIR",
                        help="use DIR/<policy stem>.map for each policy that has one")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); all formats write to stdout")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                        help=f"solver time limit per assertion (default: {DEFAULT_TIMEOUT_SECONDS:g})")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="solver random seed (default: 0)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="text format: list every obligation with its status and time")


def pair_maps(policies: list[str], maps: list[str], map_dir: str | None) -> list[str | None]:
    """The mapping file for each policy; ValueError explains an impossible pairing."""
    if maps and map_dir:
        raise ValueError("give --map or --maps, not both")
    if maps:
        if len(maps) == 1:
            return [maps[0]] * len(policies)
        if len(maps) != len(policies):
            raise ValueError(f"{len(maps)} --map files for {len(policies)} policies: give one per policy, "
                             "in order, or one for all")
        return list(maps)
    if map_dir:
        if not os.path.isdir(map_dir):
            raise ValueError(f"--maps {map_dir}: not a directory")
        out: list[str | None] = []
        for path in policies:
            stem = os.path.splitext(os.path.basename(path))[0]
            candidate = os.path.join(map_dir, stem + ".map")
            out.append(candidate if os.path.isfile(candidate) else None)
        return out
    return [None] * len(policies)


def _entry(path: str, source: SourceFile, title: str | None, diags: list[Diagnostic]) -> CheckedFile:
    """A file that only has diagnostics (the baseline, a mapping): usable unless one is an error."""
    failed = any(d.is_error for d in diags)
    return CheckedFile(path, source, title, tuple(diags), None if failed else Report(()))


def check_against(baseline_loaded, policy_path: str, map_path: str | None, *, timeout_ms: int, seed: int,
                  verify=None) -> list[CheckedFile]:
    """The entries for one policy: its mapping file (when it has diagnostics), then the policy."""
    from ..analyses import baseline as bl
    from ..frontend import load_file

    start = time.perf_counter()
    entries: list[CheckedFile] = []
    loaded = load_file(policy_path)
    base = baseline_loaded.policy
    title = loaded.policy.title if loaded.policy is not None else None
    shown_title = f"{title} — against {base.title}" if title else None
    errors = [d for d in loaded.diagnostics if d.is_error]   # the policy's own warnings belong to `check`
    if not loaded.ok:
        return [CheckedFile(policy_path, loaded.source, shown_title, tuple(errors), None,
                            time.perf_counter() - start)]
    mapping = None
    map_diags: list[Diagnostic] = []
    if map_path is not None:
        mapping, map_diags = bl.load_mapping(map_path)
        if mapping is None:  # unreadable: nothing to bind with
            return [_entry(map_path, SourceFile(map_path, ""), None, map_diags)]
    # translate and check_translation size their own recursion room (rspdsl.semantics.depth)
    translation, problems = bl.translate(base, loaded, mapping)
    if mapping is not None:
        problems = [bl.Problem(mapping.source, d) for d in map_diags] + problems
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
        report = bl.check_translation(translation, baseline_loaded.source.path, timeout_ms=timeout_ms,
                                      seed=seed, verify=verify)
    entries.append(CheckedFile(policy_path, loaded.source, shown_title, tuple(policy_diags), report,
                               time.perf_counter() - start))
    return entries


def load_baseline(path: str):
    """The baseline and an entry for it when it has something to say (None when all is well)."""
    from ..analyses import baseline as bl
    from ..frontend import load_file

    loaded = load_file(path)
    # a baseline declares vocabulary that some policies never need: unused names are not news
    diags = [d for d in loaded.diagnostics if d.code != "W0301"]
    if loaded.ok and loaded.policy is not None and loaded.module is not None:
        diags += bl.baseline_problems(loaded.policy, loaded.module)
    if not diags:
        return loaded, None
    return loaded, _entry(path, loaded.source, loaded.policy.title if loaded.policy else None, diags)


def collect(args: argparse.Namespace, verify=None) -> list[CheckedFile]:
    timeout_ms = max(1, round(args.timeout * 1000))
    maps = pair_maps(args.policies, args.maps, args.map_dir)
    try:
        baseline_loaded, baseline_entry = load_baseline(args.baseline)
    except Exception as exc:  # noqa: BLE001 — a bug must not become a traceback
        if os.environ.get("RSPDSL_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        return [CheckedFile(args.baseline, SourceFile(args.baseline, ""), None, (internal_error(exc),), None)]
    files = [baseline_entry] if baseline_entry is not None else []
    if baseline_entry is not None and not baseline_entry.usable:
        return files
    for policy_path, map_path in zip(args.policies, maps):
        try:
            files += check_against(baseline_loaded, policy_path, map_path, timeout_ms=timeout_ms,
                                   seed=args.seed, verify=verify)
        except Exception as exc:  # noqa: BLE001 — a bug must cost one policy, not the whole run
            if os.environ.get("RSPDSL_DEBUG"):
                traceback.print_exc(file=sys.stderr)
            files.append(CheckedFile(policy_path, SourceFile(policy_path, ""), None, (internal_error(exc),), None))
    return files


_CHECK_REPLAY = re.compile(r"rspdsl check (?P<file>\S+) --format json \| jq '\.files\[0\]\.results\[\]")


def retarget_replay(text: str, baseline: str, maps: dict[str, str | None]) -> str:
    """The text renderer's long replay hint selects a witness from `rspdsl check`'s JSON; here the
    witness comes from `rspdsl baseline`, so point the hint at this command (one policy, its map)."""
    by_arg = {shlex.quote(p): p for p in maps}

    def swap(m: re.Match) -> str:
        path = by_arg.get(m.group("file"))
        if path is None:
            return m.group(0)
        mapped = maps[path]
        command = ["rspdsl", "baseline", baseline, path] + (["--map", mapped] if mapped else [])
        select = f".files[] | select(.file == {json.dumps(path)}) | .results[]"
        return f"{shlex.join(command)} --format json | jq '{select}"

    return _CHECK_REPLAY.sub(swap, text)


def run(args: argparse.Namespace, verify=None) -> int:
    try:
        files = collect(args, verify=verify)
    except ValueError as exc:
        print(f"rspdsl baseline: error: {exc}", file=sys.stderr)
        return 2
    color = False
    if args.format == "text":
        from ..render.results_text import use_color
        color = use_color(sys.stdout)
    out = render(files, args.format, verbose=args.verbose, color=color)
    if args.format == "text":
        out = retarget_replay(out, args.baseline, dict(zip(args.policies, pair_maps(args.policies, args.maps,
                                                                                   args.map_dir))))
    if args.format == "markdown":
        out = out.replace("## rspdsl check", f"## rspdsl baseline `{args.baseline}`", 1)
    sys.stdout.write(out)  # text and markdown renderers escape the policies' control characters
    sys.stdout.flush()
    return overall_exit_code(files)
