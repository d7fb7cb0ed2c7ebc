"""`rspdsl audit`: the four classic criticisms of responsible scaling policies, each a question the
solver answers (language-v2.md §6; docs/audit.md gives each as a formula with its limits).

    selfmarking.py  can the developer's own judgements keep the model below a tier whatever else
                    holds; can an external finding alone force it?
    vagueness.py    does a threshold depend on any measured quantity, or on judgements only; is a
                    commitment a bare safeguard or a measurable condition?
    voluntariness.py  every weakening between consecutive revisions (the semantic diff per pair)
    race.py         every waiver: the inputs its condition reads and who decides them
    report.py       the findings as data (AuditReport), the JSON every format renders from

Audit informs; it does not gate: `rspdsl audit` exits 0 unless an input cannot be used (2).
"""
from __future__ import annotations

from .report import AuditReport, PolicyAudit, audit_policy

__all__ = ["AuditReport", "PolicyAudit", "audit_policy"]
