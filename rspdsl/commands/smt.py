"""`rspdsl smt POLICY -o DIR`: write each proof obligation as a standalone SMT-LIB2 file.

Each file asserts a formula that is satisfiable iff the obligation is violated (sat = violated,
unsat = proved), with a header naming the property, subject and source location, so another
solver (`cvc5 FILE`, `z3 FILE`) can re-check any verdict of `rspdsl check`.

DIR then holds exactly this run's obligations: the files an earlier run wrote there (marked by
their first two lines) are rewritten or removed, so `for f in DIR/*.smt2` never meets an
obligation the policy no longer has. Files rspdsl did not write are never changed or removed.
Exit 0 when the files are written; 2 when the policy or the directory cannot be used, or when
a file rspdsl did not write has the name of one to write (nothing is written then).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..logic.results import PROPERTIES


def _property_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    for pid in ids or [""]:
        if pid not in PROPERTIES and pid != "assert" and pid != "deadlines" \
                and not (pid.startswith("assert:") and len(pid) > 7):
            raise argparse.ArgumentTypeError(
                f"unknown property {pid!r}; choose from {', '.join(PROPERTIES)}, deadlines, assert, assert:NAME")
    return ids


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="POLICY", help="the policy (.rsp)")
    parser.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory for the .smt2 files (created if missing); .smt2 files an earlier "
                        "`rspdsl smt` wrote there and this run does not are removed, other files are left "
                        "alone, and a file rspdsl did not write with the name of a new one stops the run "
                        "(exit 2, nothing written)")
    parser.add_argument("--depth", type=int, default=8, metavar="K",
                        help="a policy about time (language v2): also write each mitigations and assertion "
                        "obligation, and each duty's deadline, as the bounded search asks it, over runs of "
                        "1..K steps (default: 8)")
    parser.add_argument("--property", type=_property_ids, action="append", dest="properties", metavar="ID",
                        help="export only these properties (repeatable, or comma-separated): "
                        f"{', '.join(PROPERTIES)}, deadlines, assert (every assertion), assert:NAME")


def run(args: argparse.Namespace) -> int:
    from ..frontend import load_file
    from ..render.text import render_diagnostic

    loaded = load_file(args.file)
    for diag in loaded.diagnostics:
        print(render_diagnostic(diag, loaded.source), file=sys.stderr)
    if not loaded.ok or loaded.policy is None:
        return 2
    requested = {pid for group in args.properties for pid in group} if args.properties else None

    from ..logic.smtlib import ForeignFileError, obligation_files, run_obligation_files, sync_directory
    if not 1 <= args.depth <= 64:
        print(f"rspdsl smt: --depth is a number of steps from 1 to 64, not {args.depth}", file=sys.stderr)
        return 2
    try:
        files = obligation_files(loaded.policy, requested)
        files += run_obligation_files(loaded.policy, requested, args.depth, len(files) + 1)
        result = sync_directory(files, args.output)
    except ForeignFileError as exc:
        _report_foreign(exc.paths)
        return 2
    except OSError as exc:
        print(f"rspdsl smt: cannot write to {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    noun = "obligation" if len(result.written) == 1 else "obligations"
    removed = f"; removed {len(result.removed)} from an earlier run" if result.removed else ""
    print(f"wrote {len(result.written)} {noun} to {args.output}{removed} (sat = violated, unsat = proved)")
    if result.kept_older:
        print(f"rspdsl smt: note: left {len(result.kept_older)} file(s) that an older rspdsl smt may have "
              "written without its mark; remove them if they are stale: "
              + ", ".join(str(p) for p in result.kept_older), file=sys.stderr)
    return 0


def _report_foreign(paths: list[Path]) -> None:
    print("rspdsl smt: these files were not written by rspdsl smt and are in the way; nothing was "
          "written (move them, or choose another directory with -o):", file=sys.stderr)
    for path in paths:
        print(f"  {path}", file=sys.stderr)
