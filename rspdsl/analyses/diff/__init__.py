"""The semantic difference between two revisions of a policy (`rspdsl diff`).

    pairing.py        which entity of OLD is which of NEW (--rename, names, variable plans)
    questions.py      the semantic questions on one solver; witnesses replayed (rspdsl.logic.witness)
    commitments.py    the requirement aspect: which commitments each revision demands
    declarations.py   declarations added, removed, renamed or changed
    text_changes.py   edits of text with no meaning (titles, descriptions, a commitment's wording)
    compare.py        diff_policies: all of the above, ordered into a report
    report.py         the report as data; rspdsl.render.messages words it

Three aspects are compared:

- permission, per action in both: a state where NEW allows it and OLD forbids it (weakening),
  or the reverse (strengthening);
- tier, through the tier names the two ladders share: a state that OLD places at or above a
  common tier T and NEW places below T is a weakening (NEW acts later); the reverse is a
  strengthening. A tier present in one ladder only is never compared directly: it sits between
  its neighbours, and its effect shows through the common tiers and its requirements;
- requirement, per action in both: "P demands c for A at s" means some requirement of P binding
  A is active at s and its commitment implies c for every value of every variable (checked by
  Z3). A commitment OLD has active at s that NEW does not demand at s is a weakening; the
  reverse a strengthening. Commitments are split at top-level `and`, so restating, splitting,
  merging or reordering commitments is no change.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The names below load on first use (PEP 562): `rspdsl check` words results with report.py's
# data types, and importing this package must not load the differ's solver code with them.
_WHERE = {
    "diff_policies": "compare", "new_file_report": "declarations", "DiffError": "pairing",
    "parse_renames": "pairing", "text_changes": "text_changes",
    **{name: "report" for name in ("Bounds", "Change", "DeclChange", "Demand", "Detail", "DiffReport", "Note",
                                   "NoteKind", "Permission", "Question", "Side", "Summary", "TextChange",
                                   "Unknown")},
}

if TYPE_CHECKING:  # pragma: no cover
    from .compare import diff_policies
    from .declarations import new_file_report
    from .pairing import DiffError, parse_renames
    from .report import (
        Bounds,
        Change,
        DeclChange,
        Demand,
        Detail,
        DiffReport,
        Note,
        NoteKind,
        Permission,
        Question,
        Side,
        Summary,
        TextChange,
        Unknown,
    )
    from .text_changes import text_changes


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value


__all__ = ["Bounds", "Change", "DeclChange", "Demand", "Detail", "DiffError", "DiffReport", "Note", "NoteKind",
           "Permission", "Question", "Side", "Summary", "TextChange", "Unknown", "diff_policies",
           "new_file_report", "parse_renames", "text_changes"]
