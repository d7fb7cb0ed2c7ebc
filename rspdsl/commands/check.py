"""`rspdsl check FILE...`: flags, then rspdsl.analyses.check.check_file per file, a renderer, the
exit code (rspdsl.analyses.checked).

Every file is checked even when an earlier one cannot be used. All output goes to stdout,
in every format (text included: diagnostics and findings are the command's product, and
one stream keeps their order); stderr carries only usage errors and, with RSPDSL_DEBUG=1,
tracebacks. An unexpected exception while checking a file becomes an E0900 diagnostic for
that file (exit 2), never a traceback.

Exit codes: 2 if any file cannot be used (unreadable, syntax/name/type error, internal
error) or a flag is bad; else 1 if any error-level property is violated; else 3 if any
property is unknown; else 0.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..analyses.check import Verifier, check_file, check_text, default_verify
from ..analyses.checked import CheckedFile, overall_exit_code
from ..diagnostics import Diagnostic, Severity
from ..logic.results import PROPERTIES, RUN_PROPERTIES
from ..source import NO_SPAN, SourceFile, Span

if TYPE_CHECKING:  # the text renderer is imported only when text is asked for
    from ..render.results_text import ReplayFrom

__all__ = ["FORMATS", "DEFAULT_TIMEOUT_SECONDS", "add_arguments", "check_file", "render", "run"]

FORMATS = ("text", "json", "sarif", "markdown")
DEFAULT_TIMEOUT_SECONDS = 10.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"the timeout must be a positive number of seconds, not {text!r}")
    return value


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of steps: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"the depth is a number of steps from 1 to 64, not {text!r}")
    return value


def _property_ids(text: str) -> list[str]:
    """`mitigations`, `assert`, `assert:NAME`, or several of them separated by commas."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("an empty property id")
    known = PROPERTIES + RUN_PROPERTIES
    for pid in ids:
        if pid not in known and pid != "assert" and not (pid.startswith("assert:") and len(pid) > 7):
            raise argparse.ArgumentTypeError(
                f"unknown property {pid!r}; choose from {', '.join(known)}, assert, assert:NAME")
    return ids


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="PATH",
                        help="policy files (.rsp), directories (searched recursively for *.rsp), "
                             "or - to read one policy from stdin")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); all formats write to stdout")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_SECONDS, metavar="SECONDS",
                        help=f"solver time limit per proof obligation (default: {DEFAULT_TIMEOUT_SECONDS:g});"
                        " an obligation that hits it is reported unknown (exit 3)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="solver random seed (default: 0); results are deterministic for a seed")
    parser.add_argument("--property", type=_property_ids, action="append", dest="properties", metavar="ID",
                        help="check only these properties (repeatable, or comma-separated): "
                        f"{', '.join(PROPERTIES + RUN_PROPERTIES)}, assert (every assertion), assert:NAME")
    parser.add_argument("--depth", type=_depth, default=8, metavar="K",
                        help="policies about time (language v2): search runs of up to K steps for a "
                        "violation (default: 8); beyond it an unproved property is unknown")
    parser.add_argument("--no-cache", action="store_true", dest="no_cache",
                        help="prove everything afresh: neither read nor write the result cache "
                        "(also RSPDSL_NO_CACHE=1); see docs/performance.md")
    detail = parser.add_mutually_exclusive_group()
    detail.add_argument("--verbose", "-v", action="store_true",
                        help="text format: every finding in full (source, witness, replay) and every "
                             "obligation with its status and time, however many files")
    detail.add_argument("--quiet", "-q", action="store_true",
                        help="text format: only each file's summary line and the total")


# ---------------------------------------------------------------- the command

def _check_stdin(timeout_ms: int, seed: int, properties: set[str] | None, verify: Verifier,
                 depth: int = 8) -> CheckedFile:
    """`check -`: one policy read from stdin, shown as `<stdin>` (never cached)."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        diag = Diagnostic("E0002", Severity.ERROR, "stdin is not valid UTF-8", Span(line, 1, line, 1),
                          hint="save the policy as UTF-8")
        return CheckedFile("<stdin>", SourceFile("<stdin>", ""), None, (diag,), None, 0.0)
    return check_text("<stdin>", text, timeout_ms=timeout_ms, seed=seed, properties=properties, verify=verify,
                      depth=depth)


def _empty_directory(path: str) -> CheckedFile:
    diag = Diagnostic("E0001", Severity.ERROR, f"`{path}` is a directory with no .rsp file in it", NO_SPAN,
                      hint="pass policy files, or a directory that holds some")
    return CheckedFile(path, SourceFile(path, ""), None, (diag,), None, 0.0)


def render(files: list[CheckedFile], fmt: str, *, verbose: bool = False, color: bool = False,
           quiet: bool = False, replay_from: Callable[[str], ReplayFrom] | None = None) -> str:
    """`replay_from`: where the text's long replay hints take witnesses from (default: check)."""
    if fmt == "json":
        from ..render.json_out import render_json
        return render_json(files)
    if fmt == "sarif":
        from ..render.sarif import render_sarif
        return render_sarif(files)
    if fmt == "markdown":
        from ..render.markdown import render_markdown
        return render_markdown(files)
    if quiet or (len(files) > 1 and not verbose):
        from ..render.compact_text import render_compact
        return render_compact(files, quiet=quiet)
    from ..render.results_text import render_text
    return render_text(files, verbose=verbose, color=color, replay_from=replay_from)


def _unmatched_assertions(files: list[CheckedFile], requested: set[str] | None,
                          loaded_names: set[str]) -> list[str]:
    # only when every file was verified: an unusable file's assertions are unknown (and it exits 2 anyway)
    if not requested or not all(f.usable for f in files):
        return []
    return sorted(p for p in requested if p.startswith("assert:") and p[len("assert:"):] not in loaded_names)


def _write(text: str) -> None:
    """Write to stdout; a terminal that cannot show a character gets an escape, not a crash."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "ascii"
        sys.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding))
    sys.stdout.flush()


def run(args: argparse.Namespace, verify: Verifier = default_verify) -> int:
    requested = {pid for group in args.properties for pid in group} if args.properties else None
    timeout_ms = max(1, round(args.timeout * 1000))
    use_cache = not getattr(args, "no_cache", False)
    from .inputs import STDIN, expand

    if args.files.count(STDIN) > 1:
        print("rspdsl check: error: `-` (stdin) can be given once", file=sys.stderr)
        return 2
    paths, empty = expand(args.files)
    depth = getattr(args, "depth", 8)
    files = [_empty_directory(path) for path in empty]
    files += [_check_stdin(timeout_ms, args.seed, requested, verify, depth) if path == STDIN else
              check_file(path, timeout_ms=timeout_ms, seed=args.seed, properties=requested, verify=verify,
                         use_cache=use_cache, depth=depth)
              for path in paths]
    color = False
    if args.format == "text":
        from ..render.results_text import use_color
        color = use_color(sys.stdout)
    _write(render(files, args.format, verbose=args.verbose, color=color, quiet=getattr(args, "quiet", False)))
    # a misspelt `--property assert:NAME` would otherwise check nothing and pass silently
    names = {r.property[len("assert:"):] for f in files for r in f.results if r.property.startswith("assert:")}
    unmatched = _unmatched_assertions(files, requested, names)
    if unmatched:
        print(f"rspdsl check: error: --property {', '.join(unmatched)}: no such assertion in the checked files",
              file=sys.stderr)
        return 2
    return overall_exit_code(files)
