"""`rspdsl eval FILE --run RUN.jsonl [--format text|json]`: a timeline's compliance verdict.

Exit 0 when the run complies, 1 when it breaches the policy (an act taken while not allowed, a
duty overdue, an assertion false), 2 when the policy or the run file cannot be used.
"""
from __future__ import annotations

import sys

from ..render.run_out import run_json_parts, run_text
from ..runs import RunFileError, read_run
from ..semantics.model import Policy


def run_file(policy: Policy, policy_path: str, run_path: str, fmt: str) -> int:
    # a long run builds millions of small objects and no cycles: the cyclic GC's repeated full
    # passes over them made 100,000 steps take 6 s instead of 3 (frontend._gc_paused, same reason)
    from ..frontend import _gc_paused

    with _gc_paused():
        return _run_file(policy, policy_path, run_path, fmt)


def _run_file(policy: Policy, policy_path: str, run_path: str, fmt: str) -> int:
    from ..compiled.run_steps import evaluate_run_fast
    from ..evaluator import compile_policy

    # the compiled evaluator reads the common lines and decides each step (each part falls back
    # by itself to the reference reader and evaluator, which give the same steps and decisions)
    fast = compile_policy(policy)
    read_line = fast.run_line_reader()
    shown = "<stdin>" if run_path == "-" else run_path
    try:
        if run_path == "-":
            steps = read_run(policy, sys.stdin, origin=shown, read_line=read_line)
        else:
            with open(run_path, encoding="utf-8", errors="strict") as handle:
                steps = read_run(policy, handle, origin=shown, read_line=read_line)
    except IsADirectoryError:
        print(f"rspdsl eval: `{run_path}` is a directory, not a run file", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"rspdsl eval: no such run file `{run_path}`", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"{shown}: error: not valid UTF-8 ({exc.reason})", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"rspdsl eval: cannot read run file `{run_path}`: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except RunFileError as exc:
        for err in exc.errors:
            field = f" [{err.field}]" if err.field else ""
            print(f"{shown}:{err.line}: error: {err.message}{field}", file=sys.stderr)
        if exc.more:
            print(f"{shown}: {exc.more} more bad line{'s' * (exc.more != 1)} not shown", file=sys.stderr)
        return 2
    results = evaluate_run_fast(policy, steps, fast)
    if fmt == "json":
        for part in run_json_parts(policy, policy_path, steps, results):
            sys.stdout.write(part)
        sys.stdout.write("\n")
    else:
        print(run_text(policy, policy_path, steps, results))
    return 1 if any(r.breached for r in results) else 0
