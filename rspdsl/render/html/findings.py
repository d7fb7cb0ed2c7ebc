"""One finding of the report, whatever produced it: a `check` or `baseline` result, a front-end
diagnostic, or a change found by `diff`. Built from their JSON documents; the template shows
every finding the same way (heading, status in words, message, where, details, witness, replay).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .values import value_text
from .witness import WitnessTable, check_witness

STATUS_WORDS = {"proved": "proved", "violated": "violated", "warning": "warning", "unknown": "unknown",
                "accepted": "accepted",
                "error": "error", "note": "note", "weakening": "weakening", "strengthening": "strengthening"}
STATUS_SIGNS = {"proved": "✓", "violated": "✗", "warning": "!", "unknown": "?", "error": "✗", "note": "i",
                "accepted": "≈",
                "weakening": "▼", "strengthening": "▲"}


@dataclass(frozen=True)
class Where:
    line: int
    column: int
    message: str
    href: str | None


@dataclass(frozen=True)
class Detail:
    label: str
    text: str = ""
    pairs: tuple[tuple[str, str], ...] = ()    # a mapping (`bound`, `in baseline terms`)
    items: tuple[str, ...] = ()                # a list (`core`, `covered_by`)


@dataclass
class Finding:
    anchor: str
    source: str                    # "check" | "baseline" | "diagnostic" | "diff"
    status: str                    # a key of STATUS_WORDS
    severity: str                  # "error" | "warning" | "note"
    prop: str                      # `mitigations`, `assert:NAME`, `E0103`, `permission`
    family: str                    # for filtering: the property family, `diagnostic` or `diff`
    subject: str
    message: str
    where: list[Where] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)
    witness: WitnessTable | None = None
    hint: str | None = None

    @property
    def status_word(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def sign(self) -> str:
        return STATUS_SIGNS.get(self.status, "·")

    @property
    def title(self) -> str:
        return f"{self.prop} · {self.subject}" if self.subject else self.prop

    @property
    def line(self) -> int | None:
        return self.where[0].line if self.where else None


def family(prop: str) -> str:
    return "assert" if prop.startswith("assert:") else prop


def result_status(result: dict[str, Any]) -> str:
    """proved | violated | warning | unknown | accepted: a violated warning-level result is a
    warning; an accepted finding (the policy's `accept`) is shown as accepted, not as violated."""
    if result["status"] == "violated" and result.get("severity") == "warning":
        return "warning"
    return str(result["status"])


def _text(value: Any) -> str:
    if isinstance(value, dict) and "line" in value and "column" in value:
        return f"line {value['line']}" + (f": {value['message']}" if value.get("message") else "")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return value_text(value)


def details(data: dict[str, Any] | None) -> list[Detail]:
    out = []
    for key, value in (data or {}).items():
        label = str(key).replace("_", " ")
        if isinstance(value, dict) and not ("line" in value and "column" in value):
            out.append(Detail(label, pairs=tuple((str(k), _text(v)) for k, v in value.items())))
        elif isinstance(value, list):
            out.append(Detail(label, items=tuple(_text(v) for v in value)))
        else:
            out.append(Detail(label, text=_text(value)))
    return out


def line_href(anchor_prefix: str, line: int, has_source: bool) -> str | None:
    return f"#{anchor_prefix}-L{line}" if has_source and line >= 1 else None


def from_result(result: dict[str, Any], *, anchor: str, source: str, policy_path: str, anchor_prefix: str,
                has_source: bool) -> Finding:
    where = [Where(int(loc["line"]), int(loc["column"]), str(loc.get("message") or ""),
                   line_href(anchor_prefix, int(loc["line"]), has_source))
             for loc in result.get("locations") or ()]
    return Finding(anchor, source, result_status(result), str(result.get("severity") or "error"),
                   str(result["property"]), family(str(result["property"])), str(result.get("subject") or ""),
                   str(result.get("message") or ""), where, details(result.get("details")),
                   check_witness(result.get("witness"), policy_path))


def from_diagnostic(diag: dict[str, Any], *, anchor: str, anchor_prefix: str, has_source: bool) -> Finding:
    line = int(diag.get("line") or 0)
    where = [Where(line, int(diag.get("column") or 0), "", line_href(anchor_prefix, line, has_source))] if line else []
    where += [Where(int(r["line"]), int(r["column"]), str(r.get("message") or ""),
                    line_href(anchor_prefix, int(r["line"]), has_source)) for r in diag.get("related") or ()]
    severity = str(diag.get("severity") or "error")
    return Finding(anchor, "diagnostic", severity if severity in ("error", "note") else "warning", severity,
                   str(diag["code"]), "diagnostic", "", str(diag.get("message") or ""), where, [],
                   None, diag.get("hint"))
