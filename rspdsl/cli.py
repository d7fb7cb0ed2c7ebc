"""The `rspdsl` command: parses flags, dispatches to rspdsl/commands/*, returns the exit code.

Each subcommand module exposes `add_arguments(parser)` and `run(args) -> int` and is imported
only when used, so `rspdsl fmt` never pays for importing Z3.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__

EXIT_CODES = """exit codes:
  0  success: no error-level property violated (check), no weakening (diff), files formatted (fmt)
  1  a violation (check), a weakening revision (diff), a file that would change (fmt --check)
  2  the input cannot be used: unreadable or missing file, a directory, not UTF-8, a syntax,
     name or type error, a bad state, a bad flag
  3  some property unknown (solver limit) and none violated (check, baseline), or some
     question unknown and no weakening found (diff)"""

COMMANDS = {
    "check": ("check", "prove the built-in properties and assertions of policies"),
    "eval": ("eval", "evaluate a policy on concrete states: tier, thresholds, allowed actions"),
    "fmt": ("fmt", "rewrite policies in the canonical layout"),
    "diff": ("diff", "semantic difference between two revisions of a policy"),
    "baseline": ("baseline", "prove a regulator baseline's requirements over submitted policies"),
    "smt": ("smt", "write each proof obligation as a standalone SMT-LIB2 file"),
    "explain": ("explain", "describe a diagnostic code, or list them all"),
    "lsp": ("lsp", "run the language server for editors (LSP over stdio; needs rspdsl[lsp])"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on bad flags, as the contract wants
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="rspdsl", description="Policy-as-code with formal verification for AI "
                     "Responsible Scaling Policies.", epilog=EXIT_CODES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rspdsl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if only is None or only == name:
            _command_module(module).add_arguments(p)
    return parser


def _command_module(name: str):
    return importlib.import_module(f"rspdsl.commands.{name}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # build only the chosen subcommand's flags: keeps start-up free of unused imports
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(_command_module(COMMANDS[args.command][0]).run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for users; RSPDSL_DEBUG=1 shows it
        if os.environ.get("RSPDSL_DEBUG"):
            raise
        print(f"rspdsl: E0900 internal error: {type(exc).__name__}: {exc}\n"
              "  hint: this is a bug in rspdsl; rerun with RSPDSL_DEBUG=1 and report the traceback",
              file=sys.stderr)
        return 2


def entry() -> None:
    """The console script: main(), then leave without tearing the interpreter down.

    A normal exit frees every module and every Z3 object one by one (10-20 ms of a ~0.15 s
    check) although the operating system reclaims it all anyway. Output is flushed first, and
    every file rspdsl writes is closed by a `with` block before main() returns, so nothing is
    lost. Tests and the API call main(), which returns normally.
    """
    from . import lifetime

    lifetime.keep_until_exit()
    try:
        code = main()
    except SystemExit as exc:  # argparse's --help, --version and usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):  # as sys.exit("text") does
            print(exc.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left (`rspdsl ... | head`); as main() does, not an error
            pass
        except (OSError, ValueError):
            code = code or 2
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
