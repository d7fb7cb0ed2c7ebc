"""`rspdsl check --format markdown`: a pull-request comment or a CI job summary.

An overview table (one row per file), then per file a table of what needs attention
(front-end diagnostics, violations, warnings, unknowns), each witness folded in a
<details> block with the command that replays it, and the proved obligations folded too.
GitHub-flavoured Markdown; text from policies is escaped so it cannot break a table or
inject HTML.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..analyses.checked import CheckedFile
from ..logic.results import Result
from ..state import dumps_exact
from .escape import markdown_inline, visible
from .messages import result_message

_MARK = {"proved": "✅ proved", "error": "❌ violated", "warning": "⚠️ warning", "unknown": "❔ unknown",
         "accepted": "☑️ accepted"}


def cell(text: str) -> str:
    """Table-cell text: one line, pipes and HTML escaped."""
    text = " ".join(str(text).split())
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|"))


def _code(text: str) -> str:
    text = cell(text)
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _status(result: Result) -> str:
    if result.status == "violated":
        return _MARK["error" if result.severity == "error" else "warning"]
    return _MARK.get(result.status, result.status)


def _verdict(checked: CheckedFile) -> str:
    return {0: "✅ passed", 1: "❌ violated", 2: "🚫 not checked", 3: "❔ unknown"}[checked.exit_code()]


def _where(checked: CheckedFile, result: Result) -> str:
    if not result.locations:
        return _code(checked.path)
    span = result.locations[0].span
    return _code(f"{checked.path}:{span.line}:{span.column}")


def _overview(files: list[CheckedFile]) -> list[str]:
    lines = ["| File | Policy | Proved | Violated | Warnings | Unknown | Result |",
             "|---|---|---:|---:|---:|---:|---|"]
    for f in files:
        c = f.counts()
        if f.usable:
            counts = f"{c['proved']} | {c['violated']} | {c['warnings']} | {c['unknown']}"
        else:
            counts = "– | – | – | –"
        lines.append(f"| {_code(f.path)} | {markdown_inline(f.title or '')} | {counts} | {_verdict(f)} |")
    return lines


def _findings(checked: CheckedFile) -> list[str]:
    rows = []
    for d in checked.diagnostics:
        mark = "❌ error" if d.is_error else f"⚠️ {d.severity.value}"
        where = _code(f"{checked.path}:{d.span.line}:{d.span.column}")
        message = cell(d.message) + (f" — hint: {cell(d.hint)}" if d.hint else "")
        rows.append(f"| {mark} | {_code(d.code)} | | {where} | {message} |")
    for r in checked.results:
        if r.status == "proved":
            continue
        rows.append(f"| {_status(r)} | {_code(r.property)} | {cell(r.subject)} | {_where(checked, r)} "
                    f"| {cell(result_message(r))} |")
    if not rows:
        return []
    return ["| Status | Property / code | Subject | Where | Message |", "|---|---|---|---|---|", *rows]


def _witnesses(checked: CheckedFile) -> list[str]:
    """Each witness state as the JSON file `rspdsl eval --state` reads, ready to save."""
    out = []
    for r in checked.results:
        if r.status == "proved" or r.witness is None:
            continue
        body = r.witness.to_json()
        states = [("witness.json", body["state"])] if "state" in body else [(f"{k}.json", v) for k, v in body.items()]
        if not states:
            continue
        out += [f"<details><summary>Witness: {cell(r.property)} · {cell(r.subject)}</summary>", ""]
        if "run" in body:  # language v2: a run, as the JSON lines `eval --run` reads
            out += [f"`run.jsonl` — replay with `rspdsl eval {cell(checked.path)} --run run.jsonl`", "",
                    "```json", *[dumps_exact(step) for step in body["run"]], "```", "", "</details>", ""]
            continue
        for name, state in states:
            out += [f"`{name}` — replay with `rspdsl eval {cell(checked.path)} --state {name}`", "",
                    "```json", dumps_exact(state, indent=2), "```", ""]
        out += ["</details>", ""]
    return out


def _proved(checked: CheckedFile) -> list[str]:
    proved = [r for r in checked.results if r.status == "proved"]
    if not proved:
        return []
    rows = [f"| {_code(r.property)} | {cell(r.subject)} |" for r in proved]
    return [f"<details><summary>{len(proved)} proved</summary>", "",
            "| Property | Subject |", "|---|---|", *rows, "", "</details>", ""]


def render_markdown(files: Iterable[CheckedFile]) -> str:
    return visible(_markdown(files))  # the policies' control and bidi characters shown escaped


def _markdown(files: Iterable[CheckedFile]) -> str:
    files = list(files)
    lines = ["## rspdsl check", "", *_overview(files), ""]
    for f in files:
        title = f" — {markdown_inline(f.title)}" if f.title else ""
        lines += [f"### {_code(f.path)}{title}", ""]
        findings = _findings(f)
        if findings:
            lines += findings + [""]
        elif f.usable:
            lines += ["Every property holds.", ""]
        lines += _witnesses(f) + _proved(f)
    return "\n".join(lines).rstrip("\n") + "\n"
