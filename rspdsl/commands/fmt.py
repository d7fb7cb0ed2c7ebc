"""`rspdsl fmt FILE... [--check] [--diff]`: rewrite policies in the canonical layout.

--check and --diff change nothing: they report (and --diff shows) what would change, exit 1.

Formatting needs only the syntax (a policy with name or type errors is still formatted).
Before anything is written, the output is parsed again and must give the same AST as the
input: the formatter never changes what a policy means, even if it has a bug.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from dataclasses import dataclass

from ..diagnostics import Diagnostic, error
from ..frontend import parse_text, read_source
from ..render.text import render_diagnostic
from ..source import SourceFile, Span
from ..syntax.format import format_module
from ..syntax.parser import recursion_headroom

OK, CHANGED, FAILED = 0, 1, 2


@dataclass(frozen=True)
class Formatted:
    """The outcome for one text: the canonical text, or the diagnostics that prevent it."""
    source: SourceFile
    text: str | None
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.source.text


def format_text(text: str, path: str = "<string>") -> Formatted:
    """Format one policy text; refuses (E0900) when the output would not mean the same."""
    source, module, diags = parse_text(text, path)
    errors = tuple(d for d in diags if d.is_error)
    if module is None or errors:
        return Formatted(source, None, errors or tuple(diags))
    try:
        out = format_module(module)
    except (TypeError, ValueError) as exc:  # an AST the formatter cannot lay out: a bug
        return Formatted(source, None, (_internal(f"the formatter failed: {exc}"),))
    _, again, again_diags = parse_text(out, path)
    with recursion_headroom():  # AST equality recurses through chains thousands of operands long
        same = again is not None and again == module
    if not same or any(d.is_error for d in again_diags):
        return Formatted(source, None, (_internal(
            "the formatted text would not mean the same as the input; the file was left unchanged"),))
    return Formatted(source, out)


def _internal(message: str) -> Diagnostic:
    return error("E0900", message, Span(1, 1, 1, 1),
                 hint="this is a bug in rspdsl's formatter; please report it with the file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="PATH",
                        help="policy files to rewrite in place, or directories (every *.rsp in them, "
                             "recursively); `-` reads standard input and writes standard output")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 and list the files that would change")
    parser.add_argument("--diff", action="store_true",
                        help="change nothing; print a unified diff of what would change and exit 1 "
                             "if a file would change (as --check does)")


def run(args: argparse.Namespace) -> int:
    status = OK
    would_change: list[str] = []
    from .inputs import expand

    paths, empty = expand(args.files)
    for directory in empty:
        print(f"{directory}: E0001 a directory with no .rsp file in it", file=sys.stderr)
        status = FAILED
    for path in paths:
        result = _one(path, args, would_change)
        status = max(status, result)
    if (args.check or args.diff) and would_change:
        noun = "file" if len(would_change) == 1 else "files"
        print(f"{len(would_change)} {noun} would be reformatted", file=sys.stderr)
    return status


def _one(path: str, args: argparse.Namespace, would_change: list[str]) -> int:
    # --diff previews: like black and ruff, it never writes (it used to rewrite the file too)
    dry_run = args.check or args.diff
    if path == "-":
        text, problem = sys.stdin.read(), None
        if text.startswith("\ufeff"):
            text = text[1:]
        name = "<stdin>"
    else:
        text, problem = read_source(path)
        name = path
    if problem is not None:
        print(render_diagnostic(problem, SourceFile(name, "")), file=sys.stderr)
        return FAILED
    assert text is not None
    result = format_text(text, name)
    if result.text is None:
        for diag in result.diagnostics:
            print(render_diagnostic(diag, result.source), file=sys.stderr)
        return FAILED
    if args.diff and result.changed:
        sys.stdout.write(_unified_diff(name, text, result.text))
    if path == "-":
        if not dry_run:
            sys.stdout.write(result.text)
        if result.changed and dry_run:
            would_change.append(name)
            return CHANGED
        return OK
    if not result.changed:
        return OK
    if dry_run:
        would_change.append(path)
        print(f"would reformat {path}", file=sys.stderr)
        return CHANGED
    try:
        _write_atomically(path, result.text)
    except OSError as exc:
        diag = error("E0001", f"cannot write `{path}`: {exc.strerror or exc}", Span(1, 1, 1, 1))
        print(render_diagnostic(diag, SourceFile(path, "")), file=sys.stderr)
        return FAILED
    print(f"reformatted {path}", file=sys.stderr)
    return OK


def _unified_diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"{name} (original)", tofile=f"{name} (formatted)")
    out = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                  for line in lines)
    return out


def _write_atomically(path: str, text: str) -> None:
    """Write beside the file, then rename over it: a crash never leaves half a policy."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".rspdsl-fmt-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
