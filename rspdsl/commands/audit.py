"""`rspdsl audit FILE... [--git REV-RANGE] [--format text|json|markdown]`: the four classic
criticisms of a responsible scaling policy as solver questions (docs/audit.md).

Each FILE is audited on its own. Voluntariness needs a revision history: `--revisions` reads the
FILEs as successive revisions of one policy (the weakenings between consecutive files), and
`--git REV-RANGE` with one FILE takes the file at each commit of the range. Exit 0 (audit informs, it does not gate), 2 when an input cannot be used.
"""
from __future__ import annotations

import argparse
import sys

from .check import DEFAULT_TIMEOUT_SECONDS, _seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="policies (.rsp)")
    parser.add_argument("--revisions", action="store_true",
                        help="the FILEs are successive revisions of one policy, oldest first (voluntariness)")
    parser.add_argument("--git", metavar="REV-RANGE", help="the one FILE's history over this git range (A..B)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                        help="solver time limit per question; a question that hits it is reported unknown")
    parser.add_argument("--seed", type=int, default=0, metavar="N")


def run(args: argparse.Namespace) -> int:
    from ..analyses.audit import AuditReport, audit_policy
    from ..analyses.audit.voluntariness import git_revisions, history
    from ..analyses.diff.revision import GitError
    from ..frontend import load_file, load_text
    from ..render.audit_out import RENDERERS
    from ..render.text import render_diagnostic

    if args.git is not None and (len(args.files) != 1 or args.revisions):
        print("rspdsl audit: --git takes exactly one FILE (and no --revisions)", file=sys.stderr)
        return 2
    timeout_ms = max(1, round(args.timeout * 1000))
    loaded = [load_file(path) for path in args.files]
    bad = False
    for result in loaded:
        for diag in result.diagnostics:
            if diag.is_error:
                print(render_diagnostic(diag, result.source), file=sys.stderr)
                bad = True
    if bad:
        return 2
    policies = [r.policy for r in loaded if r.policy is not None]
    revisions = [(path, p) for path, p in zip(args.files, policies)] if args.revisions else []
    if args.git is not None:
        try:
            texts = git_revisions(args.files[0], args.git)
        except GitError as exc:
            print(f"rspdsl audit: {exc}", file=sys.stderr)
            return 2
        revisions = []
        for label, text in texts:
            old = load_text(text, label)
            if old.policy is None or not old.ok:
                print(f"rspdsl audit: {label} cannot be used (run `rspdsl check` on it)", file=sys.stderr)
                return 2
            revisions.append((label, old.policy))
    report = AuditReport([audit_policy(p, timeout_ms=timeout_ms, seed=args.seed) for p in policies],
                         history(revisions, timeout_ms=timeout_ms, seed=args.seed) if len(revisions) > 1 else [])
    sys.stdout.write(RENDERERS[args.format](report))
    return 0
