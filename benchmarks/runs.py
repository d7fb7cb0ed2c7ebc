"""Language v2 benchmarks (issue 10): `python benchmarks/runs.py [--runs N] [--quick]`, or
`benchmarks/run.py --only runs`.

Rows beside their targets (nothing here asserts a time):
- `rspdsl check --no-cache` of a policy with duties and history terms (docs/examples/notify.rsp
  and the shipped Anthropic RSP v3.4 encoding), whole process, against the import floor
  `python -c "import z3, lark"`: target at most 3x.
- `rspdsl eval --run` on a 100,000-step run of docs/examples/notify.rsp, whole process, text
  output to /dev/null: target at least 50,000 steps/s; the same with `--format json` (reported).
- a synthetic policy with 20 duties (every duty gated by a rule, a deadline property per duty),
  `rspdsl check --no-cache --depth K` for K = 1, 2, 4, 8: the depth-vs-time curve; target under
  10 s at depth 8.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402

EXAMPLE = ROOT / "docs" / "examples" / "notify.rsp"
SHIPPED_V2 = ROOT / "policies" / "anthropic-rsp-v3.rsp"
TARGET_RATIO = 3.0
TARGET_STEPS = 50_000
TARGET_DEPTH8 = 10.0


def write_run(path: Path, steps: int, seed: int = 1) -> None:
    """A run of notify.rsp: compute grows, evaluations, notices, incidents and reports come and go."""
    rng = random.Random(seed)
    day, compute = 0, 10**24
    lines = []
    for k in range(steps):
        day += rng.choice((0, 1, 2))
        step: dict = {"day": day, "acts": [a for a, p in (("evaluate", .05), ("notify", .05), ("incident", .01),
                                                             ("report", .05)) if rng.random() < p]}
        if k == 0:
            step["state"] = {"training_compute": compute, "dangerous_capability": False}
        elif rng.random() < .001:
            compute = min(10**27, compute * 2)
            step["state"] = {"training_compute": compute}
        lines.append(json.dumps(step))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_duties(path: Path, n: int = 20) -> None:
    """n duties on n events, each gated by a rule on deploy and bound by an assertion."""
    lines = ['policy "Twenty duties" version "1"', "judgement hold", "safeguard ready", "action deploy"]
    lines += [f"event e{i}" for i in range(n)]
    lines += [f"action a{i} default permit" for i in range(n)]
    lines += ["tier base { }", "tier held when hold {", "  require ready for deploy", "}"]
    lines += [f"duty d{i}: a{i} within {i + 1} days after e{i}" for i in range(n)]
    lines += [f"forbid a{i} when hold and done(e{(i + 1) % n})" for i in range(0, n, 4)]
    lines.append("permit deploy when " + " and ".join(f"not overdue(d{i})" for i in range(n)))
    lines += [f"assert late-{i}: allowed(deploy) implies not overdue(d{i})" for i in range(0, n, 5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(workdir: Path, runs: int, steps: int, depths: list[int]) -> dict:
    env = bench._env(str(workdir / "cache"))
    floor = bench.measure("import floor", bench.FLOOR, runs, env=env)
    checks = {p.name: bench.measure(f"check {p.name}", bench.rspdsl_command() + ["check", "--no-cache", str(p)],
                                    runs, env=env)
              for p in (EXAMPLE, SHIPPED_V2)}
    run_file = workdir / "run.jsonl"
    write_run(run_file, steps)
    eval_run = bench.rspdsl_command() + ["eval", str(EXAMPLE), "--run", str(run_file)]
    evaluated = bench.measure("eval --run", eval_run, max(1, runs // 2), env=env)
    as_json = bench.measure("eval --run --format json", eval_run + ["--format", "json"], max(1, runs // 2), env=env)
    duties = workdir / "twenty.rsp"
    write_duties(duties)
    curve = {k: bench.measure(f"depth {k}", bench.rspdsl_command() + ["check", "--no-cache", "--depth", str(k),
                                                                       str(duties)], max(1, runs // 2), env=env)
             for k in depths}
    return {"floor": floor, "checks": checks, "eval": evaluated, "json": as_json, "steps": steps, "curve": curve,
            "reader": _reader()}


def _reader() -> str:
    """Which JSON decoder the run reader uses here (msgspec is the optional `fast` extra)."""
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return "the standard library's JSON scanner (msgspec not installed)"
    return "msgspec (the `fast` extra)"


def table(result: dict) -> str:
    floor = result["floor"].median
    out = ["## runs: language v2 (duties, history terms, runs)", "",
           "| measurement | median s (min–max) | ratio / rate | target |", "|---|---|---|---|",
           f"| import floor | {floor:.3f} ({result['floor'].spread}) | 1.0x | |"]
    for name, s in result["checks"].items():
        ratio = s.median / floor
        out.append(f"| check --no-cache {name} | {s.median:.3f} ({s.spread}) | {ratio:.1f}x | at most "
                   f"{TARGET_RATIO:g}x: {'met' if ratio <= TARGET_RATIO else 'MISSED'} |")
    rate = result["steps"] / result["eval"].median
    out.append(f"| eval --run, {result['steps']:,} steps | {result['eval'].median:.3f} ({result['eval'].spread}) "
               f"| {rate:,.0f} steps/s | at least {TARGET_STEPS:,}: {'met' if rate >= TARGET_STEPS else 'MISSED'} |")
    rate = result["steps"] / result["json"].median
    out.append(f"| eval --run --format json, {result['steps']:,} steps | {result['json'].median:.3f} "
               f"({result['json'].spread}) | {rate:,.0f} steps/s | reported |")
    for k, s in result["curve"].items():
        goal = (f"under {TARGET_DEPTH8:g} s: {'met' if s.median < TARGET_DEPTH8 else 'MISSED'}" if k == 8 else "")
        out.append(f"| 20 duties, check --depth {k} | {s.median:.3f} ({s.spread}) | | {goal} |")
    out += ["", f"Run lines read with {result['reader']}."]
    return "\n".join(out) + "\n"


def summary_rows(result: dict) -> list[tuple[str, str, str, str]]:
    floor = result["floor"].median
    rows = [(f"check of {name} (duties, history terms), fresh", f"{s.median / floor:.1f}x floor", "at most 3x",
             f"{s.median:.2f} s") for name, s in result["checks"].items()]
    rows.append((f"eval --run on {result['steps']:,} steps", f"{result['steps'] / result['eval'].median:,.0f} steps/s",
                 "at least 50,000", f"{result['eval'].median:.2f} s"))
    rows.append((f"eval --run --format json on {result['steps']:,} steps",
                 f"{result['steps'] / result['json'].median:,.0f} steps/s", "reported", f"{result['json'].median:.2f} s"))
    if 8 in result["curve"]:
        rows.append(("20-duty policy, check --depth 8", f"{result['curve'][8].median:.2f} s", "under 10 s",
                     ", ".join(f"depth {k}: {s.median:.2f} s" for k, s in result["curve"].items())))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="3 runs, a 20,000-step run")
    args = p.parse_args(argv)
    runs = 3 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="rspdsl-runs-bench-") as tmp:
        result = measure(Path(tmp), runs, 20_000 if args.quick else 100_000, [1, 2, 4, 8])
    print(table(result))
    print("\n".join(f"- {a}: {b} (target {c}; {d})" for a, b, c, d in summary_rows(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
