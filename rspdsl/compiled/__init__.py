"""The compiled evaluator, the fast path of `eval` (the reference semantics is
rspdsl/semantics/interpret.py; every witness is replayed there, not here).

Modules: codegen.py (IR -> Python source), batch.py (the `--states` line path), evaluator.py
(Evaluator, compile_policy), readers.py (the JSON readers), run_lines.py (the `--run` line
reader), run_steps.py (the `--run` step loop), json_form.py (decision_to_json).

A policy is compiled once into Python source (exec'd, cached per Policy object) rather than
walking the IR per state. Two functions are generated from the same IR:

- `_full(state)`: every threshold, rule, requirement and assertion of a validated state
  (Fractions, bools, scale indices), for `Decision`;
- `_line(text)`: the batch path, generated on first use for each projection (the actions
  the result lists, in order; by default all). It decodes one JSON line with numbers as
  Decimals (exact, and as cheap as floats), validates it with inlined checks, decides with
  short-circuiting only what the projection lists (plus the verdicts assertions need), and
  writes the result line from precomputed fragments. Anything unusual (a "p/q" string, a bad
  value) returns None and the caller falls back to `read_state` + `_full`, so both paths
  accept the same states and print the same bytes.

Numbers stay exact: comparisons between int, Decimal and Fraction are exact in Python, and
arithmetic (+, -, k*x, min/max under arithmetic) runs on ints and Fractions only.
"""
from __future__ import annotations

from .evaluator import Evaluator, compile_policy, evaluate
from .json_form import decision_to_json

__all__ = ["Evaluator", "compile_policy", "decision_to_json", "evaluate"]
