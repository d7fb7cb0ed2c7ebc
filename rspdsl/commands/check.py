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

from ..analyses.check import Verifier, check_file, default_verify
from ..analyses.checked import CheckedFile, overall_exit_code
from ..logic.results import PROPERTIES, RUN_PROPERTIES

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
    parser.add_argument("files", nargs="+", metavar="FILE", help="policy files (.rsp)")
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
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="text format: list every obligation with its status and time")


# ---------------------------------------------------------------- the command

def render(files: list[CheckedFile], fmt: str, *, verbose: bool = False, color: bool = False) -> str:
    if fmt == "json":
        from ..render.json_out import render_json
        return render_json(files)
    if fmt == "sarif":
        from ..render.sarif import render_sarif
        return render_sarif(files)
    if fmt == "markdown":
        from ..render.markdown import render_markdown
        return render_markdown(files)
    from ..render.results_text import render_text
    return render_text(files, verbose=verbose, color=color)


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
    files = [check_file(path, timeout_ms=timeout_ms, seed=args.seed, properties=requested, verify=verify,
                        use_cache=use_cache, depth=getattr(args, "depth", 8))
             for path in args.files]
    color = False
    if args.format == "text":
        from ..render.results_text import use_color
        color = use_color(sys.stdout)
    _write(render(files, args.format, verbose=args.verbose, color=color))
    # a misspelt `--property assert:NAME` would otherwise check nothing and pass silently
    names = {r.property[len("assert:"):] for f in files for r in f.results if r.property.startswith("assert:")}
    unmatched = _unmatched_assertions(files, requested, names)
    if unmatched:
        print(f"rspdsl check: error: --property {', '.join(unmatched)}: no such assertion in the checked files",
              file=sys.stderr)
        return 2
    return overall_exit_code(files)
