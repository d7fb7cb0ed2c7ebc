"""rspdsl's benchmarks, side by side in one run: `python benchmarks/run.py [--quick]`.

1. latency     `rspdsl check` on each shipped policy (and a 10-tier ladder) against the floor
               `python -c "import z3, lark"`: proving afresh, answered from the result cache, and
               cold (an empty cache directory: nothing stored yet).
2. scaling     `rspdsl check` on generated ladders of N tiers; the curve, 40 vs 10 tiers, and the
               peak RSS of the largest.
3. throughput  `rspdsl eval --states` (whole process) against Cedar (cedarpy, is_authorized_batch),
               OPA/Rego (regopy) and a hand-written Python baseline, over the same states. Two
               answers side by side: the full result (tier, thresholds, every action, assertions)
               and `--action deploy` (the same shape with deploy alone: the question Cedar and
               Rego answer, so their ratios use it). The baseline writes both byte for byte
               like rspdsl; every engine's deploy decisions must agree, or the run fails (exit 1).
4. lsp         the language server (benchmarks/lsp.py): diagnostics and proof results after an
               edit (p95), the server's RSS over 1,000 edits.

Every figure is the median of several runs with the min-max shown; every process is timed from
spawn to exit (os.wait4 gives its own peak RSS). Nothing here asserts a time: it prints ratios.
`--json FILE` saves the figures, `--plot FILE` draws the scaling curve (needs matplotlib).
"""
from __future__ import annotations

import argparse
import functools
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

FLOOR = [sys.executable, "-c", "import z3, lark"]


# ---------------------------------------------------------------- timing processes

@dataclass
class Stats:
    label: str
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)   # user + system seconds of the process

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def merge(self, other: Stats) -> None:
        self.seconds += other.seconds
        self.rss_kb += other.rss_kb
        self.codes += other.codes
        self.cpu += other.cpu

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        return f"{min(self.seconds):.3f}–{max(self.seconds):.3f}"

    @property
    def peak_rss_mb(self) -> float:
        return max(self.rss_kb) / 1024


def _env(cache_dir: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # measure this working tree, whatever is installed
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("RSPDSL_DEBUG", None)
    # as installed: pip writes .pyc files; a session that forbids them would time the compiler
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache_dir is not None:
        env["XDG_CACHE_HOME"] = cache_dir
    return env


def run_once(cmd: list[str], *, stdout=subprocess.DEVNULL, env=None) -> tuple[float, int, int, float]:
    """(wall seconds from spawn to exit, peak RSS in KiB, exit code, CPU seconds) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env or _env())
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err[-2000:]}")
    return seconds, usage.ru_maxrss, proc.returncode, usage.ru_utime + usage.ru_stime


def measure(label: str, cmd: list[str], runs: int, *, env=None, out_path: str | None = None,
            before=None) -> Stats:
    stats = Stats(label)
    for _ in range(runs):
        if before is not None:
            before()
        if out_path is not None:
            with open(out_path, "wb") as handle:
                seconds, rss, code, cpu = run_once(cmd, stdout=handle, env=env)
        else:
            seconds, rss, code, cpu = run_once(cmd, env=env)
        stats.cpu.append(cpu)
        stats.seconds.append(seconds)
        stats.rss_kb.append(rss)
        stats.codes.append(code)
    return stats


@functools.lru_cache(maxsize=1)
def rspdsl_command() -> list[str]:
    """The installed `rspdsl` script next to this Python when it runs this tree, else `python -m`."""
    script = Path(sys.executable).with_name("rspdsl")
    if script.exists():
        probe = subprocess.run([str(script), "--version"], capture_output=True, env=_env())
        if probe.returncode == 0:
            return [str(script)]
    return [sys.executable, "-m", "rspdsl"]


# ---------------------------------------------------------------- machine

def machine() -> dict[str, str]:
    import lark
    import z3

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "nproc": str(os.cpu_count()), "python": platform.python_version(),
            "rspdsl command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(rspdsl_command())),
            "z3": z3.get_version_string(), "lark": lark.__version__, "platform": platform.platform()}
    for name in ("cedarpy", "regopy"):
        try:
            from importlib.metadata import version
            info[name] = version(name)
        except Exception:  # noqa: BLE001 - an optional engine that is not installed
            info[name] = "not installed"
    return info


# ---------------------------------------------------------------- 1. latency

def shipped_policies() -> list[str]:
    return sorted(glob.glob(str(ROOT / "policies" / "*.rsp")))


def write_ladder(workdir: Path, tiers: int) -> str:
    path = workdir / f"ladder-{tiers}.rsp"
    if not path.exists():
        path.write_text(generate.generate(tiers), encoding="utf-8")
    return str(path)


def latency(workdir: Path, runs: int, policies: list[str]) -> dict:
    """Three figures per policy: `proving` (the result cache off: the real work), `cached` (a
    repeated check answered from the result cache) and `cold` (an empty cache directory: the
    proof, then the result stored). The floor runs between them. The parser's tables are part of
    rspdsl (generated ahead of time), so no run builds them."""
    floor = Stats("floor: python -c 'import z3, lark'")
    cache = workdir / "cache-warm"
    cache.mkdir(exist_ok=True)
    warm_env = _env(str(cache))
    proving_env = dict(warm_env, RSPDSL_NO_CACHE="1")
    rows = []
    for path in policies:
        cmd = rspdsl_command() + ["check", path]
        run_once(cmd, env=warm_env)  # fills the result cache (and writes .pyc files, as pip would)
        proving, cached = Stats(path), Stats(path)
        for _ in range(runs):  # interleaved with the floor, so that load changes touch all alike
            floor.merge(measure(floor.label, FLOOR, 1))
            proving.merge(measure(path, cmd, 1, env=proving_env))
            cached.merge(measure(path, cmd, 1, env=warm_env))
        cold_dir = workdir / "cache-cold"

        def fresh_cache(cold_dir: Path = cold_dir) -> None:
            shutil.rmtree(cold_dir, ignore_errors=True)
            cold_dir.mkdir()

        cold = measure(path, cmd, max(1, runs // 2), env=_env(str(cold_dir)), before=fresh_cache)
        name = os.path.relpath(path, ROOT) if path.startswith(str(ROOT)) else Path(path).name
        rows.append({"policy": name, "proving": proving, "cached": cached, "cold": cold,
                     "exit": proving.codes[-1]})
    return {"floor": floor, "rows": rows}


# ---------------------------------------------------------------- 2. scaling

def scaling(workdir: Path, tiers: list[int], runs: int, big_runs: int = 1) -> list[dict]:
    rows = []
    for n in tiers:
        path = write_ladder(workdir, n)
        stats = measure(f"ladder-{n}", rspdsl_command() + ["check", path], runs if n <= 80 else big_runs,
                        env=dict(_env(), RSPDSL_NO_CACHE="1"))  # every run proves
        if any(code != 0 for code in stats.codes):
            raise RuntimeError(f"the generated {n}-tier ladder does not check clean (exit {stats.codes})")
        rows.append({"tiers": n, "stats": stats})
    return rows


# ---------------------------------------------------------------- 3. throughput

@dataclass
class Inputs:
    policy_path: str
    states_path: str
    count: int
    cedar_path: str | None = None
    rego_path: str | None = None
    contexts_path: str | None = None


def prepare_throughput(workdir: Path, tiers: int, count: int, seed: int = 1) -> Inputs:
    """The policy, the states, and each engine's encoding of them (done ahead, untimed)."""
    import translate

    from rspdsl.frontend import load_file
    from rspdsl.state import parse_json

    policy_path = write_ladder(workdir, tiers)
    states_path = workdir / f"states-{tiers}-{count}.jsonl"
    lines = generate.generate_states(tiers, count, seed)
    states_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inputs = Inputs(policy_path, str(states_path), count)
    loaded = load_file(policy_path)
    if not loaded.ok:
        raise RuntimeError(f"{policy_path} does not load: {loaded.diagnostics}")
    policy = loaded.policy
    contexts = workdir / f"contexts-{tiers}-{count}.jsonl"
    with open(contexts, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(translate.convert_state(policy, parse_json(line)), separators=(",", ":")) + "\n")
    inputs.contexts_path = str(contexts)
    cedar = workdir / f"ladder-{tiers}.cedar"
    cedar.write_text(translate.cedar_policies(policy, "deploy"), encoding="utf-8")
    rego = workdir / f"ladder-{tiers}.rego"
    rego.write_text(translate.rego_module(policy, "deploy"), encoding="utf-8")
    inputs.cedar_path, inputs.rego_path = str(cedar), str(rego)
    return inputs


def available(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


REFERENCE = "rspdsl eval --states"
BASELINE = "hand-written Python"
PROJECTED = "rspdsl eval --states --action deploy"
BASELINE_PROJECTED = "hand-written Python, deploy only"
FULL, DEPLOY = "full result", "deploy only"


def answers(label: str) -> str:
    """What an engine's output holds: the full result, or deploy's answer alone."""
    return FULL if label in (REFERENCE, BASELINE) else DEPLOY


def rspdsl_for(label: str) -> str:
    """The rspdsl row answering the same question as `label` (what its speed-up is against)."""
    return REFERENCE if answers(label) == FULL else PROJECTED


def engine_commands(inputs: Inputs, tiers: int) -> dict[str, list[str]]:
    rspdsl = rspdsl_command() + ["eval", inputs.policy_path, "--states", inputs.states_path]
    baseline = [sys.executable, str(HERE / "baseline.py"), str(tiers), inputs.states_path]
    cmds = {REFERENCE: rspdsl, BASELINE: baseline,
            PROJECTED: rspdsl + ["--action", "deploy"], BASELINE_PROJECTED: baseline + ["--action", "deploy"]}
    if available("cedarpy"):
        cmds["Cedar (cedarpy)"] = [sys.executable, str(HERE / "engines.py"), "cedar", inputs.cedar_path,
                                   inputs.contexts_path, "deploy"]
    if available("regopy"):
        cmds["OPA/Rego (regopy)"] = [sys.executable, str(HERE / "engines.py"), "rego", inputs.rego_path,
                                     inputs.contexts_path]
    return cmds


def read_decisions(path: str) -> tuple[list[str], list[dict]]:
    """An engine's output: its raw lines, and each as {"deploy": bool, ...} (rspdsl and the
    baseline also give the tier and every action)."""
    raw, out = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            raw.append(line)
            if line in ("true", "false"):
                out.append({"deploy": line == "true"})
            else:
                obj = json.loads(line)
                out.append({"tier": obj["tier"], **{a: v["allowed"] for a, v in obj["actions"].items()}})
    return raw, out


def compare(raw: dict[str, list[str]], decisions: dict[str, list[dict]], count: int) -> list[str]:
    """Disagreements between engines (empty when all agree on every state). The baseline must
    write rspdsl's result lines byte for byte, for the full result and for deploy alone; the
    projection must be the full result without the other actions; Cedar and Rego must agree on
    `deploy`."""
    problems = []
    reference = decisions[REFERENCE]
    for label, got in decisions.items():
        if len(got) != count:
            problems.append(f"{label}: {len(got)} decisions for {count} states")
            continue
        for i, (want, have) in enumerate(zip(reference, got)):
            if any(want[k] != have[k] for k in have if k in want):
                problems.append(f"{label} disagrees with rspdsl on state {i + 1}: {have} vs {want}")
                break
    for ours, theirs in ((REFERENCE, BASELINE), (PROJECTED, BASELINE_PROJECTED)):
        if ours in raw and theirs in raw and len(raw[theirs]) == len(raw[ours]):
            for i, (want, have) in enumerate(zip(raw[ours], raw[theirs])):
                if want != have:
                    problems.append(f"{theirs} writes a different line for state {i + 1}:\n  {have}\n  {want}")
                    break
    if PROJECTED in raw and len(raw[PROJECTED]) == len(raw[REFERENCE]):
        for i, (full, projected) in enumerate(zip(raw[REFERENCE], raw[PROJECTED])):
            obj = json.loads(full)
            obj["actions"] = {"deploy": obj["actions"]["deploy"]}
            if json.dumps(obj, separators=(",", ":")) != projected:
                problems.append(f"{PROJECTED} is not the full result without the other actions, "
                                f"state {i + 1}:\n  {projected}\n  {full}")
                break
    return problems


def throughput(workdir: Path, tiers: int, count: int, runs: int, slow_runs: int) -> dict:
    inputs = prepare_throughput(workdir, tiers, count)
    commands = engine_commands(inputs, tiers)
    results = {label: Stats(label) for label in commands}
    outputs = {label: str(workdir / f"out-{i}.txt") for i, label in enumerate(commands)}
    # round robin, so that a change in the machine's load touches every engine alike
    for round_ in range(runs):
        for label, cmd in commands.items():
            if "Rego" in label and round_ >= slow_runs:
                continue
            results[label].merge(measure(label, cmd, 1, out_path=outputs[label]))
    raw, decisions = {}, {}
    for label, path in outputs.items():
        raw[label], decisions[label] = read_decisions(path)
    allowed = sum(d["deploy"] for d in decisions[REFERENCE])
    return {"tiers": tiers, "count": count, "stats": results, "agreement": compare(raw, decisions, count),
            "deploy_allowed": allowed}


# ---------------------------------------------------------------- report

def _ratio(a: Stats, b: Stats) -> str:
    return f"{a.median / b.median:.2f}x"


def report(info: dict, lat: dict | None, scale: list[dict] | None, thr: dict | None) -> str:
    out = []
    if info:
        out += ["## machine", ""] + [f"- {k}: {v}" for k, v in info.items()]
    if lat is not None:
        floor = lat["floor"]
        out += ["", "## 1. latency: `rspdsl check FILE` vs the floor `python -c \"import z3, lark\"`", "",
                f"floor: median {floor.median:.3f} s (min–max {floor.spread}), CPU {floor.cpu_median:.3f} s", "",
                "proving: the result cache off (RSPDSL_NO_CACHE=1). "
                "cached: a repeated check, answered from the result cache. "
                "cold: an empty cache directory (prove, then store).", "",
                "| policy | exit | proving s (min–max) | / floor | CPU / floor CPU | cached s (min–max) | / floor "
                "| CPU / floor CPU | cold s | / floor |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for row in lat["rows"]:
            w, h, c = row["proving"], row["cached"], row["cold"]
            out.append(f"| {row['policy']} | {row['exit']} | {w.median:.3f} ({w.spread}) | {_ratio(w, floor)} "
                       f"| {w.cpu_median / floor.cpu_median:.2f}x | {h.median:.3f} ({h.spread}) | {_ratio(h, floor)} "
                       f"| {h.cpu_median / floor.cpu_median:.2f}x | {c.median:.3f} | {_ratio(c, floor)} |")
    if scale:
        out += ["", "## 2. scaling: `rspdsl check` on generated N-tier ladders", "",
                "| tiers | median s (min–max) | CPU s | runs | peak RSS MiB |", "|---|---|---|---|---|"]
        for row in scale:
            s = row["stats"]
            out.append(f"| {row['tiers']} | {s.median:.3f} ({s.spread}) | {s.cpu_median:.3f} | {len(s.seconds)} "
                       f"| {s.peak_rss_mb:.0f} |")
        by = {row["tiers"]: row["stats"] for row in scale}
        if 10 in by and 40 in by:
            out += ["", f"40 tiers / 10 tiers: {_ratio(by[40], by[10])} (goal: at most 5x)"]
        top = max(by)
        out.append(f"{top} tiers: {by[top].median:.2f} s, peak RSS {by[top].peak_rss_mb:.0f} MiB")
    if thr is not None:
        stats = thr["stats"]
        out += ["", f"## 3. throughput: {thr['count']} states of the {thr['tiers']}-tier ladder (whole process)",
                "", "full result: tier, thresholds, every action (verdict, deciding rule, unmet requirements), "
                "assertions. deploy only: the same with deploy alone (`--action deploy`), the question "
                "Cedar and Rego answer (they print a bare true/false). The speed-up is against the rspdsl "
                "row with the same answer.", "",
                "| engine | answers | median s (min–max) | CPU s | runs | states/s | rspdsl speed-up |",
                "|---|---|---|---|---|---|---|"]
        for label, s in sorted(stats.items(), key=lambda item: answers(item[0]) != FULL):
            ours = stats[rspdsl_for(label)]
            out.append(f"| {label} | {answers(label)} | {s.median:.3f} ({s.spread}) | {s.cpu_median:.3f} "
                       f"| {len(s.seconds)} | {thr['count'] / s.median:,.0f} | {s.median / ours.median:.2f}x |")
        out.append("")
        out.append(f"deploy allowed in {thr['deploy_allowed']} of {thr['count']} states; "
                   + ("every engine agrees on every state" if not thr["agreement"]
                      else "DISAGREEMENT: " + "; ".join(thr["agreement"])))
    return "\n".join(out) + "\n"


def summary(lat: dict | None, scale: list[dict] | None, thr: dict | None) -> str:
    """The issue's goals against what was measured: one row each."""
    rows = []
    if lat is not None and lat["rows"]:
        floor = lat["floor"]
        for kind, goal in (("cached", "at most 1.3x"), ("proving", "at most 1.3x"), ("cold", "reported")):
            worst = max(lat["rows"], key=lambda r: r[kind].median / floor.median)
            cpu = worst[kind].cpu_median / floor.cpu_median
            rows.append((f"check latency / floor, worst policy, {kind}",
                         f"{_ratio(worst[kind], floor)} (CPU {cpu:.2f}x)", goal, worst["policy"]))
    if scale:
        by = {row["tiers"]: row["stats"] for row in scale}
        if 10 in by and 40 in by:
            rows.append(("check time, 40 tiers / 10 tiers", _ratio(by[40], by[10]), "at most 5x", ""))
        top = max(by)
        rows.append((f"check time, {top} tiers", f"{by[top].median:.1f} s", "well under 60 s", ""))
        rows.append((f"peak RSS, check of {top} tiers", f"{by[top].peak_rss_mb:.0f} MiB", "reported", ""))
    if thr is not None:
        stats = thr["stats"]
        full, deploy = stats[REFERENCE], stats[PROJECTED]
        note = f"{thr['count']} states"
        for label in ("Cedar (cedarpy)", "OPA/Rego (regopy)"):
            if label in stats:
                rows.append((f"eval throughput, deploy only (the question {label.split()[0]} answers): "
                             f"rspdsl --action deploy / {label}", _ratio(stats[label], deploy), "at least 10x", note))
                rows.append((f"eval throughput, full result (far more than {label.split()[0]} answers): "
                             f"rspdsl / {label}", _ratio(stats[label], full), "reported", note))
        for ours, theirs in ((REFERENCE, BASELINE), (PROJECTED, BASELINE_PROJECTED)):
            if theirs in stats:
                rows.append((f"eval throughput, {answers(ours)}: rspdsl / hand-written Python",
                             _ratio(stats[theirs], stats[ours]), "at least 0.5x", note))
        rows.append(("decisions agree across engines", "yes" if not thr["agreement"] else "NO", "yes", ""))
    out = ["## summary: the issue's goals", "", "| goal | measured | target | note |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out) + "\n"


def plot(scale: list[dict], path: str) -> None:
    """The scaling curve on log-log axes, with slope-1 and slope-2 guides through the middle point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [row["tiers"] for row in scale]
    med = [row["stats"].median for row in scale]
    cpu = [row["stats"].cpu_median for row in scale]
    lo = [min(row["stats"].seconds) for row in scale]
    hi = [max(row["stats"].seconds) for row in scale]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    ax.plot(xs, med, "o-", label="rspdsl check, wall (median)")
    ax.fill_between(xs, lo, hi, alpha=0.25, label="wall min–max")
    ax.plot(xs, cpu, "s--", label="CPU (median)")
    if len(xs) >= 2:
        mid = len(xs) // 2
        for power, style in ((1, ":"), (2, "-.")):
            guide = [med[mid] * (x / xs[mid]) ** power for x in xs]
            ax.plot(xs, guide, style, color="grey", linewidth=1, label=f"∝ N{'²' if power == 2 else ''}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tiers in the generated ladder (N)")
    ax.set_ylabel("seconds per check (whole process)")
    ax.set_title("rspdsl check against ladder size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def to_json(info, lat, scale, thr) -> dict:
    def stats(s: Stats) -> dict:
        return {**asdict(s), "median": s.median}

    data: dict = {"machine": info}
    if lat is not None:
        data["latency"] = {"floor": stats(lat["floor"]),
                           "rows": [{"policy": r["policy"], "exit": r["exit"], "proving": stats(r["proving"]),
                                     "cached": stats(r["cached"]), "cold": stats(r["cold"])}
                                    for r in lat["rows"]]}
    if scale:
        data["scaling"] = [{"tiers": r["tiers"], **stats(r["stats"])} for r in scale]
    if thr is not None:
        data["throughput"] = {"tiers": thr["tiers"], "count": thr["count"], "agreement": thr["agreement"],
                              "engines": {k: {**stats(v), "answers": answers(k), "speedup":
                                              v.median / thr["stats"][rspdsl_for(k)].median}
                                          for k, v in thr["stats"].items()}}
    return data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="rspdsl benchmarks (see the module docstring)")
    p.add_argument("--quick", action="store_true", help="fewer runs, smaller inputs (a minute or two)")
    p.add_argument("--only", choices=("latency", "scaling", "throughput", "report", "runs", "lsp"), action="append",
                   help="run only these parts (repeatable)")
    p.add_argument("--runs", type=int, help="runs per measurement (default 5, quick 3)")
    p.add_argument("--tiers", type=int, nargs="+", help="ladder sizes for the scaling curve")
    p.add_argument("--states", type=int, help="states for the throughput test (default 50000, quick 5000)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--plot", metavar="FILE", help="draw the scaling curve (PNG; needs matplotlib)")
    p.add_argument("--workdir", metavar="DIR", help="keep generated inputs here (default: a temp dir)")
    args = p.parse_args(argv)
    parts = set(args.only or ("latency", "scaling", "throughput", "report", "runs", "lsp"))
    runs = args.runs or (3 if args.quick else 5)
    tiers = args.tiers or ([5, 10, 20, 40] if args.quick else [5, 10, 20, 40, 80, 120, 200])
    count = args.states or (5_000 if args.quick else 50_000)

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="rspdsl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    lat = scale = thr = None
    rep = None  # 4. `rspdsl report` (benchmarks/report.py)
    timeline = None  # 5. language v2: duties, runs (benchmarks/runs.py)
    try:
        if "latency" in parts:
            policies = shipped_policies() + [write_ladder(workdir, 10)]
            lat = latency(workdir, runs, policies)
            print(report(info, lat, None, None), flush=True)
        if "scaling" in parts:
            scale = scaling(workdir, tiers, runs)
            print(report({}, None, scale, None), flush=True)
        if "throughput" in parts:
            # Rego runs once: at ~200 states/s it takes minutes, far from any goal's boundary
            thr = throughput(workdir, 10, count, runs, 1)
            print(report({}, None, None, thr), flush=True)
        if "report" in parts:
            import report as report_bench

            rep = report_bench.measure(workdir, runs)
            print(report_bench.table(rep), flush=True)
        if "runs" in parts:
            import runs as runs_bench

            timeline = runs_bench.measure(workdir, runs, 20_000 if args.quick else 100_000, [1, 2, 4, 8])
            print(runs_bench.table(timeline), flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    goals = summary(lat, scale, thr)
    if rep is not None:  # the report's rows join the same table
        goals = goals.rstrip("\n") + "\n" + "\n".join(f"| {a} | {b} | {c} | {d} |"
                                                      for a, b, c, d in report_bench.summary_rows(rep)) + "\n"
    if timeline is not None:
        goals = goals.rstrip("\n") + "\n" + "\n".join(f"| {a} | {b} | {c} | {d} |"
                                                      for a, b, c, d in runs_bench.summary_rows(timeline)) + "\n"
    print(goals, flush=True)
    if "lsp" in parts:  # the language server's rows (benchmarks/lsp.py)
        import lsp as lsp_bench

        print(lsp_bench.summary(lsp_bench.measure(args.quick)), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(info, lat, scale, thr), indent=2) + "\n", encoding="utf-8")
    if args.plot and scale:
        plot(scale, args.plot)
    if thr is not None and thr["agreement"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
