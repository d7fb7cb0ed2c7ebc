"""`rspdsl explain [CODE]`: the diagnostic code registry."""
from __future__ import annotations

import argparse
import sys

from ..diagnostics import CODES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", help="a code such as E0103; all codes when omitted")


def run(args: argparse.Namespace) -> int:
    if args.code is None:
        for code, text in CODES.items():
            print(f"{code}  {text}")
        return 0
    code = args.code.upper()
    if code not in CODES:
        print(f"rspdsl: unknown diagnostic code `{args.code}`; `rspdsl explain` lists them", file=sys.stderr)
        return 2
    print(f"{code}: {CODES[code]}")
    return 0
