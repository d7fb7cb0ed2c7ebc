"""`rspdsl smt POLICY -o DIR`: write each proof obligation as a standalone SMT-LIB2 file.

Each file asserts a formula that is satisfiable iff the obligation is violated (sat = violated,
unsat = proved), with a header naming the property, subject and source location, so another
solver (`cvc5 FILE`, `z3 FILE`) can re-check any verdict of `rspdsl check`.
Exit 0 when the files are written; 2 when the policy or the directory cannot be used.
"""
from __future__ import annotations

import argparse
import sys

from ..logic.results import PROPERTIES


def _property_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    for pid in ids or [""]:
        if pid not in PROPERTIES and pid != "assert" and not (pid.startswith("assert:") and len(pid) > 7):
            raise argparse.ArgumentTypeError(
                f"unknown property {pid!r}; choose from {', '.join(PROPERTIES)}, assert, assert:NAME")
    return ids


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="POLICY", help="the policy (.rsp)")
    parser.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory for the .smt2 files (created if missing)")
    parser.add_argument("--property", type=_property_ids, action="append", dest="properties", metavar="ID",
                        help="export only these properties (repeatable, or comma-separated): "
                        f"{', '.join(PROPERTIES)}, assert (every assertion), assert:NAME")


def run(args: argparse.Namespace) -> int:
    from ..frontend import load_file
    from ..render.text import render_diagnostic

    loaded = load_file(args.file)
    for diag in loaded.diagnostics:
        print(render_diagnostic(diag, loaded.source), file=sys.stderr)
    if not loaded.ok or loaded.policy is None:
        return 2
    requested = {pid for group in args.properties for pid in group} if args.properties else None

    from ..logic.smtlib import write_files
    try:
        written = write_files(loaded.policy, args.output, requested)
    except OSError as exc:
        print(f"rspdsl smt: cannot write to {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    noun = "obligation" if len(written) == 1 else "obligations"
    print(f"wrote {len(written)} {noun} to {args.output} (sat = violated, unsat = proved)")
    return 0
