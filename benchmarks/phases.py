"""CPU time of each phase of `rspdsl check FILE`, in one process (the CLI's sequence, split up).

    python benchmarks/phases.py policies/anthropic-rsp-v2.2.rsp

Prints a Markdown table (milliseconds of `time.process_time`). Run it a few times and take the
median; docs/performance.md shows one such table. The result cache is not involved.
"""
import gc
import sys
import time

T = time.process_time
marks: list[tuple[str, float]] = []
_t = T()


def mark(label: str) -> None:
    global _t
    now = T()
    marks.append((label, (now - _t) * 1e3))
    _t = now


import z3  # noqa: E402,F401

mark("import z3 (the floor's work without Lark)")
import rspdsl.cli  # noqa: E401,E402,F401
import rspdsl.commands.check
import rspdsl.evaluator
import rspdsl.frontend
import rspdsl.logic.obligations
import rspdsl.logic.prover
import rspdsl.render.results_text  # noqa: E401,E402,F401
import rspdsl.semantics.resolve  # noqa: E401,E402,F401

mark("import rspdsl modules")
from rspdsl.syntax.parser import get_parser  # noqa: E402

get_parser()
mark("load the parser (generated module)")
from rspdsl.frontend import parse_text  # noqa: E402
from rspdsl.semantics.resolve import resolve  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
source, module, diags = parse_text(text, sys.argv[1])
mark("parse + lower")
policy, more = resolve(source, module)
mark("resolve + type-check")
from rspdsl.logic.obligations import build_obligations  # noqa: E402
from rspdsl.logic.prover import Prover  # noqa: E402
from rspdsl.logic.results import Report  # noqa: E402

obs = build_obligations(policy)
mark(f"encode + build {len(obs.obligations)} obligations (fresh Z3 context)")
prover = Prover(policy, ctx=obs.state.ctx)
mark("prover set-up (evaluator compile, solver)")
results = tuple(prover.discharge(ob) for ob in prover.prefilter(obs.obligations))
mark("solve + replay witnesses")
del prover, obs
gc.collect()
mark("free the Z3 context (the console script skips this)")
from rspdsl.analyses.checked import CheckedFile  # noqa: E402
from rspdsl.render.results_text import render_text  # noqa: E402

render_text([CheckedFile(sys.argv[1], source, policy.title, tuple(diags + more), Report(results), 0.0)])
mark("render text")
print("| phase | CPU ms |\n|---|---|")
for label, ms in marks:
    print(f"| {label} | {ms:.1f} |")
print(f"| total (without interpreter start-up and exit) | {sum(m for _, m in marks):.1f} |")
