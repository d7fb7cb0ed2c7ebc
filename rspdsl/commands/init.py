"""`rspdsl init [DIR] [--name NAME]`: write a commented starter policy (NAME.rsp) and its test
file (NAME.rsptest) into DIR. Nothing is overwritten: if either file exists, nothing is written
and the exit code is 2."""
from __future__ import annotations

import argparse
import os
import re
import sys

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def _name(text: str) -> str:
    stem = text.removesuffix(".rsp")
    if not _NAME.fullmatch(stem):
        raise argparse.ArgumentTypeError(f"a file stem of letters, digits, `_`, `-` and `.`, not {text!r}")
    return stem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR",
                        help="where to write the files (default: the current directory; created if missing)")
    parser.add_argument("--name", type=_name, default="policy",
                        help="the file stem: writes NAME.rsp and NAME.rsptest (default: policy)")


def run(args: argparse.Namespace) -> int:
    from ..policytest.starter import starter_files

    files = starter_files(args.name)
    targets = {os.path.join(args.directory, name): text for name, text in files.items()}
    existing = [path for path in targets if os.path.lexists(path)]
    if existing:
        for path in existing:
            print(f"rspdsl init: error: `{path}` already exists; nothing was written", file=sys.stderr)
        return 2
    if os.path.exists(args.directory) and not os.path.isdir(args.directory):
        print(f"rspdsl init: error: `{args.directory}` is not a directory", file=sys.stderr)
        return 2
    try:
        os.makedirs(args.directory, exist_ok=True)
        for path, text in targets.items():
            with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
                handle.write(text)
    except OSError as exc:
        print(f"rspdsl init: error: cannot write into `{args.directory}`: {exc.strerror or exc}", file=sys.stderr)
        return 2
    policy, tests = targets
    print(f"wrote {policy} and {tests}\nnext: rspdsl check {policy} && rspdsl test {tests} --coverage")
    return 0
