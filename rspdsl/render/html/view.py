"""The report's view model: the JSON documents of check, baseline and diff, arranged for a reader.

`build_page(documents)` takes what `rspdsl report` collected (see rspdsl/commands/report.py) and
returns plain data in the page's order: provenance, summary, then per policy its text with each
finding anchored at its line, the findings with their witnesses, the baseline crosswalk and the
changes since the previous revision, and finally the comparison matrix. The template only lays
it out. Every sentence of the page is made here or in the template, both under rspdsl/render/.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .findings import Detail, Finding, Where, details, from_diagnostic, from_result, line_href, result_status
from .source_view import Line, Mark, header, source_lines
from .values import Anchors, slug
from .witness import diff_witness

FAMILIES = ("mitigations", "consistency", "monotonic", "reachability", "assert", "deadlines", "duties")
QUESTIONS = {
    "mitigations": "No allowed action skips a mitigation it requires",
    "consistency": "Every action's requirements can be met together",
    "monotonic": "More capability never means fewer obligations",
    "reachability": "Every tier is reachable; no dead rule or threshold",
    "assert": "The policy's own assertions hold",
    "deadlines": "Every duty can always be met in time",
    "duties": "Every duty can be triggered and discharged",
}


@dataclass
class CountRow:
    label: str
    proved: int = 0
    violated: int = 0
    warnings: int = 0
    unknown: int = 0
    accepted: int = 0     # violated, and accepted by the policy (`accept`, docs/language.md)

    def add(self, status: str) -> None:
        key = {"proved": "proved", "violated": "violated", "warning": "warnings", "unknown": "unknown",
               "accepted": "accepted"}[status]
        setattr(self, key, getattr(self, key) + 1)

    @property
    def total(self) -> int:
        return self.proved + self.violated + self.warnings + self.unknown + self.accepted


@dataclass
class CrosswalkRow:
    requirement: str
    bound: list[tuple[str, str]]
    status: str
    href: str


@dataclass
class Changes:
    old: str
    new: str
    verdict: str
    summary: dict[str, Any]
    findings: list[Finding]
    text_changes: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    unknown: list[dict[str, Any]]
    new_file: bool = False
    error: str | None = None


@dataclass
class PolicyView:
    anchor: str
    file: str
    title: str
    version: str | None
    usable: bool
    counts: list[CountRow]
    total: CountRow
    diagnostics: list[Finding]
    findings: list[Finding]         # violated, warnings, unknown (the ones to read)
    proved: list[Finding]
    lines: list[Line]
    baseline_findings: list[Finding] = field(default_factory=list)
    crosswalk: list[CrosswalkRow] = field(default_factory=list)
    baseline_entries: list[Finding] = field(default_factory=list)
    changes: Changes | None = None
    audit: dict[str, Any] | None = None   # this policy's part of the audit's JSON (docs/audit.md)

    @property
    def verdict(self) -> str:
        if not self.usable:
            return "not checked"
        if self.total.violated:
            return "violated"
        if self.total.unknown:
            return "unknown"
        return "proved"


@dataclass
class MatrixRow:
    question: str
    cells: list[tuple[str, str, str | None]]   # (text, status, href)


@dataclass
class Page:
    title: str
    provenance: list[tuple[str, str]]
    inputs: list[dict[str, Any]]
    command: str
    policies: list[PolicyView]
    baseline: dict[str, Any] | None
    matrix: list[MatrixRow]
    properties: list[str]
    has_diff: bool


def _counts(results: list[dict[str, Any]]) -> tuple[list[CountRow], CountRow]:
    rows = {f: CountRow(f) for f in FAMILIES}
    total = CountRow("total")
    for r in results:
        fam = "assert" if str(r["property"]).startswith("assert:") else str(r["property"])
        rows.setdefault(fam, CountRow(fam)).add(result_status(r))
        total.add(result_status(r))
    return [row for row in rows.values() if row.total], total


def _mark(lines: list[Line], finding: Finding, label: str) -> None:
    line = finding.line
    if line is not None and 1 <= line <= len(lines):
        lines[line - 1].marks.append(Mark(f"#{finding.anchor}", label, finding.status))


def _policy(doc: dict[str, Any], entry: dict[str, Any] | None, anchors: Anchors) -> PolicyView:
    path = str(doc["file"])
    prefix = anchors.make("p", path.rsplit("/", 1)[-1].removesuffix(".rsp"))
    text = doc.get("text")
    lines = source_lines(text, prefix) if text is not None else []
    title, version = header(text) if text is not None else (None, None)
    entry = entry or {"diagnostics": [], "results": [], "policy": None}
    shown_title = entry.get("policy") or title or path
    results = list(entry.get("results") or ())
    counts, total = _counts(results)
    has_source = bool(lines)
    diags = [from_diagnostic(d, anchor=anchors.make(prefix, d["code"], d.get("message") or ""),
                             anchor_prefix=prefix, has_source=has_source) for d in entry.get("diagnostics") or ()]
    found: list[Finding] = []
    proved: list[Finding] = []
    for r in results:
        f = from_result(r, anchor=anchors.make(prefix, r["property"], r.get("subject") or ""), source="check",
                        policy_path=path, anchor_prefix=prefix, has_source=has_source)
        (proved if f.status == "proved" else found).append(f)
    for f in diags:
        _mark(lines, f, f"{f.prop} {f.message}")
    for f in found:
        _mark(lines, f, f"{f.status_word}: {f.title}")
    usable = not any(d.severity == "error" for d in diags) and (bool(results) or text is not None)
    return PolicyView(prefix, path, str(shown_title), version, usable, counts, total, diags, found, proved, lines)


def _attach_baseline(views: dict[str, PolicyView], baseline: dict[str, Any], anchors: Anchors) -> list[Finding]:
    """Crosswalk rows and findings per policy; returns the findings about other files (the baseline,
    a mapping file), shown in the baseline section."""
    others: list[Finding] = []
    for entry in baseline["result"]["files"]:
        view = views.get(str(entry["file"]))
        if view is None:  # the baseline itself or a mapping file, with diagnostics
            for d in entry.get("diagnostics") or ():
                others.append(from_diagnostic(d, anchor=anchors.make("baseline", str(entry["file"]), d["code"],
                                                                     d.get("message") or ""),
                                              anchor_prefix="", has_source=False))
                others[-1].subject = str(entry["file"])
            continue
        for d in entry.get("diagnostics") or ():
            f = from_diagnostic(d, anchor=anchors.make(view.anchor, "baseline", d["code"], d.get("message") or ""),
                                anchor_prefix=view.anchor, has_source=bool(view.lines))
            view.baseline_entries.append(f)
            _mark(view.lines, f, f"baseline {f.prop}")
        for r in entry.get("results") or ():
            f = from_result(r, anchor=anchors.make(view.anchor, "baseline", r.get("subject") or r["property"]),
                            source="baseline", policy_path=view.file, anchor_prefix=view.anchor,
                            has_source=bool(view.lines))
            f.family = "baseline"
            bound = r.get("details", {}).get("bound") or {}
            f.details = [d for d in f.details if d.label != "bound"]
            view.crosswalk.append(CrosswalkRow(str(r.get("subject") or r["property"]),
                                               [(str(k), str(v)) for k, v in bound.items()], f.status,
                                               f"#{f.anchor}"))
            view.baseline_findings.append(f)
            if f.status != "proved":
                _mark(view.lines, f, f"baseline {f.status_word}: {f.subject}")
    return others


def _changes(view: PolicyView, diff: dict[str, Any], anchors: Anchors) -> Changes:
    if "error" in diff:
        return Changes(str(diff.get("old") or ""), view.file, "not compared", {}, [], [], [], [],
                       error=str(diff["error"]))
    report = diff["report"]
    old_label = str(report.get("old") or diff.get("old") or "")
    old_file = str(diff.get("old_file") or old_label)
    findings = []
    for c in report.get("changes") or ():
        new_loc = (c.get("new") or {}).get("location") or {}
        line = int(new_loc.get("line") or 0)
        where = [Where(line, int(new_loc.get("column") or 0), "in this revision",
                       line_href(view.anchor, line, bool(view.lines)))] if line else []
        extra = [Detail(f"{side} revision", text=_side(c.get(key) or {})) for side, key in (("previous", "old"),
                                                                                          ("this", "new"))]
        if c.get("commitment"):
            extra.insert(0, Detail("commitment", text=str(c["commitment"])))
        f = Finding(anchors.make(view.anchor, "change", str(c.get("aspect") or ""), str(c.get("subject") or "")),
                    "diff", str(c["kind"]), "error" if c["kind"] == "weakening" else "note",
                    str(c.get("aspect") or "change"), "diff", str(c.get("subject") or ""), str(c.get("message") or ""),
                    where, extra, diff_witness(c, old_file, view.file, diff.get("old_command")))
        findings.append(f)
        _mark(view.lines, f, f"{f.status_word} since {old_label}: {f.subject}")
    return Changes(old_label, str(report.get("new") or view.file), str(report.get("verdict") or ""),
                   dict(report.get("summary") or {}), findings, list(report.get("text_changes") or ()),
                   list(report.get("declarations") or ()), list(report.get("unknown") or ()),
                   bool(report.get("new_file")))


def _side(side: dict[str, Any]) -> str:
    text = f"tier {side.get('tier')}"
    return text + (f"; {side['outcome']}" if side.get("outcome") else "")


def _family_cell(view: PolicyView, fam: str) -> tuple[str, str, str | None]:
    row = next((r for r in view.counts if r.label == fam), None)
    if not view.usable:
        return ("not checked", "error", f"#{view.anchor}")
    if row is None:
        return ("none", "", None)
    first = next((f for f in view.findings if f.family == fam and f.status != "warning"), None)
    href = f"#{first.anchor}" if first else None
    if row.violated:
        return (f"{row.violated} of {row.total} violated", "violated", href)
    if row.unknown:
        return (f"{row.unknown} of {row.total} unknown", "unknown", href)
    text = f"all {row.proved} proved" if row.proved != 1 else "proved"
    return (text + (f", {row.warnings} warning{'s' if row.warnings != 1 else ''}" if row.warnings else ""),
            "proved", None)


def _matrix(views: list[PolicyView], baseline: dict[str, Any] | None) -> list[MatrixRow]:
    rows = [MatrixRow(f"{QUESTIONS[fam]} ({fam})", [_family_cell(v, fam) for v in views]) for fam in FAMILIES
            if any(r.label == fam for v in views for r in v.counts)]
    if baseline is not None:
        names: dict[str, None] = {}
        for v in views:
            for row in v.crosswalk:
                names.setdefault(row.requirement, None)
        for name in names:
            cells: list[tuple[str, str, str | None]] = []
            for v in views:
                found = next((r for r in v.crosswalk if r.requirement == name), None)
                cells.append((found.status, found.status, found.href) if found else ("not checked", "error", None))
            rows.append(MatrixRow(f"Baseline requirement {name}", cells))
    if any(v.changes is not None for v in views):
        rows.append(MatrixRow("Change since the previous revision",
                              [(v.changes.verdict, "violated" if v.changes.verdict in ("weaker", "incomparable")
                                else "unknown" if v.changes.verdict in ("unknown", "not compared") else "proved",
                                f"#{v.anchor}-changes") if v.changes else ("not compared", "", None)
                               for v in views]))
    return rows


def build_page(documents: dict[str, Any]) -> Page:
    anchors = Anchors()
    for reserved in ("provenance", "summary", "matrix", "filters", "baseline", "top"):
        anchors.make(reserved)
    entries = {str(f["file"]): f for f in documents["check"]["files"]}
    views = [_policy(doc, entries.get(str(doc["file"])), anchors) for doc in documents["policies"]]
    by_file = {v.file: v for v in views}
    baseline = documents.get("baseline")
    baseline_view = None
    if baseline is not None:
        others = _attach_baseline(by_file, baseline, anchors)
        baseline_view = {"file": baseline["file"], "title": baseline.get("title"), "findings": others}
    for path, diff in (documents.get("diffs") or {}).items():
        if path in by_file:
            by_file[path].changes = _changes(by_file[path], diff, anchors)
    for audited in (documents.get("audit") or {}).get("policies", ()):
        if str(audited["file"]) in by_file:
            by_file[str(audited["file"])].audit = audited
    props = sorted({f.family for v in views for f in v.findings + v.proved + v.diagnostics + v.baseline_findings}
                   | ({"diff"} if any(v.changes and v.changes.findings for v in views) else set()),
                   key=lambda p: (p not in FAMILIES, p))
    prov = documents["provenance"]
    rows = [("rspdsl", prov["rspdsl"]), ("Z3", prov["z3"]), ("Python", prov["python"])]
    rows.append(("generated", prov["generated"] if prov.get("generated") else "date omitted (--deterministic)"))
    rows += [(k, str(v)) for k, v in prov.get("options", {}).items()]
    return Page(title=str(prov.get("title") or "rspdsl report"), provenance=rows,
                inputs=list(documents.get("inputs") or ()), command=str(prov["command"]), policies=views,
                baseline=baseline_view, matrix=_matrix(views, baseline) if len(views) > 1 else [],
                properties=props, has_diff=any(v.changes is not None for v in views))


__all__ = ["Page", "build_page", "details", "slug"]
