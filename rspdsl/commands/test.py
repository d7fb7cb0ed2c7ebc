"""`rspdsl test [PATH...]`: run the policy tests (`*.rsptest`) found in files and directories.

Each case's state is decided by the concrete evaluator and compared with its expectations
(docs/testing.md). Every test file is run even when another cannot be used.

Exit codes: 2 if a path or test file cannot be used (or its policy); else 1 if a case fails or
(with --min) a policy's coverage is under the minimum; else 0.
"""
from __future__ import annotations

import argparse
import sys

FORMATS = ("text", "json", "junit")


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a percentage is between 0 and 100, not {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="test files, or directories searched recursively for *.rsptest (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); junit is JUnit XML for CI servers")
    parser.add_argument("--coverage", action="store_true",
                        help="report which tiers, thresholds, rules and requirements the cases exercised, "
                             "and list those never exercised")
    parser.add_argument("--min", type=_percent, default=None, metavar="PCT", dest="min_percent",
                        help="with --coverage (implied): exit 1 when a policy's coverage is under PCT percent")
    quiet = parser.add_mutually_exclusive_group()
    quiet.add_argument("--quiet", "-q", action="store_true",
                       help="text: only failures, errors and the totals")
    quiet.add_argument("--verbose", "-v", action="store_true", help="text: list every case, passed or not")


def run(args: argparse.Namespace) -> int:
    from ..policytest.coverage import coverage
    from ..policytest.runner import Session, find_test_files
    from ..render import test_out

    paths, problems = find_test_files(args.paths)
    for problem in problems:
        print(f"rspdsl test: error: {problem}", file=sys.stderr)
    if not paths and not problems:
        print("rspdsl test: error: no test files given", file=sys.stderr)
    if not paths:
        return 2
    session = Session()
    outcomes = [session.run_file(path) for path in paths]
    want_coverage = args.coverage or args.min_percent is not None
    coverages = [coverage(run) for run in session.runs] if want_coverage else None
    if args.format == "json":
        text = test_out.render_json(outcomes, coverages, args.min_percent)
    elif args.format == "junit":
        text = test_out.render_junit(outcomes)
    else:
        text = test_out.render_text(outcomes, coverages, quiet=args.quiet, verbose=args.verbose,
                                    min_percent=args.min_percent)
    sys.stdout.write(text)
    sys.stdout.flush()
    if problems or any(not o.usable for o in outcomes):
        return 2
    if any(o.failed for o in outcomes):
        return 1
    if coverages and args.min_percent is not None and any(c.percent < args.min_percent for c in coverages):
        return 1
    return 0
