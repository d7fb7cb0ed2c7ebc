"""The language server's benchmark rows (issue 15): `python benchmarks/lsp.py [--quick]`, or
part of `python benchmarks/run.py` (`--only lsp`).

1. diagnostics after an edit, in-process: a one-character edit to a shipped policy (breaking a
   name, then restoring it, in turn) applied to the open document, the front end run on the new
   text, its findings made LSP diagnostics; what `rspdsl lsp` does for each change, without the
   10 ms debounce and the write to the pipe. p95 over every edit of every policy (target 30 ms).
2. proof results after an edit, in-process: a declaration added (a new policy, so nothing can be
   reused), the text analysed, a proof job run on it, its findings made diagnostics. p95 over every run of every policy (target 150 ms).
3. memory over 1,000 edits: a real `rspdsl lsp` over stdio, each edit's diagnostics awaited,
   proofs starting at once and cancelled by the next edit, a save (a full proof) every 100
   edits; the server's RSS (from /proc) after the first proof and after the last edit.

Nothing here asserts a time: it prints figures and the targets beside them.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TARGETS = {"diagnostics": 0.030, "proofs": 0.150}


def available() -> bool:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        return False
    return True


def shipped() -> list[Path]:
    return sorted((ROOT / "policies").glob("*.rsp"))


def _edit_site(text: str) -> tuple[int, int, str]:
    """A name used in an expression (line, character, name): the last tier's `when`."""
    lines = text.split("\n")
    for number in range(len(lines) - 1, -1, -1):
        line = lines[number]
        # `when` on the tier's line, or on the next when the header wraps
        header = line.startswith("tier ") or (number > 0 and lines[number - 1].startswith("tier ")
                                              and line.lstrip().startswith("when "))
        if header and "when " in line:
            at = line.index("when ") + len("when ")
            while not (line[at].isalpha() or line[at] == "_"):
                at += 1
            return number, at, line[at]
    raise ValueError("no tier with a `when`")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def diagnostics_latency(edits: int) -> dict:
    from rspdsl.lsp import convert
    from rspdsl.lsp.documents import Change, Document

    times: list[float] = []
    cpu: list[float] = []
    for path in shipped():
        text = path.read_text(encoding="utf-8")
        doc = Document(path.as_uri(), 1, text)
        doc.analyzed()
        line, char, first = _edit_site(text)
        for i in range(edits):
            # odd edits break the name (an E0103 with a did-you-mean hint), even ones restore it
            change = Change("Q" if i % 2 == 0 else first, ((line, char), (line, char + 1)))
            start, start_cpu = time.perf_counter(), time.thread_time()
            doc.apply([change], doc.version + 1)
            analysis = doc.analyzed()
            _ = [convert.problem_diagnostic(doc, p, "utf-16") for p in analysis.problems]
            times.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    return {"p50": statistics.median(times), "p95": p95(times), "max": max(times), "n": len(times),
            "cpu p95": p95(cpu)}


def proof_latency(runs: int) -> dict:
    from rspdsl.lsp import convert
    from rspdsl.lsp.documents import Change, Document
    from rspdsl.lsp.proofs import ProofJob

    times: list[float] = []
    cpu: list[float] = []
    per_policy: dict[str, float] = {}
    for path in shipped():
        doc = Document(path.as_uri(), 1, path.read_text(encoding="utf-8"))
        mine = []
        for i in range(runs + 1):
            # a new declaration each time: a new policy, proved afresh (nothing can be reused)
            end = len(doc.line_starts)
            doc.apply([Change(f"\nsafeguard bench_edit_{i}\n", ((end, 0), (end, 0)))], doc.version + 1)
            start, start_cpu = time.perf_counter(), time.thread_time()
            analysis = doc.analyzed()
            findings = ProofJob(analysis.policy).run()
            assert findings is not None
            _ = [convert.finding_diagnostic(doc, f, analysis.index, "utf-16") for f in findings
                 if f.status != "proved" and f.span is not None]
            if i:   # the first run pays for imports and Z3's start-up
                mine.append(time.perf_counter() - start)
                cpu.append(time.thread_time() - start_cpu)
            gc.collect()
        times += mine
        per_policy[path.name] = p95(mine)
    return {"p50": statistics.median(times), "p95": p95(times), "max": max(times), "n": len(times),
            "cpu p95": p95(cpu), "worst policy": max(per_policy, key=per_policy.__getitem__), "per policy p95": per_policy}


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory(edits: int = 1000) -> dict:
    from lsp_transcript import RawClient

    path = ROOT / "policies" / "anthropic-rsp-v2.2.rsp"
    text = path.read_text(encoding="utf-8")
    uri = "file:///bench/anthropic.rsp"
    line, char, first = _edit_site(text)
    client = RawClient()
    rpc = {"jsonrpc": "2.0"}
    start = time.perf_counter()
    try:
        client.send({**rpc, "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": None, "capabilities": {},
            "initializationOptions": {"proofDelayMs": 0, "diagnosticDelayMs": 0}}})
        client.expect({"id": 1})
        client.send({**rpc, "method": "initialized", "params": {}})
        client.send({**rpc, "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "rsp", "version": 1, "text": text}}})
        client.expect({"method": "rspdsl/proofStatus", "params": {"version": 1, "state": "done"}})
        before = _rss_kb(client.process.pid)
        samples = []
        for version in range(2, edits + 2):
            replacement = "Q" if version % 2 == 0 else first
            client.send({**rpc, "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": line, "character": char},
                                              "end": {"line": line, "character": char + 1}},
                                    "text": replacement}]}})
            client.expect({"method": "textDocument/publishDiagnostics", "params": {"version": version}})
            if version % 100 == 1:   # a clean text: save it and wait for the whole proof
                client.send({**rpc, "method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})
                client.expect({"method": "rspdsl/proofStatus", "params": {"version": version, "state": "done"}})
            client.backlog.clear()
            if (version - 1) % 250 == 0:
                samples.append(_rss_kb(client.process.pid) / 1024)
        after = _rss_kb(client.process.pid)
        client.send({**rpc, "id": 2, "method": "shutdown"})
        client.expect({"id": 2})
        client.send({**rpc, "method": "exit"})
    finally:
        client.close()
    return {"edits": edits, "rss before MiB": before / 1024, "rss after MiB": after / 1024, "samples MiB": samples,
            "growth MiB": (after - before) / 1024, "seconds": time.perf_counter() - start}


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def measure(quick: bool = False) -> dict | None:
    if not available():
        return None
    load = _load()
    return {"diagnostics": diagnostics_latency(40 if quick else 200),
            "proofs": proof_latency(5 if quick else 20),
            "memory": memory(1000), "load": f"{load} → {_load()}"}


def summary_rows(result: dict | None) -> list[tuple[str, str, str, str]]:
    if result is None:
        return [("language server", "not measured", "", 'needs the lsp extra: pip install "rspdsl[lsp]"')]
    d, p, m = result["diagnostics"], result["proofs"], result["memory"]
    load = f"load average {result['load']}"
    return [
        ("lsp: diagnostics after an edit, p95", f"{d['p95'] * 1000:.1f} ms", "at most 30 ms",
         f"CPU p95 {d['cpu p95'] * 1000:.1f} ms; p50 {d['p50'] * 1000:.1f} ms, max {d['max'] * 1000:.1f} ms; "
         f"{d['n']} edits over the shipped policies; {load}"),
        ("lsp: full proof results after an edit, p95", f"{p['p95'] * 1000:.0f} ms", "at most 150 ms",
         f"CPU p95 {p['cpu p95'] * 1000:.0f} ms; p50 {p['p50'] * 1000:.0f} ms; {p['n']} proofs; "
         f"slowest {p['worst policy']}"),
        (f"lsp: server RSS over {m['edits']:,} edits", f"{m['rss before MiB']:.0f} → {m['rss after MiB']:.0f} MiB",
         "stable", f"growth {m['growth MiB']:+.1f} MiB; every 250 edits: "
         + ", ".join(f"{x:.1f}" for x in m["samples MiB"]) + f" MiB ({m['seconds']:.0f} s)"),
    ]


def summary(result: dict | None) -> str:
    out = ["## language server (benchmarks/lsp.py)", "", "| goal | measured | target | note |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary_rows(result)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rspdsl language server benchmarks (see the module docstring)")
    parser.add_argument("--quick", action="store_true", help="fewer edits and proofs")
    args = parser.parse_args(argv)
    print(summary(measure(args.quick)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
