"""Every sentence about a result, built from the result's facts (like Catala's messages module).

The logic layer and the analyses return data: a status, a severity and typed facts
(rspdsl.logic.facts, rspdsl.analyses.diff.report). The renderers (text, JSON, SARIF, markdown)
ask this module for the words, so a message is written once, in one place, whatever the format.
"""
from __future__ import annotations

from typing import Any

from ..analyses.diff.report import (
    STRENGTHENING,
    WEAKENING,
    Bounds,
    Change,
    DeclChange,
    Demand,
    Detail,
    Note,
    NoteKind,
    Permission,
    Question,
    Side,
    Summary,
    Unknown,
)
from ..state import number_text

# ============================================================================ diff


def _where(at: tuple[str, Any]) -> str:
    path, span = at
    return f"{path}:{span.line}:{span.column}"


def _label(name: str, old_name: str | None) -> str:
    return name if old_name is None else f"{name} (OLD: {old_name})"


def change_message(c: Change) -> str:
    """One line saying what changed in meaning, e.g. "NEW allows deploy where OLD forbids it"."""
    label = _label(c.name, c.old_name)
    if c.aspect == "tier":
        if c.kind == WEAKENING:
            return f"NEW places a state below {label} (at {c.new.tier}) that OLD places at {c.old.tier}"
        return f"NEW places a state at {c.new.tier} (at or above {label}) that OLD places at {c.old.tier}"
    if c.aspect == "permission":
        return (f"NEW allows {label} where OLD forbids it" if c.kind == WEAKENING
                else f"NEW forbids {label} where OLD allows it")
    has = c.old if c.kind == WEAKENING else c.new
    at = has.outcome.at if isinstance(has.outcome, Demand) else None
    where = _where(at) if at is not None else ""
    if c.kind == WEAKENING:
        return f"OLD requires `{c.detail}` for {label} here ({where}); NEW no longer demands it"
    return f"NEW requires `{c.detail}` for {label} here ({where}); OLD did not demand it"


def side_outcome(side: Side) -> str:
    """What one revision does at the witness, e.g. "forbids deploy (forbid at p.rsp:20:1)"."""
    out = side.outcome
    if isinstance(out, Permission):
        verb = "allows" if out.allowed else "forbids"
        if out.rule_at is not None:
            return f"{verb} {out.action} ({out.rule_effect} at {_where(out.rule_at)})"
        why = "default permit" if out.default_permit else "no permit holds; default deny"
        return f"{verb} {out.action} ({why})"
    if isinstance(out, Demand):
        if out.demanded and out.at is not None:
            return f"requires `{out.commitment}` ({_where(out.at)})"
        return "does not demand it"
    return ""


def note_text(note: Note) -> str:
    """How a witness variable relates to the two revisions, e.g. "OLD: bio_risk", "NEW only"."""
    if note.kind in (NoteKind.OLD_NAME, NoteKind.OLD_VALUE):
        return f"OLD: {note.value}"
    return "NEW only" if note.kind is NoteKind.NEW_ONLY else "OLD only"


def unknown_question(u: Unknown) -> str:
    """The question the solver could not answer."""
    label = _label(u.name, u.old_name)
    return {
        Question.TIER_BELOW: lambda: f"does NEW place a state below {label} where OLD does not?",
        Question.TIER_AT_OR_ABOVE: lambda: f"does NEW place a state at or above {label} where OLD does not?",
        Question.ALLOW: lambda: f"does NEW allow {label} where OLD forbids it?",
        Question.FORBID: lambda: f"does NEW forbid {label} where OLD allows it?",
        Question.NEW_DEMANDS: lambda: f"does NEW demand `{u.commitment}` for {label} wherever OLD does?",
        Question.OLD_DEMANDS: lambda: f"does OLD demand `{u.commitment}` for {label} wherever NEW does?",
        Question.IMPLIES: lambda: f"does a commitment of the other revision imply `{u.commitment}` for every value?",
    }[u.question]()


def bounds_text(b: Bounds) -> str:
    """A variable's declared range: `[0, 1] months`, `level [low, high]`, `true/false`."""
    if b.sort == "bool":
        return "true/false"
    if b.sort == "int":
        return f"{b.scale} [{b.lo or '?'}, {b.hi or '?'}]"
    lo = "-inf" if b.lo is None else number_text(b.lo)
    hi = "inf" if b.hi is None else number_text(b.hi)
    return f"[{lo}, {hi}]" + (f" {b.unit}" if b.unit else "")


def _sort_word(b: Bounds) -> str:
    return {"real": "a number", "bool": "true/false", "int": f"scale {b.scale}"}.get(b.sort, b.sort)


def _summary(s: Summary) -> str:
    if s.bounds is not None:
        return bounds_text(s.bounds)
    if s.default_permit is not None:
        return "default permit" if s.default_permit else "default deny"
    if s.values is not None:
        return "{ " + ", ".join(s.values) + " }"
    if s.rung is not None:
        return f"rung {s.rung[0]} of {s.rung[1]}"
    return ""


_UNRELATED = "the two are compared as unrelated variables"


def decl_detail(d: DeclChange) -> str:
    """What a declaration change says, e.g. "bounds [0, 1] → [0, 2]" ("" when nothing more)."""
    old, new = d.old, d.new
    what = d.what
    if what is Detail.NONE:
        return ""
    if what is Detail.SUMMARY:
        return _summary(new)
    if what is Detail.INSERTED:
        where = (f"between {old} and {new}" if old and new else f"above {old}" if old else f"below {new}")
        return f"inserted {where} in the ladder"
    if what is Detail.SORT_UNRELATED:
        return f"sort changed ({_sort_word(old)} → {_sort_word(new)}): {_UNRELATED}"
    texts = {
        Detail.TITLE: lambda: f"title {old!r} → {new!r}",
        Detail.VERSION: lambda: f"version {old} → {new}",
        Detail.RENAMED: lambda: f"was `{old}`",
        Detail.VALUES: lambda: "values { " + ", ".join(old) + " } → { " + ", ".join(new) + " }",
        Detail.KIND: lambda: f"was a {old}, now a {new}",
        Detail.BOUNDS: lambda: f"bounds {bounds_text(old)} → {bounds_text(new)}",
        Detail.UNIT: lambda: f"unit {old or '(none)'} → {new or '(none)'}",
        Detail.SCALE: lambda: f"scale {old} → {new}",
        Detail.REASSURING: lambda: "now reassuring" if new else "no longer reassuring",
        Detail.DEFAULT: lambda: "default deny → default permit" if new else "default permit → default deny",
        Detail.PLACE: lambda: "its place among the common tiers changed",
        Detail.NO_COMMON_VALUE: lambda: f"no scale value is common to both sides: {_UNRELATED}",
        Detail.NO_OVERLAP: lambda: f"the two sides' bounds do not overlap: {_UNRELATED}",
        Detail.HOLDS_MORE: lambda: "now holds in more states",
        Detail.HOLDS_FEWER: lambda: "now holds in fewer states",
        Detail.HOLDS_DIFFERENT: lambda: "now holds in different states",
        Detail.HOLDS_UNKNOWN: lambda: "may hold in different states (solver gave up)",
    }
    return texts[what]()


__all__ = ["STRENGTHENING", "WEAKENING", "bounds_text", "change_message", "decl_detail", "note_text",
           "side_outcome", "unknown_question"]
