"""`rspdsl audit` output: the stable JSON (docs/audit.md), and text and markdown from it."""
from __future__ import annotations

from typing import Any

from ..analyses.audit.report import AuditReport, PolicyAudit
from ..analyses.audit.vagueness import MEASURABLE, QUANTITATIVE
from ..analyses.diff.report import WEAKENING
from ..state import dumps_exact
from .diff_out import change_to_json
from .escape import markdown_inline, visible
from .messages import change_message, force_message


def _policy_json(p: PolicyAudit) -> dict[str, Any]:
    quantitative = sum(t.verdict == QUANTITATIVE for t in p.thresholds)
    measurable = sum(c.kind == MEASURABLE for c in p.commitments)
    return {
        "file": p.path, "title": p.title, "inputs": p.inputs,
        "self_marking": [{"tier": t.tier, "internal_can_avoid": t.can_avoid, "external_can_force": t.can_force,
                          "avoid_witness": t.avoid_witness, "force_witness": t.force_witness} for t in p.tiers],
        "vagueness": {
            "thresholds": [{"threshold": t.threshold, "verdict": t.verdict, "metrics": list(t.metrics),
                            "witness": list(t.witness) if t.witness else None} for t in p.thresholds],
            "commitments": [{"text": c.text, "line": c.line, "kind": c.kind} for c in p.commitments],
            "summary": {"thresholds": len(p.thresholds), "quantitative": quantitative,
                        "commitments": len(p.commitments), "measurable": measurable},
        },
        "race_dynamics": [{"commitments": list(w.commitments), "actions": list(w.actions), "line": w.line,
                           "description": w.description,
                           "inputs": [{"input": n, "standing": s, "authority": a} for n, s, a in w.inputs]}
                          for w in p.waivers],
    }


def audit_json(report: AuditReport) -> dict[str, Any]:
    return {
        "policies": [_policy_json(p) for p in report.policies],
        "voluntariness": [{
            "old": step.old, "new": step.new, "verdict": step.report.verdict,
            "weakenings": [change_to_json(c) for c in step.report.weakenings],
            "force_weakenings": [{"entity": f.entity, "name": f.name, "detail": f.detail.value,
                                  "message": force_message(f)} for f in step.report.force if f.kind == WEAKENING],
        } for step in report.revisions],
    }


def render_json(report: AuditReport) -> str:
    return dumps_exact(audit_json(report), indent=2) + "\n"


_AVOID = {"yes": "internal findings alone can always keep the model below it",
          "no": "internal findings alone cannot always keep the model below it",
          "unknown": "unknown whether internal findings alone can keep the model below it"}
_FORCE = {"yes": "an external finding alone can force it", "no": "no external finding alone forces it",
          "unknown": "unknown whether an external finding alone can force it"}


def _policy_text(p: PolicyAudit) -> list[str]:
    doc = _policy_json(p)
    inputs = p.inputs
    out = [f"{p.path}: {p.title}",
           f"  inputs: {len(inputs['internal'])} internal, {len(inputs['external'])} external, "
           f"{len(inputs['unattributed'])} with no `by`",
           "  self-marking:"]
    out += [f"    tier {t.tier}: {_AVOID[t.can_avoid]}; {_FORCE[t.can_force]}" for t in p.tiers] or ["    (one tier)"]
    summary = doc["vagueness"]["summary"]
    out.append(f"  vagueness: {summary['quantitative']} of {summary['thresholds']} thresholds depend on a measured "
               f"quantity; {summary['measurable']} of {summary['commitments']} commitments are measurable conditions")
    out += [f"    threshold {t.threshold}: {t.verdict}" for t in p.thresholds if t.verdict != QUANTITATIVE]
    out.append("  race dynamics:" + ("" if p.waivers else " no waiver"))
    for w in p.waivers:
        who = ", ".join(f"{n} ({s}{' ' + a if a else ''})" for n, s, a in w.inputs) or "no input"
        out.append(f"    waive {', '.join(w.commitments)} for {', '.join(w.actions)} (line {w.line}): reads {who}")
    return out


def render_text(report: AuditReport) -> str:
    lines: list[str] = []
    for p in report.policies:
        lines += _policy_text(p) + [""]
    if report.revisions:
        lines.append("voluntariness (weakenings between consecutive revisions):")
        for step in report.revisions:
            weak = [change_message(c) for c in step.report.weakenings]
            weak += [force_message(f) for f in step.report.force if f.kind == WEAKENING]
            lines.append(f"  {step.old} → {step.new}: {step.report.verdict}, {len(weak)} weakening"
                         f"{'s' * (len(weak) != 1)}")
            lines += [f"    - {w}" for w in weak]
    return visible("\n".join(lines).rstrip("\n")) + "\n"


def render_markdown(report: AuditReport) -> str:
    lines = ["# rspdsl audit", ""]
    for p in report.policies:
        lines += [f"## {markdown_inline(p.title)} (`{markdown_inline(p.path)}`)", "",
                  "| tier | internal findings can always avoid it | an external finding can force it |",
                  "|---|---|---|"]
        lines += [f"| {markdown_inline(t.tier)} | {t.can_avoid} | {t.can_force} |" for t in p.tiers]
        doc = _policy_json(p)["vagueness"]["summary"]
        lines += ["", f"Vagueness: {doc['quantitative']} of {doc['thresholds']} thresholds depend on a measured "
                  f"quantity; {doc['measurable']} of {doc['commitments']} commitments are measurable.", ""]
        for w in p.waivers:
            who = ", ".join(f"{n} ({s})" for n, s, _ in w.inputs) or "no input"
            lines.append(f"- waiver (line {w.line}) of {markdown_inline(', '.join(w.commitments))}: reads {who}")
        lines.append("")
    for step in report.revisions:
        lines.append(f"- {markdown_inline(step.old)} → {markdown_inline(step.new)}: **{step.report.verdict}**")
    return visible("\n".join(lines).rstrip("\n")) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
