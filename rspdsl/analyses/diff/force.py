"""What the semantic questions cannot see about language v2 (language-v2.md §2-4): duties,
authorities and who decides an input, compared declaration by declaration. A duty's change comes
with a run that tells the two revisions apart (duty_runs.py): a duty dropped or
loosened, a rule that no longer reads `overdue(D)`, an authority or an input moved from external
to internal hands, a finding newly accepted (`accept`): each is a weakening. (A `require` turned `recommend`, or a new or widened
`waive`, changes which commitments are demanded, so the requirement aspect already reports it
with a witness state.)"""
from __future__ import annotations

from typing import Any

from ...semantics import ir
from ...semantics.model import Policy
from .duty_runs import looser_run, ungated_run
from .pairing import Maps
from .report import STRENGTHENING, WEAKENING, ForceChange, ForceDetail


def _readers(policy: Policy) -> set[str]:
    """The duties some rule, requirement, threshold, waiver or assertion reads with overdue(D)."""
    exprs = [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    exprs += [t.condition for t in policy.thresholds.values()] + [w.condition for w in policy.waivers]
    exprs += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return {n.duty for e in exprs for n in ir.walk(e) if isinstance(n, ir.Overdue)}


def _witness(old: Policy, new: Policy, duty: str, *, loosened: bool, gate: bool = False,
             solver: dict[str, int]) -> dict[str, Any] | None:
    """The run showing the duty loosened (overdue under OLD only) or tightened (under NEW only);
    with `gate`, the run where it is overdue and one revision allows what the other forbids.
    `solver`: the diff's `timeout_ms` and `seed`."""
    search = ungated_run if gate else looser_run
    strict, lax = (old, new) if loosened else (new, old)
    found = search(strict, lax, duty, **solver)
    if found is None:
        return None
    return {"old": found[0], "new": found[1]} if loosened else {"old": found[1], "new": found[0]}


def _standing(policy: Policy, authority: str | None) -> str | None:
    return policy.authorities[authority].standing if authority in policy.authorities else None


def force_changes(old: Policy, new: Policy, maps: Maps, *, accepts: bool = True, timeout_ms: int = 10_000,
                  seed: int = 0) -> list[ForceChange]:
    """`accepts=False` leaves the policies' accepted findings out (comparing two frameworks whose
    encodings each accept their own gaps, where an accept says nothing about the framework).
    Witness runs are searched with the diff's per-check `timeout_ms` and `seed`."""
    out: list[ForceChange] = []
    solver = {"timeout_ms": timeout_ms, "seed": seed}
    for name in old.duties:
        if name not in new.duties:
            out.append(ForceChange(WEAKENING, "duty", name, ForceDetail.REMOVED,
                                   witness=_witness(old, new, name, loosened=True, solver=solver)))
    old_read, new_read = _readers(old), _readers(new)
    for name, duty in new.duties.items():
        before = old.duties.get(name)
        if before is None:
            out.append(ForceChange(STRENGTHENING, "duty", name, ForceDetail.ADDED,
                                   witness=_witness(old, new, name, loosened=False, solver=solver)))
            continue
        if (before.kind, before.act, before.trigger) != (duty.kind, duty.act, duty.trigger) or \
                (before.condition != duty.condition):
            # a different trigger or clock (its deadline too, perhaps): judged by runs, both ways
            looser, tighter = _witness(old, new, name, loosened=True, solver=solver), _witness(old, new, name, loosened=False, solver=solver)
            if looser is not None:
                out.append(ForceChange(WEAKENING, "duty", name, ForceDetail.CLOCK, witness=looser))
            if tighter is not None:
                out.append(ForceChange(STRENGTHENING, "duty", name, ForceDetail.CLOCK, witness=tighter))
            if looser is None and tighter is None:  # no short run tells them apart: listed
                out.append(ForceChange(None, "duty", name, ForceDetail.CLOCK))
        elif before.days != duty.days:
            loosened = duty.days > before.days
            out.append(ForceChange(WEAKENING if loosened else STRENGTHENING, "duty", name, ForceDetail.DEADLINE,
                                   before.days, duty.days, witness=_witness(old, new, name, loosened=loosened, solver=solver)))
        if name in old_read and name not in new_read:
            out.append(ForceChange(WEAKENING, "duty", name, ForceDetail.UNGATED,
                                   witness=_witness(old, new, name, loosened=True, gate=True, solver=solver)))
        elif name in new_read and name not in old_read:
            out.append(ForceChange(STRENGTHENING, "duty", name, ForceDetail.GATED,
                                   witness=_witness(old, new, name, loosened=False, gate=True, solver=solver)))
    for name, authority in new.authorities.items():
        was = old.authorities.get(name)
        if was is not None and was.standing != authority.standing:
            kind = WEAKENING if authority.standing == "internal" else STRENGTHENING
            out.append(ForceChange(kind, "authority", name, ForceDetail.STANDING, was.standing,
                                   authority.standing))
    for o, n in maps.variables.items():
        a, b = _standing(old, old.variables[o].by), _standing(new, new.variables[n].by)
        if a == "external" and b != "external":
            out.append(ForceChange(WEAKENING, new.variables[n].kind, n, ForceDetail.DECIDED_BY,
                                   old.variables[o].by, new.variables[n].by))
        elif b == "external" and a != "external":
            out.append(ForceChange(STRENGTHENING, new.variables[n].kind, n, ForceDetail.DECIDED_BY,
                                   old.variables[o].by, new.variables[n].by))
    old_accepts = {(a.property, a.subject): a for a in old.accepts} if accepts else {}
    new_accepts = {(a.property, a.subject): a for a in new.accepts} if accepts else {}
    for key, accept in new_accepts.items():  # a finding no longer counted as a violation (a gate passes)
        if key not in old_accepts:
            out.append(ForceChange(WEAKENING, "accept", f"{accept.property} {accept.subject}", ForceDetail.ACCEPTED,
                                   new=(accept.owner, accept.reason)))
    for key, accept in old_accepts.items():
        if key not in new_accepts:
            out.append(ForceChange(STRENGTHENING, "accept", f"{accept.property} {accept.subject}",
                                   ForceDetail.UNACCEPTED, old=(accept.owner, accept.reason)))
    return out
