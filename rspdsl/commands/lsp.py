"""`rspdsl lsp`: the language server, speaking LSP over stdin/stdout (see docs/editors.md).

It needs the optional `lsp` extra (pygls and lsprotocol); without it the command says how to
install it and exits 2.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys

INSTALL_HINT = 'pip install "rspdsl[lsp]"'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk over stdin/stdout (the default and only transport; accepted because "
                        "editors pass it)")


def missing_dependency() -> str | None:
    for module in ("pygls", "lsprotocol"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def run(args: argparse.Namespace) -> int:
    missing = missing_dependency()
    if missing is not None:
        print(f"rspdsl: error: the language server needs the optional package `{missing}`\n"
              f"  hint: install the lsp extra: {INSTALL_HINT}", file=sys.stderr)
        return 2
    from .. import lifetime
    from ..lsp.server import main

    lifetime.keep_nothing()
    return main()
