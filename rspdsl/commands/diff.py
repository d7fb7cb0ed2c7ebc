"""`rspdsl diff OLD NEW` and `rspdsl diff --git REV FILE`: the semantic change of a revision.

Exit codes: 0 no weakening; 1 NEW is weaker somewhere; 2 the input cannot be used (a file,
a flag, a --rename, a git revision); 3 some question stayed unknown and no weakening was found.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

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


class _GitError(Exception):
    pass


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise _GitError("`git` is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise _GitError(f"`git {' '.join(args)}` did not finish within 60 seconds") from None


def git_old_text(rev: str, path: str) -> tuple[str | None, str]:
    """(text of FILE at REV, or None when FILE did not exist at REV; label "REV:path").

    Raises _GitError outside a repository or for an unknown revision.
    """
    here = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(here):
        raise _GitError(f"no such directory `{os.path.dirname(path)}`")
    top = _git(["rev-parse", "--show-toplevel"], here)
    if top.returncode != 0:
        raise _GitError(f"`{path}` is not inside a git repository")
    root = top.stdout.decode("utf-8", "replace").strip()
    rel = os.path.relpath(os.path.realpath(os.path.abspath(path)), os.path.realpath(root))
    if rel.startswith(".."):
        raise _GitError(f"`{path}` is outside the repository at {root}")
    rel = rel.replace(os.sep, "/")
    if rev.startswith("-"):
        raise _GitError(f"unknown revision `{rev}`")
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    hashes = commit.stdout.decode("ascii", "replace").split()
    # Exactly one commit, by its hash from here on: a range or a negation (`^HEAD`) is not a
    # revision, and using REV itself again could name something else than what was verified.
    if commit.returncode != 0 or len(hashes) != 1 or hashes[0].startswith("^"):
        raise _GitError(f"unknown revision `{rev}` in the repository at {root}")
    label = f"{rev}:{rel}"
    # Only a path truly absent from REV's tree is a new file; any other failure (a missing
    # object, a corrupt repository) is an error, or a weakening gate would pass by mistake.
    listed = _git(["ls-tree", "--full-tree", "-z", hashes[0], "--", rel], root)
    if listed.returncode != 0:
        raise _GitError(f"cannot list `{label}`: {listed.stderr.decode('utf-8', 'replace').strip()}")
    if not listed.stdout:
        return None, label
    kind = listed.stdout.split(b" ", 2)[1] if listed.stdout.count(b" ") >= 2 else b""
    if kind != b"blob":
        raise _GitError(f"`{label}` is not a file at that revision")
    shown = _git(["cat-file", "blob", f"{hashes[0]}:{rel}"], root)
    if shown.returncode != 0:
        raise _GitError(f"cannot read `{label}`: {shown.stderr.decode('utf-8', 'replace').strip()}")
    try:
        text = shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise _GitError(f"`{label}` is not valid UTF-8") from None
    return text.lstrip("\ufeff"), label


def _fail(message: str) -> int:
    print(f"rspdsl diff: error: {message}", file=sys.stderr)
    return 2


def _usable(result) -> bool:
    from ..render.text import render_diagnostic
    if result.ok:
        return True
    for diag in result.diagnostics:
        print(render_diagnostic(diag, result.source), file=sys.stderr)
    if not result.diagnostics:
        print(f"{result.source.path}: the policy cannot be used", file=sys.stderr)
    return False


def run(args: argparse.Namespace) -> int:
    from ..differ import DiffError, diff_policies, new_file_report, parse_renames
    from ..frontend import load_file, load_text
    from ..render.diff_out import RENDERERS

    if not (args.timeout > 0):  # also refuses NaN
        return _fail("--timeout takes a positive number of seconds")
    if args.git is not None:
        if len(args.files) != 1:
            return _fail("--git REV takes exactly one FILE (the working-tree file to compare)")
        new = load_file(args.files[0])
        try:
            old_text, label = git_old_text(args.git, args.files[0])
        except _GitError as exc:
            return _fail(str(exc))
        if old_text is None:
            if not _usable(new):
                return 2
            if args.rename:
                return _fail(f"--rename has nothing to rename: `{args.files[0]}` did not exist at {args.git}")
            report = new_file_report(new.policy, label)
            sys.stdout.write(RENDERERS[args.format](report))
            return report.exit_code()
        old = load_text(old_text, label)
    else:
        if len(args.files) != 2:
            return _fail("give two files, OLD and NEW (or --git REV FILE)")
        old, new = load_file(args.files[0]), load_file(args.files[1])
    ok_old, ok_new = _usable(old), _usable(new)
    if not (ok_old and ok_new):
        return 2
    try:
        renames = parse_renames(args.rename)
        report = diff_policies(old.policy, new.policy, renames=renames,
                               timeout_ms=int(min(args.timeout, 86_400) * 1000), seed=args.seed)
    except DiffError as exc:
        return _fail(str(exc))
    from ..render import accept_diff

    changes = accept_diff.accept_changes(old.policy, new.policy)
    rendered = RENDERERS[args.format](report)
    if args.format == "json" and not changes.empty:
        rendered = accept_diff.amend_json(rendered, changes)
    sys.stdout.write(rendered)
    if args.format == "text":
        from ..render.rename_hint import rename_hint

        sys.stdout.write(accept_diff.text_section(changes, report.old_path, report.new_path, report.verdict))
        sys.stdout.write(rename_hint(report.declarations))
    elif args.format == "markdown":
        sys.stdout.write(accept_diff.markdown_section(changes))
    return 1 if changes.added else report.exit_code()  # a newly accepted finding is a weakening
