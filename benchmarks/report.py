"""`rspdsl report` benchmark: `python benchmarks/report.py [--runs N]`, or `benchmarks/run.py --only report`.

Two rows, as issue 13 sets them:
- the whole process of `rspdsl report` on the four shipped policies with the EU baseline (and its
  mapping files) and a diff against a previous revision (`--git`, the commit that added them),
  as docs/report.md makes the committed example: median wall and CPU seconds over N runs, with the
  result cache warm (a repeated report) and off (`--no-cache`, every proof afresh). Target < 3 s.
- the HTML size of each policy's own page (the same options, one policy): target < 1 MB.
Nothing here asserts a time; it prints the figures beside their targets.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402

BASELINE = "policies/baselines/eu-gpai-baseline.rsp"
MAPS = "policies/baselines/maps"
PREVIOUS = "ba73180"  # the commit that added the four policies (docs/report.md)
TARGET_SECONDS = 3.0
TARGET_BYTES = 1_000_000


def _command(policies: list[str], out: Path, *extra: str) -> list[str]:
    return bench.rspdsl_command() + ["report", *policies, "--baseline", BASELINE, "--maps", MAPS, "--git", PREVIOUS,
                                     "--deterministic", "-o", str(out), *extra]


def measure(workdir: Path, runs: int) -> dict:
    policies = [str(Path(p).relative_to(ROOT)) for p in bench.shipped_policies()]
    env = bench._env()
    out = workdir / "corpus.html"
    cmd = _command(policies, out)

    def timed(label: str, command: list[str]) -> bench.Stats:
        stats = bench.Stats(label)
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            stats.seconds.append(time.perf_counter() - start)
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1, 3):
                raise RuntimeError(f"{' '.join(command)} exited {code}: {err[-2000:]}")
            stats.codes.append(code)
            stats.rss_kb.append(usage.ru_maxrss)
            stats.cpu.append(usage.ru_utime + usage.ru_stime)
        return stats

    timed("warm-up", cmd[:])  # fills the result cache and writes .pyc files, as an installed package has
    warm = timed("cache warm", cmd)
    cold = timed("--no-cache", cmd + ["--no-cache"])
    sizes = {}
    for policy in policies:
        page = workdir / (Path(policy).stem + ".html")
        timed(policy, _command([policy], page))
        sizes[policy] = page.stat().st_size
    return {"warm": warm, "cold": cold, "corpus_bytes": out.stat().st_size, "sizes": sizes, "runs": runs}


def table(result: dict) -> str:
    out = ["## report: `rspdsl report` on the four shipped policies, with the baseline and a diff (whole process)", "",
           "| run | median s (min–max) | CPU s | peak RSS MiB | target |", "|---|---|---|---|---|"]
    for key in ("warm", "cold"):
        s = result[key]
        out.append(f"| {s.label} | {s.median:.3f} ({s.spread}) | {s.cpu_median:.3f} | {s.peak_rss_mb:.0f} "
                   f"| < {TARGET_SECONDS:g} s: {'met' if s.median < TARGET_SECONDS else 'MISSED'} |")
    out += ["", f"one page for the corpus: {result['corpus_bytes'] / 1e6:.2f} MB", "",
            "| policy (its own page) | HTML bytes | target |", "|---|---|---|"]
    for policy, size in result["sizes"].items():
        out.append(f"| {policy} | {size:,} | < 1 MB: {'met' if size < TARGET_BYTES else 'MISSED'} |")
    return "\n".join(out) + "\n"


def summary_rows(result: dict) -> list[tuple[str, str, str, str]]:
    worst = max(result["sizes"].items(), key=lambda item: item[1])
    return [("report of 4 policies + baseline + diff, whole process (cache warm)",
             f"{result['warm'].median:.2f} s", "under 3 s", f"CPU {result['warm'].cpu_median:.2f} s"),
            ("the same with --no-cache", f"{result['cold'].median:.2f} s", "under 3 s",
             f"CPU {result['cold'].cpu_median:.2f} s"),
            ("HTML size per policy, largest", f"{worst[1] / 1e6:.2f} MB", "under 1 MB", worst[0])]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rspdsl-report-bench-") as tmp:
        result = measure(Path(tmp), args.runs)
    print(table(result))
    print("\n".join(f"- {a}: {b} (target {c}; {d})" for a, b, c, d in summary_rows(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
