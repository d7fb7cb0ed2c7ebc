"""Each obligation as a standalone SMT-LIB2 file, so any SMT solver can re-check a verdict.

Every file asserts one formula that is satisfiable iff the obligation is VIOLATED (sat =
violated, unsat = proved), as its header says. Free constants are the state a model would give;
formulas that need quantifiers (consistency: ∃ inputs ∀ responses; reachability: "no state
reaches ...") carry them explicitly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..semantics.model import Policy
from .obligations import Obligation, ObligationSet, build_obligations

__all__ = ["SmtFile", "obligation_files", "obligation_smt2", "file_name", "write_files"]


@dataclass(frozen=True)
class SmtFile:
    name: str           # e.g. 003-mitigations-deploy-asl3_security.smt2
    text: str
    obligation: Obligation


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "x"


def file_name(number: int, ob: Obligation) -> str:
    return f"{number:03d}-{_slug(ob.property)}-{_slug(ob.subject)}.smt2"


def _comment(text: str) -> str:
    return "\n".join(f"; {line}" if line else ";" for line in text.splitlines())


def _logic(formula) -> str:
    """The smallest standard logic naming the formula's theories (ALL when ints and reals mix)."""
    import z3
    seen: set[int] = set()
    stack = [formula]
    ints = reals = quantified = False
    while stack:
        e = stack.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_quantifier(e):
            quantified = True
            for i in range(e.num_vars()):
                ints |= e.var_sort(i) == z3.IntSort()
                reals |= e.var_sort(i) == z3.RealSort()
            stack.append(e.body())
            continue
        if z3.is_int(e):
            ints = True
        elif z3.is_real(e):
            reals = True
        if z3.is_app(e):
            stack.extend(e.children())
    if ints and reals:
        return "ALL"
    return ("" if quantified else "QF_") + ("LIA" if ints else "LRA")


def obligation_smt2(ob: Obligation, policy: Policy, number: int = 1) -> str:
    """The SMT-LIB2 text of one obligation, with a header naming what it checks and where."""
    import z3
    path = policy.source.path
    formula = ob.smt_formula()
    solver = z3.Solver(ctx=formula.ctx)
    solver.add(formula)
    body = solver.to_smt2()
    # z3 starts with a banner and `(set-info :status unknown)`: replace them with our header
    lines = [ln for ln in body.splitlines()
             if not ln.startswith("; benchmark") and not ln.startswith("(set-info :status")]
    header = [
        f"rspdsl obligation {number:03d}",
        f"property: {ob.property}",
        f"subject:  {ob.subject}",
        f"severity: {ob.severity}",
        f"policy:   {policy.title}" + (f" (version {policy.version})" if policy.version else ""),
    ]
    for loc in ob.locations:
        header.append(f"source:   {path}:{loc.span.line}:{loc.span.column}"
                      + (f"  ({loc.message})" if loc.message else ""))
    header += [
        "",
        "sat   = VIOLATED (a model of the free constants is a counterexample state)",
        "unsat = PROVED",
        "",
        _kind_note(ob),
        "",
        "constants:",
    ]
    names = []
    for copy in ob.copies:
        for name, const in copy.vars.items():
            v = policy.variables[name]
            entry = (f"  {const}  = {v.kind} {name} ({path}:{v.span.line}:{v.span.column})")
            if entry not in names:
                names.append(entry)
    header += names
    return (_comment("\n".join(header)) + "\n"
            + f"(set-logic {_logic(formula)})\n"
            + "\n".join(lines).strip() + "\n")


def _kind_note(ob: Obligation) -> str:
    if ob.kind == "exists_forall":
        return ("The free constants are the inputs; the responses are universally quantified: sat\n"
                "means some inputs leave no responses meeting every active requirement.")
    if ob.kind == "reach":
        return ("The formula is closed (every state component is quantified): sat means some\n"
                "target is reached by no state. Targets: " + ", ".join(t.label for t in ob.targets) + ".")
    if len(ob.copies) == 2:
        return ("Two copies of the state: `lower.` and `higher.` inputs (lower <= higher), shared\n"
                "responses.")
    return "The free constants are one state of the policy."


def obligation_files(policy: Policy, properties: set[str] | None = None,
                     obligations: ObligationSet | None = None) -> list[SmtFile]:
    obligations = obligations or build_obligations(policy, properties)
    return [SmtFile(file_name(i, ob), obligation_smt2(ob, policy, i), ob)
            for i, ob in enumerate(obligations.obligations, start=1)]


def write_files(policy: Policy, directory: str | Path, properties: set[str] | None = None) -> list[Path]:
    """Write every obligation's file into `directory` (created if needed); returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in obligation_files(policy, properties):
        target = out / f.name
        target.write_text(f.text, encoding="utf-8")
        written.append(target)
    return written
