"""The requirement aspect of `rspdsl diff`: which commitments each revision demands of an action.

"P demands c for A at s" means some requirement of P binding A is active at s and its commitment
implies c for every value of every variable (asked of the solver, cached per pair). Commitments
are split at top-level `and`, so restating, splitting, merging or reordering them is no change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...diagnostics import InternalError
from ...logic.witness import SAT, UNKNOWN, UNSAT
from ...semantics import ir
from ...semantics.model import Policy
from ...semantics.show import show_expr
from .report import STRENGTHENING, WEAKENING, Change, Demand, Question, Side, Unknown

if TYPE_CHECKING:  # pragma: no cover
    from .questions import Questions


def _conjuncts(expr: ir.IExpr, term) -> list[tuple[ir.IExpr, Any]]:
    """Split a commitment at top-level `and`, walking the IR and its Z3 term side by side."""
    import z3
    if isinstance(expr, ir.And) and expr.args and z3.is_and(term) and term.num_args() == len(expr.args):
        out = []
        for k, sub in enumerate(expr.args):
            out.extend(_conjuncts(sub, term.arg(k)))
        return out
    return [(expr, term)]


@dataclass(frozen=True)
class _Commit:
    """One demanded commitment: requirement `req` of its policy, conjunct `part` of it."""
    req: int
    part: int
    text: str
    term: Any
    split: bool


def commitments(policy: Policy, enc, action: str) -> list[_Commit]:
    out = []
    for req in policy.requirements_for(action):
        parts = _conjuncts(req.commitment, enc.met[req.index])
        split = len(parts) > 1
        for k, (expr, term) in enumerate(parts):
            out.append(_Commit(req.index, k, show_expr(expr, policy) if split else req.text, term, split))
    return out


def implies(q: Questions, side: str, j: int, term_j, c: _Commit) -> str:
    """'yes' | 'no' | 'unknown': does commitment j (of the other side) imply c for all values?"""
    import z3
    key = (side, j, c.req, c.part)
    if key not in q.implied:
        if term_j.eq(c.term):
            q.implied[key] = "yes"
        else:
            answer = q.ask(term_j, z3.Not(c.term), need_model=False)
            q.implied[key] = {UNSAT: "yes", SAT: "no"}.get(answer.status, "unknown")
            if answer.status == UNKNOWN:
                q.unknowns.append(Unknown("requirement", c.text, Question.IMPLIES, answer.reason,
                                             commitment=c.text))
    return q.implied[key]


def compare_requirements(q: Questions, o: str, n: str) -> None:
    import z3
    renamed = o if o != n else None
    sides = ((WEAKENING, q.old, q.enc_old, o, q.new, q.enc_new, n),
             (STRENGTHENING, q.new, q.enc_new, n, q.old, q.enc_old, o))
    for kind, p_has, e_has, a_has, p_other, e_other, a_other in sides:
        other_reqs = [r.index for r in p_other.requirements_for(a_other)]
        for c in commitments(p_has, e_has, a_has):
            # the other side's requirements whose commitment implies c (unknown counts as implying:
            # no false alarm, and the open question is reported)
            covering = [j for j in other_reqs
                        if implies(q, kind, j, e_other.met[j], c) != "no"]
            formula = z3.And(e_has.active(a_has, c.req),
                             *[z3.Not(e_other.active(a_other, j)) for j in covering])
            question = Question.NEW_DEMANDS if kind == WEAKENING else Question.OLD_DEMANDS
            found = q.witness(q.find(formula),
                                 Unknown("requirement", n, question, "", n, renamed, c.text),
                                 f"requirement `{c.text}` for {n}")
            if found is None:
                continue
            req = p_has.requirements[c.req]
            d_old, d_new = found.d_old, found.d_new
            d_has, d_other = (d_old, d_new) if kind == WEAKENING else (d_new, d_old)
            if c.req not in d_has.active[a_has] or any(j in covering for j in d_other.active[a_other]):
                raise InternalError(f"requirement `{c.text}` for {n}: the evaluator does not confirm "
                                    "the witness")
            loc = (p_has.source.path, req.span)
            has, lacks = Demand(c.text, True, loc), Demand(c.text, False)
            old_out, new_out = (has, lacks) if kind == WEAKENING else (lacks, has)
            q.changes.append(Change(
                kind, "requirement", n, n, found.union,
                Side(found.old_state, q.old.tiers[d_old.tier].name, old_out,
                     loc if kind == WEAKENING else None),
                Side(found.new_state, q.new.tiers[d_new.tier].name, new_out,
                     loc if kind != WEAKENING else None),
                name=n, old_name=renamed, detail=c.text, notes=found.notes,
                history=found.history))
