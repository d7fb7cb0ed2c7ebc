"""Every sentence the language server shows in an editor: hovers, lens titles, diagnostic texts.

Policy text is untrusted: it is shown escaped (render/escape.py), and code blocks are fenced
with more backticks than the text holds, so a description cannot close the fence or inject links.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .escape import markdown_inline, visible

if TYPE_CHECKING:
    from ..lsp.adapter import Finding, Problem, WitnessValue
    from ..lsp.hover import HoverFacts


def _fenced(text: str, lang: str = "rsp") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{visible(text)}\n{fence}"


def hover_markdown(f: HoverFacts) -> str:
    out = [f"**{f.kind}** `{visible(f.name)}`" + (f" — {markdown_inline(f.range_text)}" if f.range_text else ""),
           "", _fenced(f.declaration)]
    if f.description:
        out += ["", markdown_inline(f.description)]
    if f.authority:
        out += ["", f"*Decided by:* {markdown_inline(f.authority)}"]
    if f.condition:
        label = "Holds when" if f.kind in ("threshold", "tier") else "Asserts"
        out += ["", f"*{label}:*", _fenced(f.condition)]
    if f.kind == "tier":
        out += ["", "*Active requirements:*" if f.requirements else "*No requirement is active at this tier.*"]
        out += [f"- {markdown_inline(r)}" for r in f.requirements]
    if f.citations:
        out += ["", "*Source notes:*"] + [f"> {markdown_inline(c)}  " for c in f.citations if c]
    out += ["", f"Used {f.uses} time{'s' if f.uses != 1 else ''} in this file."]
    return "\n".join(out)


def problem_message(p: Problem) -> str:
    return visible(p.message) + (f"\nhint: {visible(p.hint)}" if p.hint else "")


def finding_message(f: Finding) -> str:
    label = "unknown" if f.status == "unknown" else f.property
    return f"{label}: {visible(f.message)}"


def witness_note(w: WitnessValue) -> str:
    prefix = "" if w.side == "state" else f"{w.side}: "
    if w.kind == "day":
        return f"witness: {prefix}day {visible(w.value)}"
    if w.kind == "act":
        return f"witness: {prefix}{visible(w.name)} is taken"
    return f"witness: {prefix}{visible(w.name)} = {visible(w.value)}"


def lens_title(findings: list[Finding], pending: bool) -> str:
    if pending:
        return "proving…"
    if not findings:
        return "no proof obligation"
    violated = [f for f in findings if f.status == "violated"]
    unknown = [f for f in findings if f.status == "unknown"]
    if violated:
        return f"violated ({len(violated)} of {len(findings)}) — show witness"
    if unknown:
        return f"unknown ({len(unknown)} of {len(findings)}): the solver gave up"
    return "proved" if len(findings) == 1 else f"proved ({len(findings)} obligations)"


def fix_title(old: str, new: str) -> str:
    return f"Replace `{visible(old)}` with `{visible(new)}`"
