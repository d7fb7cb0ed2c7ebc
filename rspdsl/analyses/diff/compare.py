"""`diff_policies`: pair the two revisions, ask the semantic questions, list declaration and text
changes, and order the report."""
from __future__ import annotations

import time

from ...semantics.depth import room_for_combined
from ...semantics.model import Policy
from .declarations import declaration_changes
from .force import force_changes
from .pairing import check_renames, pair
from .questions import Questions
from .report import WEAKENING, Change, DiffReport
from .text_changes import text_changes


def _order_key(change: Change, action_order: dict[str, int]) -> tuple:
    aspect = {"tier": 0, "permission": 1, "requirement": 2}[change.aspect]
    return (0 if change.aspect == "tier" else 1, action_order.get(change.action or "", -1), aspect,
            0 if change.kind == WEAKENING else 1)


def diff_policies(old: Policy, new: Policy, *, renames: dict[str, str] | None = None,
                  timeout_ms: int = 10_000, seed: int = 0, accepts: bool = True) -> DiffReport:
    """The semantic difference OLD → NEW. Raises DiffError for a rename naming an unknown entity."""
    start = time.perf_counter()
    renames = dict(renames or {})
    check_renames(old, new, renames)
    with room_for_combined(old, new):  # messages print expressions recursively
        maps, var_notes = pair(old, new, renames)
        questions = Questions(old, new, maps, timeout_ms, seed)
        questions.run()
        decls = declaration_changes(old, new, maps, var_notes) + questions.semantic_decl_notes()
        texts = text_changes(old, new, maps)
        force = force_changes(old, new, maps, accepts=accepts, timeout_ms=timeout_ms, seed=seed)
    order = {name: i for i, name in enumerate(new.actions)}
    changes = sorted(questions.changes, key=lambda c: _order_key(c, order))
    return DiffReport(old_path=old.source.path, new_path=new.source.path, old_title=old.title,
                      new_title=new.title, changes=tuple(changes), declarations=tuple(decls),
                      unknowns=tuple(questions.unknowns), text_changes=tuple(texts),
                      seconds=time.perf_counter() - start, queries=questions.queries, force=tuple(force))
