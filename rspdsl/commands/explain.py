"""`rspdsl explain [ID]`: a diagnostic code (E0103) or a property id (mitigations, assert:NAME):
its one-line meaning, then the example and the fix from docs/diagnostics.md."""
from __future__ import annotations

import argparse
import sys

from ..diagnostics import CODES, did_you_mean
from ..explanations import EXPLANATIONS

PROPERTY_IDS = ("mitigations", "consistency", "monotonic", "reachability", "assert")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", metavar="ID",
                        help="a code such as E0103, or a property id such as mitigations or "
                             "assert:NAME; every code and property when omitted")


def _key(text: str) -> str | None:
    if text.upper() in CODES:
        return text.upper()
    lowered = text.lower()
    if lowered.startswith("assert:") or lowered == "assert":
        return "assert"
    return lowered if lowered in PROPERTY_IDS else None


def run(args: argparse.Namespace) -> int:
    if args.code is None:
        for code, text in CODES.items():
            print(f"{code}  {text}")
        print()
        width = max(len(p) for p in PROPERTY_IDS)
        for pid in PROPERTY_IDS:
            print(f"{pid:<{width}}  {EXPLANATIONS[pid][0]}")
        return 0
    key = _key(args.code)
    if key is None:
        hint = did_you_mean(args.code, [*CODES, *PROPERTY_IDS])
        print(f"rspdsl explain: unknown code or property `{args.code}`; `rspdsl explain` lists them"
              + (f" ({hint})" if hint else ""), file=sys.stderr)
        return 2
    title = CODES.get(key) or EXPLANATIONS[key][0]
    print(f"{args.code if key == 'assert' else key}: {title}")
    body = EXPLANATIONS.get(key, ("", ""))[1]
    if body:
        print()
        print(body)
    return 0
