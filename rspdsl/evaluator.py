"""The compiled evaluator's public names, where callers have always imported them from; the code
is in the rspdsl/compiled/ package (codegen, batch, evaluator, readers, json_form)."""
from __future__ import annotations

from .compiled import Evaluator, compile_policy, decision_to_json, evaluate

__all__ = ["Evaluator", "compile_policy", "decision_to_json", "evaluate"]
