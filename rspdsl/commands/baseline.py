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
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..analyses.checked import CheckedFile, internal_error, overall_exit_code
from ..source import SourceFile
from .check import DEFAULT_TIMEOUT_SECONDS, FORMATS, _seconds, render

if TYPE_CHECKING:
    from ..render.results_text import ReplayFrom


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


def collect(args: argparse.Namespace, verify=None) -> list[CheckedFile]:
    from ..analyses.baseline.files import check_against, load_baseline

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


# a run witness also names the baseline's own inputs (`baseline.NAME`), which the policy's
# `eval --run` does not know: the replay keeps the policy's names only
_POLICY_NAMES_ONLY = ' | .state |= with_entries(select(.key | startswith("baseline.") | not))'


def replay_source(baseline: str, maps: dict[str, str | None]) -> Callable[[str], ReplayFrom]:
    """Where a policy's long replay hints take witnesses from: this command, run on that policy
    alone with its map, and its results in the output."""
    from ..render.results_text import ReplayFrom

    def source(path: str) -> ReplayFrom:
        mapped = maps.get(path)
        command = ("rspdsl", "baseline", baseline, path) + (("--map", mapped) if mapped else ())
        return ReplayFrom(command, f".files[] | select(.file == {json.dumps(path)}) | .results[]",
                          _POLICY_NAMES_ONLY)
    return source


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
    maps = dict(zip(args.policies, pair_maps(args.policies, args.maps, args.map_dir)))
    out = render(files, args.format, verbose=args.verbose, color=color,
                 replay_from=replay_source(args.baseline, maps))
    if args.format == "markdown":
        out = out.replace("## rspdsl check", f"## rspdsl baseline `{args.baseline}`", 1)
    sys.stdout.write(out)  # text and markdown renderers escape the policies' control characters
    sys.stdout.flush()
    return overall_exit_code(files)
