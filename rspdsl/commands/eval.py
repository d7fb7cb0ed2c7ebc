"""`rspdsl eval FILE --state STATE.json | --states STATES.jsonl [--format text|json] [--action NAME]...`.

One state: print its tier, thresholds, and for each action whether it is allowed, which rule
decided it and which active requirements are unmet. Many states (JSON lines): one compact JSON
result per non-blank input line, in order, streamed. A run (`--run`, language v2): one result per
step and a compliance verdict (rspdsl/commands/eval_run.py; exit 1 on a breach). `--action` lists only the named actions
(in the order given), and the batch path then decides and writes nothing else about the
others. Exit 0, or 2 when the policy, a state, a state file or an action name cannot be used.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import IO

from ..diagnostics import did_you_mean
from ..evaluator import compile_policy, decision_to_json
from ..render.escape import visible
from ..semantics.decision import Decision
from ..semantics.model import Policy
from ..state import StateError, dumps_exact, read_state

_MAX_REPORTED = 20   # bad lines printed to stderr in batch mode; the rest are counted
_CHUNK = 256         # results written per write() when reading a file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the policy (.rsp)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--state", metavar="STATE.json",
                        help="one state: a JSON object naming every input and response (`-`: stdin)")
    source.add_argument("--states", metavar="STATES.jsonl",
                        help="one state per line; prints one JSON result per line, in order (`-`: stdin)")
    source.add_argument("--template", action="store_true",
                        help="print a state skeleton naming every input and response (JSON, each at "
                             "its lowest value: false, the lower bound, the first scale value) to fill in")
    source.add_argument("--run", metavar="RUN.jsonl",
                        help="a run (timeline), one step per line: {\"day\": 0, \"state\": {...}, \"acts\": [...]}; "
                             "exit 1 when it breaches the policy (`-`: stdin)")
    parser.add_argument("--format", choices=("text", "json"), default=None,
                        help="output for --state and --run (default text); --states always writes JSON lines")
    parser.add_argument("--action", metavar="NAME", action="append", dest="actions",
                        help="list only this action (repeatable; in the order given). The tier, "
                             "thresholds and assertions are still reported; with --states the other "
                             "actions are not decided unless an assertion needs their verdict")


def run(args: argparse.Namespace) -> int:
    from ..frontend import load_file
    from ..render.text import render_diagnostic

    if args.states is not None and args.format == "text":
        print("rspdsl eval: --states writes one JSON result per line; --format text is for --state",
              file=sys.stderr)
        return 2
    loaded = load_file(args.file)
    if not loaded.ok or loaded.policy is None:
        for diag in loaded.diagnostics:
            print(render_diagnostic(diag, loaded.source), file=sys.stderr)
        return 2
    policy = loaded.policy
    if getattr(args, "template", False):
        from ..policytest.template import state_template

        print(dumps_exact(state_template(policy), indent=2))
        return 0
    actions = getattr(args, "actions", None)
    if actions is not None:
        unknown = _unknown_action(policy, actions)
        if unknown:
            print(f"rspdsl eval: {unknown}", file=sys.stderr)
            return 2
        actions = list(dict.fromkeys(actions))  # a repeated name is listed once
    if args.states is not None:
        return _batch(policy, args.states, actions)
    if getattr(args, "run", None) is not None:
        from .eval_run import run_file

        return run_file(policy, args.file, args.run, args.format or "text")
    return _single(policy, args.file, args.state, args.format or "text", actions)


def _unknown_action(policy: Policy, names: Sequence[str]) -> str | None:
    """A usage message for the first --action that names no action of the policy, or None."""
    for name in names:
        if name not in policy.actions:
            declared = ", ".join(policy.actions) or "none"
            hint = did_you_mean(name, list(policy.actions))
            return (f"--action `{name}` is not an action of this policy (its actions: {declared})"
                    + (f"; {hint}" if hint else ""))
    return None


# ---------------------------------------------------------------- one state

def _read_bytes(path: str) -> bytes | str:
    """The state file's bytes, or a message saying why it cannot be read."""
    if path == "-":
        return sys.stdin.buffer.read()
    if os.path.isdir(path):
        return f"`{path}` is a directory, not a state file"
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return f"no such state file `{path}`"
    except OSError as exc:
        return f"cannot read state file `{path}`: {exc.strerror or exc}"


def _single(policy: Policy, policy_path: str, state_path: str, fmt: str,
            actions: Sequence[str] | None = None) -> int:
    data = _read_bytes(state_path)
    shown = "<stdin>" if state_path == "-" else state_path
    if isinstance(data, str):
        print(f"rspdsl eval: {data}", file=sys.stderr)
        return 2
    try:
        state = read_state(policy, data, origin=shown)
    except StateError as exc:
        where = f"{shown}:{exc.line}:{exc.column}" if exc.line else shown
        print(f"{where}: error: {exc.message}", file=sys.stderr)
        return 2
    decision = compile_policy(policy).decide(state)
    if fmt == "json":
        print(dumps_exact(decision_to_json(policy, decision, actions), indent=2))
    else:
        print(render_text(policy, policy_path, decision, actions))
    return 0


def render_text(policy: Policy, path: str, decision: Decision, actions: Sequence[str] | None = None) -> str:
    """The human-readable decision: tier, thresholds, actions (all, or those named, in that
    order) with reasons, assertions."""
    lines = [f"{path}: tier {policy.tiers[decision.tier].name}"]
    if decision.thresholds:
        lines.append("thresholds:")
        width = max(len(n) for n in decision.thresholds)
        for name, holds in decision.thresholds.items():
            lines.append(f"  {name:<{width}}  {'holds' if holds else 'does not hold'}")
    lines.append("actions:")
    names = list(policy.actions) if actions is None else list(actions)
    width = max((len(a) for a in names), default=0)
    for name in names:
        action = policy.actions[name]
        allowed = decision.allowed[name]
        rule = decision.decided_by[name]
        if rule is not None:
            why = f"by {rule.effect} at {path}:{rule.span.line}:{rule.span.column}"
            if rule.description:
                why += f" ({json.dumps(rule.description)})"
        elif action.default_permit:
            why = "by default (default permit; no forbid holds)"
        else:
            why = "by default (default deny; no permit holds)"
        lines.append(f"  {name:<{width}}  {'allowed' if allowed else 'denied'} {why}")
        unmet = decision.unmet(name)
        if unmet and allowed:
            lines.append(f"  {'':<{width}}  warning: allowed with {len(unmet)} active requirement"
                         f"{'s' * (len(unmet) != 1)} unmet")
        for req in unmet:
            lines.append(f"  {'':<{width}}  unmet: {path}:{req.span.line}:{req.span.column} {req.text}")
        for req in decision.unheeded(name):  # v2 §4: advisory, never a violation
            lines.append(f"  {'':<{width}}  recommended, not met: {path}:{req.span.line}:{req.span.column} {req.text}")
    if decision.assertions:
        lines.append("assertions:")
        width = max(len(n) for n in decision.assertions)
        for name, holds in decision.assertions.items():
            lines.append(f"  {name:<{width}}  {'holds' if holds else 'FAILS'}")
    return visible("\n".join(lines))  # the policy's control and bidi characters shown escaped


# ---------------------------------------------------------------- batch

def _open_lines(path: str) -> IO[str] | str:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict")
    if os.path.isdir(path):
        return f"`{path}` is a directory, not a states file"
    try:
        return open(path, encoding="utf-8", errors="strict")
    except FileNotFoundError:
        return f"no such states file `{path}`"
    except OSError as exc:
        return f"cannot read states file `{path}`: {exc.strerror or exc}"


def _batch(policy: Policy, path: str, actions: Sequence[str] | None = None) -> int:
    stream = _open_lines(path)
    if isinstance(stream, str):
        print(f"rspdsl eval: {stream}", file=sys.stderr)
        return 2
    shown = "<stdin>" if path == "-" else path
    # From stdin, answer each line as it comes (a coprocess may be waiting); from a file, chunk.
    interactive = path == "-"
    try:
        bad, lineno = _stream(policy, stream, shown, sys.stdout, interactive, actions)
    except UnicodeDecodeError as exc:
        print(f"{shown}: error: not valid UTF-8 ({exc.reason}) after the lines already answered",
              file=sys.stderr)
        return 2
    finally:
        if path != "-":
            stream.close()
    sys.stdout.flush()
    if bad:
        more = f" ({bad - _MAX_REPORTED} not shown)" if bad > _MAX_REPORTED else ""
        print(f"{shown}: {bad} bad state line{'s' * (bad != 1)} of {lineno}{more}", file=sys.stderr)
        return 2
    return 0


def _stream(policy: Policy, lines: Iterable[str], shown: str, out: IO[str],
            interactive: bool, actions: Sequence[str] | None = None) -> tuple[int, int]:
    """Decide every line; a bad line gets an {"error": ...} result in its place. Returns (bad, lines)."""
    decide_line = compile_policy(policy).line_decider(actions)
    buffer: list[str] = []
    bad = 0
    lineno = 0
    try:
        for lineno, line in enumerate(lines, 1):
            try:
                result = decide_line(line, shown)
            except StateError as exc:
                if not line.strip():
                    continue  # blank lines carry nothing and get no result
                bad += 1
                if bad <= _MAX_REPORTED:
                    print(f"{shown}:{lineno}: error: {exc.message}", file=sys.stderr)
                result = json.dumps({"error": {"line": lineno, "name": exc.name, "message": exc.message}},
                                    separators=(",", ":"))
            if interactive:
                out.write(result + "\n")
                out.flush()
            else:
                buffer.append(result)
                if len(buffer) >= _CHUNK:
                    buffer.append("")
                    out.write("\n".join(buffer))
                    buffer.clear()
    finally:  # what was answered is written even when the input turns out not to be UTF-8
        if buffer:
            buffer.append("")
            out.write("\n".join(buffer))
    return bad, lineno
