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

EXIT_CODES = """exit codes (each command's --help lists its own):
  0  success
  1  a finding: a violation (check, baseline), a weakening (diff), a file that would change
     (fmt --check), a failed case or coverage under --min (test)
  2  the input cannot be used: unreadable or missing file, not UTF-8, a syntax, name or type
     error, a bad state or test file, a bad flag
  3  some property or question unknown (solver limit) and nothing violated (check, baseline, diff)"""

_USABLE = "2  the input cannot be used: unreadable or missing file, not UTF-8, a syntax, name or type\n     error, a bad flag"
COMMAND_EXIT_CODES = {
    "check": "0  no error-level property violated (accepted findings do not count)\n"
             "  1  an error-level property violated\n"
             f"  {_USABLE}\n"
             "  3  some property unknown (solver limit) and none violated",
    "eval": "0  the state(s) were decided; --run: the run complies\n"
            "  1  --run: the run breaches the policy (an act not allowed, a duty overdue, an assertion false)\n"
            "  2  the policy, a state, a states or run file or an action name cannot be used, or a bad flag",
    "fmt": "0  files formatted (or, with --check, already formatted)\n"
           "  1  --check: a file would change\n"
           f"  {_USABLE}",
    "baseline": "0  every baseline requirement proved for every policy\n"
                "  1  a baseline requirement violated for some policy\n"
                "  2  the baseline, a mapping or a policy cannot be used, or a bad flag\n"
                "  3  some requirement unknown (solver limit) and none violated",
    "smt": "0  the SMT-LIB2 files were written\n"
           f"  {_USABLE}; the output directory cannot be written",
    "diff": "0  no weakening (equivalent or stronger)\n"
            "  1  a weakening (weaker or incomparable)\n"
            "  2  the input cannot be used: a file, a flag, a --rename, a git revision\n"
            "  3  some question stayed unknown (solver limit) and no weakening was found",
    "explain": "0  the code or property was explained\n  2  an unknown code or property id",
    "test": "0  every case passed (and, with --min, every policy's coverage reached it)\n"
            "  1  a case failed, or a policy's coverage is under --min\n"
            "  2  a path, test file or policy cannot be used (the line and field are named), or a bad flag",
    "init": "0  the starter policy and its test file were written\n"
            "  2  a file to write already exists (nothing is overwritten), or a bad flag",
    "lsp": "0  the server shut down when its client asked\n"
           "  2  pygls is not installed (install rspdsl[lsp]), or a bad flag",
    "audit": "0  the audit was written (it informs; it does not gate)\n"
             "  2  a policy, a revision or the --git range cannot be used, or a bad flag",
    "report": "0  the page was written and nothing on it is violated, weaker or unknown\n"
              "  1  a policy violates a property or the baseline, or a revision weakens it\n"
              "  2  an input cannot be used (named on stderr as FILE:LINE:COL: CODE message), or a bad flag\n"
              "  3  something stayed unknown (solver limit) and nothing was violated or weaker",
}

COMMANDS = {
    "check": ("check", "prove the built-in properties and assertions of policies"),
    "eval": ("eval", "evaluate a policy on concrete states: tier, thresholds, allowed actions"),
    "test": ("test", "run policy tests (*.rsptest): expected tiers, verdicts and requirements; coverage"),
    "fmt": ("fmt", "rewrite policies in the canonical layout"),
    "diff": ("diff", "semantic difference between two revisions of a policy"),
    "baseline": ("baseline", "prove a regulator baseline's requirements over submitted policies"),
    "smt": ("smt", "write each proof obligation as a standalone SMT-LIB2 file"),
    "explain": ("explain", "describe a diagnostic code or a property id, or list them all"),
    "init": ("init", "write a commented starter policy and its test file"),
    "audit": ("audit", "the four classic criticisms (self-marking, vagueness, voluntariness, race) as solver questions"),
    "report": ("report", "one self-contained HTML report of policies, a baseline and the previous revision"),
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
        p = sub.add_parser(name, help=help_text, description=help_text,
                           epilog=f"exit codes:\n  {COMMAND_EXIT_CODES[name]}",
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
