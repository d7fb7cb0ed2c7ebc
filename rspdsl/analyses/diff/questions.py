"""The semantic questions of `rspdsl diff`, asked of one seeded solver over one shared state.

Both policies are encoded once over one state (variables shared by name, after renames), and
every question is asked in its own push/pop scope through rspdsl.logic.witness, whose replay
decides each witness with the definitional evaluator (rspdsl.semantics.interpret) on both policies (each on its own projection
of the state) before it is reported. Three aspects are compared: the tier (through the tier
names both ladders share), permission per action (both here), and the commitments demanded per
action (commitments.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...diagnostics import InternalError
from ...logic.prover import history_json
from ...logic.witness import SAT, UNKNOWN, UNSAT, Answer, ask, new_solver, reals_of, replay
from ...semantics.model import Policy
from .commitments import compare_requirements
from .pairing import Maps
from .report import (
    STRENGTHENING,
    WEAKENING,
    Change,
    DeclChange,
    Detail,
    Note,
    NoteKind,
    Permission,
    Question,
    Side,
    Unknown,
)


@dataclass(frozen=True)
class _Witness:
    """A replayed witness: each policy's projection (STATE.json), their union, both decisions."""
    old_state: dict[str, Any]
    new_state: dict[str, Any]
    union: dict[str, Any]
    notes: dict[str, Note]
    d_old: Any
    d_new: Any
    history: dict[str, Any] | None = None   # language v2: what the shared history was


def _shared_history(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """The one history both revisions' terms read, as each policy sees it, joined: what either's
    terms saw done, overdue or at an act."""
    if old is None or new is None:
        return old or new
    return {"day": new["day"], "done": {**old["done"], **new["done"]},
            "overdue": sorted(set(old["overdue"]) | set(new["overdue"])),
            "at": {**old["at"], **new["at"]}}


class Questions:
    """One diff's solver, its encodings and what it found (changes, open questions)."""

    def __init__(self, old: Policy, new: Policy, maps: Maps, timeout_ms: int, seed: int):
        import z3

        from ...logic.encode import encode_state
        from ...logic.history import FreeHistory

        self.old, self.new, self.maps = old, new, maps
        m = maps
        # policies about time (language v2) are compared over extended states with one history:
        # the history constants carry no revision prefix, so both encodings read the same ones
        def history(p: Policy) -> FreeHistory | None:
            return FreeHistory(p, "", z3.main_ctx()) if p.temporal else None

        self.enc_new = encode_state(new, "new.", history=history(new))
        shared = {o: self.enc_new.vars[n] for o, n in m.shared.items()}
        self.enc_old = encode_state(old, "old.", shared=shared, history=history(old))
        self.reals = reals_of(new, self.enc_new.vars) + reals_of(old, self.enc_old.vars)

        base = list(self.enc_new.bounds) + list(self.enc_old.bounds)
        for o, pairs in m.scale_maps.items():
            a, b = self.enc_old.vars[o], self.enc_new.vars[m.variables[o]]
            base.append(z3.Or(*[z3.And(a == i, b == j) for i, j in pairs]))
        self.timeout_ms = max(1, int(timeout_ms))
        self.solver = new_solver(seed=seed, timeout_ms=self.timeout_ms)
        self.solver.add(*base)
        self.queries = 0
        self.changes: list[Change] = []
        self.unknowns: list[Unknown] = []
        self.implied: dict[tuple[str, int, int, int], str] = {}   # see commitments.implies
        old_index = {t.name: t.index for t in old.tiers}
        new_index = {t.name: t.index for t in new.tiers}
        agree = [self.enc_old.tier_ge(old_index[o]) == self.enc_new.tier_ge(new_index[n])
                 for o, n in m.tiers.items() if old_index[o] or new_index[n]]
        self.same_tier = z3.And(*agree) if agree else None

    # ------------------------------------------------------------------ solver plumbing

    def ask(self, *constraints, need_model: bool = True) -> Answer:
        """One question in its own scope (rspdsl.logic.witness.ask), counted."""
        self.queries += 1
        return ask(self.solver, *constraints, reals=self.reals, timeout_ms=self.timeout_ms,
                   need_model=need_model)

    def find(self, formula) -> Answer:
        """Like ask, but when a witness exists prefer one where both policies agree on the tier,
        so a permission or requirement change is shown apart from any tier change behind it."""
        if self.same_tier is None:
            return self.ask(formula)
        first = self.ask(formula, need_model=False)
        if first.status != SAT:
            return first
        agreeing = self.ask(formula, self.same_tier)
        return agreeing if agreeing.status == SAT else self.ask(formula)

    # ------------------------------------------------------------------ witnesses

    def states(self, model, what: str) -> _Witness:
        """The witness: each policy's projection replayed (rspdsl.logic.witness.replay), their
        union with a note per variable, and both decisions."""
        old = replay(self.old, self.enc_old.read(model), what=f"{what} (OLD)")
        new = replay(self.new, self.enc_new.read(model), what=f"{what} (NEW)")
        for o, pairs in self.maps.scale_maps.items():
            if (old.state[o], new.state[self.maps.variables[o]]) not in pairs:
                raise InternalError(f"{what}: the witness maps scale variable `{o}` inconsistently")
        old_state, new_state = old.json, new.json
        union = dict(new_state)
        notes: dict[str, Note] = {}
        paired = {o: n for o, n in self.maps.variables.items()
                  if o in self.maps.shared or o in self.maps.scale_maps}
        for o, n in paired.items():
            if o != n:
                notes[n] = Note(NoteKind.OLD_NAME, o)
            elif o in self.maps.scale_maps and old_state[o] != new_state[n]:
                notes[n] = Note(NoteKind.OLD_VALUE, str(old_state[o]))
        for n in new_state:
            if n not in paired.values():
                notes[n] = Note(NoteKind.NEW_ONLY)
        for name, value in old_state.items():
            if name in paired:
                continue
            key = name if name not in union else f"{name}@old"
            union[key] = value
            notes[key] = Note(NoteKind.OLD_ONLY)
        return _Witness(old_state, new_state, union, notes, old.decision, new.decision,
                        _shared_history(history_json(self.old, old.state), history_json(self.new, new.state)))

    def witness(self, answer: Answer, unknown: Unknown, what: str) -> _Witness | None:
        """The replayed witness of an answer, or None: when there is none (unsat), or when the
        solver could not tell (then `unknown` is recorded as an open question)."""
        if answer.status == UNKNOWN:
            self.unknowns.append(replace(unknown, reason=answer.reason))
            return None
        if answer.status == UNSAT:
            return None
        return self.states(answer.model, what)

    def permission_of(self, policy: Policy, decision, action: str) -> tuple[Permission, tuple[str, Any]]:
        rule = decision.decided_by[action]
        default = policy.actions[action].default_permit
        path = policy.source.path
        if rule is not None:
            return (Permission(action, decision.allowed[action], rule.effect, (path, rule.span), default),
                    (path, rule.span))
        return Permission(action, decision.allowed[action], None, None, default), (path, policy.actions[action].span)

    # ------------------------------------------------------------------ tier

    def tiers(self) -> None:
        import z3
        old_index = {t.name: t.index for t in self.old.tiers}
        new_index = {t.name: t.index for t in self.new.tiers}
        for o, n in self.maps.tiers.items():
            i, j = old_index[o], new_index[n]
            if i == 0 and j == 0:
                continue
            renamed = o if o != n else None
            for kind, formula in ((WEAKENING, z3.And(self.enc_old.tier_ge(i), z3.Not(self.enc_new.tier_ge(j)))),
                                  (STRENGTHENING, z3.And(self.enc_new.tier_ge(j), z3.Not(self.enc_old.tier_ge(i))))):
                question = Question.TIER_BELOW if kind == WEAKENING else Question.TIER_AT_OR_ABOVE
                found = self.witness(self.ask(formula), Unknown("tier", f"tier {n}", question, "", n, renamed),
                                     f"tier {n}")
                if found is None:
                    continue
                d_old, d_new = found.d_old, found.d_new
                lower, higher = (d_new.tier < j and d_old.tier >= i), (d_new.tier >= j and d_old.tier < i)
                if not (lower if kind == WEAKENING else higher):
                    raise InternalError(f"tier {n}: the evaluator does not confirm the witness "
                                        f"(OLD tier {d_old.tier}, NEW tier {d_new.tier})")
                t_old, t_new = self.old.tiers[d_old.tier], self.new.tiers[d_new.tier]
                self.changes.append(Change(
                    kind, "tier", None, f"tier {n}", found.union,
                    Side(found.old_state, t_old.name, None, (self.old.source.path, t_old.span)),
                    Side(found.new_state, t_new.name, None, (self.new.source.path, t_new.span)),
                    name=n, old_name=renamed, notes=found.notes, history=found.history))

    # ------------------------------------------------------------------ permission

    def permission(self, o: str, n: str) -> None:
        import z3
        a_old, a_new = self.enc_old.allowed[o], self.enc_new.allowed[n]
        renamed = o if o != n else None
        for kind, formula in ((WEAKENING, z3.And(z3.Not(a_old), a_new)),
                              (STRENGTHENING, z3.And(a_old, z3.Not(a_new)))):
            question = Question.ALLOW if kind == WEAKENING else Question.FORBID
            found = self.witness(self.find(formula), Unknown("permission", n, question, "", n, renamed),
                                 f"permission {n}")
            if found is None:
                continue
            d_old, d_new = found.d_old, found.d_new
            want = (False, True) if kind == WEAKENING else (True, False)
            if (d_old.allowed[o], d_new.allowed[n]) != want:
                raise InternalError(f"permission {n}: the evaluator does not confirm the witness "
                                    f"(OLD allowed={d_old.allowed[o]}, NEW allowed={d_new.allowed[n]})")
            out_old, loc_old = self.permission_of(self.old, d_old, o)
            out_new, loc_new = self.permission_of(self.new, d_new, n)
            self.changes.append(Change(
                kind, "permission", n, n, found.union,
                Side(found.old_state, self.old.tiers[d_old.tier].name, out_old, loc_old),
                Side(found.new_state, self.new.tiers[d_new.tier].name, out_new, loc_new),
                name=n, old_name=renamed, notes=found.notes, history=found.history))

    # ------------------------------------------------------------------ declarations with meaning

    def semantic_decl_notes(self) -> list[DeclChange]:
        """Thresholds and assertions present in both whose meaning changed (informational)."""
        import z3
        out = []
        pairs = [("threshold", o, n, self.enc_old.thresholds[o], self.enc_new.thresholds[n])
                 for o, n in self.maps.thresholds.items()]
        pairs += [("assertion", o, n, self.enc_old.assertions[o], self.enc_new.assertions[n])
                  for o, n in self.maps.assertions.items()]
        for entity, _o, n, a, b in pairs:
            if a.eq(b):
                continue
            more = self.ask(b, z3.Not(a), need_model=False).status
            fewer = self.ask(a, z3.Not(b), need_model=False).status
            if UNKNOWN in (more, fewer):
                out.append(DeclChange("changed", entity, n, Detail.HOLDS_UNKNOWN))
            elif more == SAT and fewer == SAT:
                out.append(DeclChange("changed", entity, n, Detail.HOLDS_DIFFERENT))
            elif more == SAT:
                out.append(DeclChange("changed", entity, n, Detail.HOLDS_MORE))
            elif fewer == SAT:
                out.append(DeclChange("changed", entity, n, Detail.HOLDS_FEWER))
        return out

    def run(self) -> None:
        import z3
        if self.ask(z3.BoolVal(True), need_model=False).status == UNSAT:
            # cannot happen after plan_variables; kept as a guard
            raise InternalError("no state lies within both policies' bounds")
        self.tiers()
        for o, n in self.maps.actions.items():
            self.permission(o, n)
            compare_requirements(self, o, n)
