"""Render a DiffReport: text (like a `terraform plan` of the policy's meaning), JSON, Markdown.

Renderers only render: every fact shown here was computed (and its witness replayed) by
rspdsl.analyses.diff; the sentences come from rspdsl.render.messages. Values are written exactly
(`0.1`, `"1/3"`), as STATE.json spells them.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..analyses.diff import Change, DiffReport, Side, TextChange
from ..analyses.diff.report import ForceChange
from ..state import dumps_exact, number_text
from .escape import visible
from .messages import (
    change_message,
    decl_detail,
    duty_run_message,
    force_message,
    note_text,
    side_outcome,
    unknown_question,
)
from .results_text import history_lines, run_table

_DECL_MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": "~"}
_KIND_WORD = {"weakening": "weaker", "strengthening": "stronger"}


def _duty_run(f: ForceChange) -> list[str]:
    """A duty change's run, in the names of the revision that finds the duty overdue at its end."""
    if f.witness is None:
        return []
    late = "old" if f.kind == "weakening" else "new"
    lines = ["    " + line for line in run_table(f.witness[late], constants=False)]
    lines.append(f"    {duty_run_message(f)}")
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(report: DiffReport) -> tuple[int, int]:
    """Weakenings and strengthenings: changes in meaning plus language-v2 force changes."""
    weak = len(report.weakenings) + sum(f.kind == "weakening" for f in report.force)
    strong = len(report.strengthenings) + sum(f.kind == "strengthening" for f in report.force)
    return weak, strong


def plan_line(report: DiffReport) -> str:
    weak, strong = _counts(report)
    line = f"Plan: {_plural(weak, 'weakening')}, {_plural(strong, 'strengthening')}"
    if report.unknowns:
        line += f", {len(report.unknowns)} unknown"
    if report.text_changes:
        line += f", {_plural(len(report.text_changes), 'text change')}"
    return line + "."


def _texts_changed(report: DiffReport) -> str:
    """The count of text edits in words, for the sentences that would otherwise say "no change"."""
    n = len(report.text_changes)
    return f"{n} text{'' if n == 1 else 's'} changed"


def _quoted(text: str | None) -> str:
    """A text as the policy spells it (a string literal), or (none) when it is absent."""
    if text is None:
        return "(none)"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _where(location: tuple[str, Any]) -> str:
    path, span = location
    return f"{path}:{span.line}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Fraction)):
        return number_text(value)
    return str(value)


def _location(side: Side) -> dict | None:
    if side.location is None:
        return None
    path, span = side.location
    return {"file": path, "line": span.line, "column": span.column}


# ----------------------------------------------------------------------------- text

def _witness_rows(change: Change) -> list[tuple[str, str, str]]:
    """(variable, value, note) rows; the note says when only one side has the variable or calls it
    by another name."""
    return [(name, _value(value), note_text(change.notes[name]) if name in change.notes else "")
            for name, value in change.state.items()]


MAX_TABLE_ROWS = 12     # a longer witness is laid out in columns
TABLE_WIDTH = 100


def _witness_lines(change: Change) -> list[str]:
    rows = _witness_rows(change)
    if not rows:
        return ["      (neither policy has inputs or responses)"]
    if len(rows) <= MAX_TABLE_ROWS:
        width = max([len("variable")] + [len(r[0]) for r in rows])
        out = [f"      {'variable'.ljust(width)}  value", f"      {'-' * width}  -----"]
        for name, value, note in rows:
            out.append(f"      {name.ljust(width)}  {value}" + (f"  ({note})" if note else ""))
        return out
    cells = [(name, value + (f" ({note})" if note else "")) for name, value, note in rows]
    nw = max(len(n) for n, _ in cells)
    vw = max(len(v) for _, v in cells)
    texts = [f"{n.ljust(nw)} = {v.ljust(vw)}" for n, v in cells]
    ncols = max(1, (TABLE_WIDTH - 6) // (nw + vw + 6))
    height = -(-len(texts) // ncols)
    return ["      " + "   ".join(texts[c * height + r] for c in range(ncols)
                                  if c * height + r < len(texts)).rstrip()
            for r in range(height)]


def _text_change(change: Change) -> list[str]:
    out = [f"  ~ {change.subject}: {_KIND_WORD[change.kind]} — {change_message(change)}"]
    out += _witness_lines(change)
    out += ["  " + line for line in history_lines(change.history)]
    for label, side in (("OLD", change.old), ("NEW", change.new)):
        outcome = side_outcome(side)
        out.append(f"      {label}: tier {side.tier}" + (f"; {outcome}" if outcome else ""))
    return out


def _text_edit(t: TextChange) -> list[str]:
    return [f"  ~ {t.entity} {t.name}: {t.field} ({_where(t.old_location)} → {_where(t.new_location)})",
            f"      OLD: {_quoted(t.old)}",
            f"      NEW: {_quoted(t.new)}"]


def render_text(report: DiffReport) -> str:
    return visible(_text(report))  # the policies' control and bidi characters shown escaped


def _text(report: DiffReport) -> str:
    lines = [f"rspdsl diff: {report.old_path} → {report.new_path}"]
    if report.new_file:
        lines.append(f"{report.new_path} is a new file: {report.old_path} does not exist; every entity is added.")
    if report.declarations:
        lines += ["", "Declarations:"]
        for d in report.declarations:
            text = decl_detail(d)
            detail = f": {text}" if text else ""
            lines.append(f"  {_DECL_MARK[d.change]} {d.entity} {d.name}{detail}"
                         if d.change != "added" and d.change != "removed"
                         else f"  {_DECL_MARK[d.change]} {d.entity} {d.name}" + (f" ({text})" if text else ""))
    if report.text_changes:
        lines += ["", "Text changed (meaning unchanged):"]
        for t in report.text_changes:
            lines += _text_edit(t)
    if report.changes:
        lines += ["", "Changes in meaning:"]
        for i, change in enumerate(report.changes):
            if i:
                lines.append("")
            lines += _text_change(change)
    elif report.text_changes:
        lines += ["", f"Meaning unchanged, but {_texts_changed(report)} (above): every state gets the same "
                  "tier, the same permissions and the same commitments from both."]
    elif not report.new_file and report.force:
        lines += ["", "Every state gets the same tier, the same permissions and the same commitments from "
                  "both; what changed is over time (below)."]
    elif not report.new_file:
        lines += ["", "No change in meaning: every state gets the same tier, the same permissions and the "
                  "same commitments from both."]
    if report.force:
        lines += ["", "Duties, authority and accepted findings (language v2):"]
        for f in report.force:
            mark = {"weakening": "weakening", "strengthening": "strengthening"}.get(f.kind or "", "changed")
            lines.append(f"  {mark}: {force_message(f)}")
            lines += _duty_run(f)
    if report.unknowns:
        lines += ["", "Unknown (the solver gave up; rerun with a larger --timeout):"]
        for u in report.unknowns:
            lines.append(f"  ? {u.subject}: {unknown_question(u)} ({u.reason})")
    if report.new_file:
        lines += ["", f"Plan: a new file, {(str(len(report.declarations)) + (' entity' if len(report.declarations) == 1 else ' entities'))} added; "
                  "nothing to compare."]
    else:
        lines += ["", f"{plan_line(report)} Verdict: {report.verdict}."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- JSON

def _side_json(side: Side) -> dict:
    return {"tier": side.tier, "outcome": side_outcome(side), "location": _location(side)}


def change_to_json(change: Change) -> dict:
    return {
        "kind": change.kind,
        "aspect": change.aspect,
        "action": change.action,
        "message": change_message(change),
        "witness": {"state": dict(change.state), **({"history": change.history} if change.history else {}),
                    "old_state": dict(change.old.state),
                    "new_state": dict(change.new.state)},
        "subject": change.subject,
        "commitment": change.detail,
        "old": _side_json(change.old),
        "new": _side_json(change.new),
    }


def text_change_to_json(t: TextChange) -> dict:
    return {"entity": t.entity, "name": t.name, "field": t.field, "old": t.old, "new": t.new,
            "old_line": t.old_location[1].line, "new_line": t.new_location[1].line}


def report_to_json(report: DiffReport) -> dict:
    """The `diff --format json` shape of the contract, plus old/new paths, declarations, unknowns
    and text changes."""
    return {
        "verdict": report.verdict,
        "changes": [change_to_json(c) for c in report.changes],
        "old": report.old_path,
        "new": report.new_path,
        "new_file": report.new_file,
        "summary": {"weakenings": _counts(report)[0], "strengthenings": _counts(report)[1],
                    "unknown": len(report.unknowns), "text_changes": len(report.text_changes)},
        "declarations": [{"change": d.change, "entity": d.entity, "name": d.name, "detail": decl_detail(d)}
                         for d in report.declarations],
        "unknown": [{"aspect": u.aspect, "subject": u.subject, "question": unknown_question(u), "reason": u.reason}
                    for u in report.unknowns],
        "text_changes": [text_change_to_json(t) for t in report.text_changes],
        **({"force": [{"kind": f.kind, "entity": f.entity, "name": f.name, "detail": f.detail.value,
                       "old": f.old, "new": f.new, "message": force_message(f),
                       **({"witness": f.witness} if f.witness is not None else {})} for f in report.force]}
           if report.force else {}),
    }


def render_json(report: DiffReport) -> str:
    return dumps_exact(report_to_json(report), indent=2) + "\n"


# ----------------------------------------------------------------------------- Markdown

def _cell(text: str) -> str:
    """Table-cell text: one line, pipes and HTML escaped (policy text must not break the table)."""
    text = " ".join(str(text).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _code(text: str) -> str:
    text = _cell(text)
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _side_cell(side: Side) -> str:
    outcome = side_outcome(side)
    return _cell(f"tier {side.tier}" + (f"; {outcome}" if outcome else ""))


def _md_text(text: str | None, location: tuple[str, Any]) -> str:
    return f"{_cell(_quoted(text))} ({_code(_where(location))})"


_VERDICT_MARK = {"equivalent": "✅ equivalent", "stronger": "✅ stronger", "weaker": "❌ weaker",
                 "incomparable": "❌ incomparable", "unknown": "❔ unknown"}


def render_markdown(report: DiffReport) -> str:
    return visible(_markdown(report))


def _markdown(report: DiffReport) -> str:
    lines = [f"### rspdsl diff: {_code(report.old_path)} → {_code(report.new_path)}", ""]
    if report.new_file:
        lines.append(f"**🆕 New file**: {_code(report.new_path)} is new ({_code(report.old_path)} does not exist); "
                     "every entity is added.")
    else:
        lines.append(f"**Verdict: {_VERDICT_MARK.get(report.verdict, report.verdict)}** — "
                     f"{plan_line(report)[len('Plan: '):]}")
        if report.text_changes and not report.changes:
            them = "it" if len(report.text_changes) == 1 else "them"
            lines += ["", f"Meaning unchanged, but **{_texts_changed(report)}**: review {them} below."]
    if report.changes:
        lines += ["", "| | Aspect | Subject | Change | OLD | NEW |", "|---|---|---|---|---|---|"]
        for c in report.changes:
            mark = "🔻 weakening" if c.kind == "weakening" else "🔺 strengthening"
            lines.append(f"| {mark} | {c.aspect} | {_code(c.subject)} | {_cell(change_message(c))} | "
                         f"{_side_cell(c.old)} | {_side_cell(c.new)} |")
        lines += ["", "<details><summary>Witness states (replayed by the evaluator on both revisions)</summary>", ""]
        for i, c in enumerate(report.changes, 1):
            lines += [f"{i}. {_cell(c.subject)}: {_cell(change_message(c))}", "",
                      "   ```json", "   " + dumps_exact(c.state), "   ```", ""]
        lines.append("</details>")
    if report.text_changes:
        lines += ["", "**📝 Text changed (meaning unchanged)**", "",
                  "| Entity | Name | Field | OLD | NEW |", "|---|---|---|---|---|"]
        for t in report.text_changes:
            lines.append(f"| {t.entity} | {_code(t.name)} | {t.field} | {_md_text(t.old, t.old_location)} | "
                         f"{_md_text(t.new, t.new_location)} |")
    if report.declarations:
        lines += ["", "<details><summary>Declarations changed</summary>", "",
                  "| | Entity | Name | Detail |", "|---|---|---|---|"]
        for d in report.declarations:
            lines.append(f"| {_DECL_MARK[d.change]} {d.change} | {d.entity} | {_code(d.name)} | {_cell(decl_detail(d))} |")
        lines += ["", "</details>"]
    if report.force:
        lines += ["", "| | Duties, authority and accepted findings (language v2) |", "|---|---|"]
        for f in report.force:
            mark = {"weakening": "🔻 weakening", "strengthening": "🔺 strengthening"}.get(f.kind or "", "changed")
            lines.append(f"| {mark} | {_cell(force_message(f))} |")
    if report.unknowns:
        lines += ["", "**Unknown** (the solver gave up):", ""]
        lines += [f"- {_cell(u.subject)}: {_cell(unknown_question(u))} ({_cell(u.reason)})" for u in report.unknowns]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
