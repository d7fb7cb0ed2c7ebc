"""`rspdsl diff OLD NEW` and `rspdsl diff --git REV FILE`: the semantic change of a revision.

Exit codes: 0 no weakening; 1 NEW is weaker somewhere; 2 the input cannot be used (a file,
a flag, a --rename, a git revision); 3 some question stayed unknown and no weakening was found.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..frontend import LoadResult
    from ..semantics.model import Policy

EXIT_HELP = """semantics: NEW is weaker where, in some state, it allows an action OLD forbids,
places the state on a lower tier (compared through the tiers both ladders name), or no
longer demands a commitment OLD had active. Every change shows a witness state that the
evaluator replayed on both revisions. See docs/diff.md.

exit codes:
  0  no weakening (equivalent or stronger)
  1  a weakening (weaker or incomparable)
  2  the input cannot be used: a file, a flag, a --rename, a git revision
  3  some question stayed unknown (solver limit) and no weakening was found"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXIT_HELP
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="OLD NEW; or, with --git REV, the one FILE to compare with its revision REV")
    parser.add_argument("--git", metavar="REV",
                        help="compare FILE as it was at git revision REV with the working tree")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="match OLD's entity OLD with NEW's entity NEW (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds the solver may spend on each question (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--ignore-accepts", action="store_true",
                        help="leave accepted findings (`accept`) out: for two frameworks whose encodings each "
                             "accept their own gaps; by default a newly accepted finding is a weakening")


def _fail(message: str) -> int:
    print(f"rspdsl diff: error: {message}", file=sys.stderr)
    return 2


def _usable(result: LoadResult) -> Policy | None:
    """The checked policy, or None after its diagnostics are printed."""
    from ..render.text import render_diagnostic
    if result.ok and result.policy is not None:
        return result.policy
    for diag in result.diagnostics:
        print(render_diagnostic(diag, result.source), file=sys.stderr)
    if not result.diagnostics:
        print(f"{result.source.path}: the policy cannot be used", file=sys.stderr)
    return None


def run(args: argparse.Namespace) -> int:
    from ..analyses.diff import DiffError, diff_policies, new_file_report, parse_renames
    from ..analyses.diff.revision import GitError, text_at_revision
    from ..frontend import load_file, load_text
    from ..render.diff_out import RENDERERS

    if not (args.timeout > 0):  # also refuses NaN
        return _fail("--timeout takes a positive number of seconds")
    if args.git is not None:
        if len(args.files) != 1:
            return _fail("--git REV takes exactly one FILE (the working-tree file to compare)")
        new = load_file(args.files[0])
        try:
            old_text, label = text_at_revision(args.git, args.files[0])
        except GitError as exc:
            return _fail(str(exc))
        if old_text is None:
            added = _usable(new)
            if added is None:
                return 2
            if args.rename:
                return _fail(f"--rename has nothing to rename: `{args.files[0]}` did not exist at {args.git}")
            report = new_file_report(added, label)
            sys.stdout.write(RENDERERS[args.format](report))
            return report.exit_code()
        old = load_text(old_text, label)
    else:
        if len(args.files) != 2:
            return _fail("give two files, OLD and NEW (or --git REV FILE)")
        old, new = load_file(args.files[0]), load_file(args.files[1])
    old_policy, new_policy = _usable(old), _usable(new)  # both print their diagnostics
    if old_policy is None or new_policy is None:
        return 2
    try:
        renames = parse_renames(args.rename)
        report = diff_policies(old_policy, new_policy, renames=renames, accepts=not args.ignore_accepts,
                               timeout_ms=int(min(args.timeout, 86_400) * 1000), seed=args.seed)
    except DiffError as exc:
        return _fail(str(exc))
    sys.stdout.write(RENDERERS[args.format](report))
    if args.format == "text":
        from ..render.rename_hint import rename_hint

        sys.stdout.write(rename_hint(report.declarations))
    return report.exit_code()
