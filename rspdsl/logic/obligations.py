"""Verification obligations as data: what to prove, about what, where, and how to confirm a witness.

Each Obligation says which property and subject it checks, its severity, a formula and the way
the prover must read it (see `kind`), the source locations (each with its Role), how the concrete
evaluator confirms a witness, and the facts of its subject (rspdsl.logic.facts), to which the
prover adds what a witness showed. Nothing here calls a solver, and nothing here is worded for
people: rspdsl.render.messages words results. Reachability obligations are built in
rspdsl.logic.reachability.

Kinds (every formula is over the Z3 constants of one or two StateEncodings):
- "find": VIOLATED iff `formula` is satisfiable within `context` (bounds, and for two copies
  their order). A model is the witness.
- "exists_forall" (consistency): VIOLATED iff some inputs (within bounds) make `formula` hold for
  every value of the `universals` (the responses) within `universal_context`.
- "reach": VIOLATED iff some target in `targets` is unsatisfiable within `context`; targets are
  checked in order and a satisfiable target's model is a state reaching it.
`smt_formula()` turns any of them into one formula whose satisfiability means VIOLATED (quantified
where needed), which is what the SMT-LIB export writes.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..semantics.model import Policy, Requirement, Rule
from ..source import Location
from .boolops import And, Implies, Not
from .encode import StateEncoding, SymbolTable, conj, disj, encode_pair, encode_state, order_constraints
from .facts import (
    AssertionFacts,
    Consistency,
    Cover,
    Facts,
    Finding,
    Mitigation,
    MonotonicAction,
    MonotonicRequirements,
    MonotonicTier,
    Role,
    RuleRef,
    Why,
)
from .names import requirement_names

__all__ = ["Target", "Obligation", "ObligationSet", "build_obligations", "selected", "requirement_names",
           "rule_ref"]

Confirm = Callable[[Sequence[Any]], bool]          # decisions (one per copy) -> the claim holds
Explain = Callable[[Sequence[Any]], Facts]         # decisions -> the facts, with what the witness showed


@dataclass(frozen=True, eq=False)
class Target:
    """A condition some state must reach (kind "reach")."""

    label: Finding             # what it means when no state reaches it, e.g. NEVER_HOLDS
    formula: Any               # a Z3 term, or a function building it when first asked (term())
    reached: Confirm           # the evaluator's view of a state reaching it
    # When set, a violation of this target is shown with the previous target's state as witness,
    # and this predicate must hold of it (e.g. "the permit holds, yet the action is forbidden").
    witness_claim: Confirm | None = None
    # When no state reaches the target: (formula, why if it is satisfiable, why if not), to say why.
    why: tuple[Any, Why, Why] | None = None
    # When no state reaches the target, which conditions rule it out: `formula` is `base` and every
    # clause; the prover names a minimal set of clauses that is unsatisfiable with `base`
    # (details["covered_by"]), e.g. the other rules that decide wherever a redundant rule holds.
    # (base, ((what, clause), ...)), or a function building it (cover_parts()).
    cover: Any = None
    # When set, the target is checked as these literals over `definitions` (constants naming
    # subformulas, one tuple shared by many targets): the prover asserts the definitions once, on a
    # solver of their own, and checks each target as assumptions, far cheaper than adding `formula`
    # (which means the same) in a scope each time. A satisfiable check proves the target reached
    # without a state; the evaluator still confirms every state that is shown.
    assume: tuple[Any, ...] = ()
    definitions: tuple[Any, ...] = ()

    def term(self):
        """The target's formula (built on first use when given as a function: a rule's target
        names every other rule of its action, so building all of them eagerly is quadratic)."""
        return self._forced("formula")

    def cover_parts(self) -> tuple[Any, tuple[tuple[Cover, Any], ...]] | None:
        return self._forced("cover")

    def _forced(self, name: str):
        cache = self.__dict__.setdefault("_built", {})
        if name not in cache:
            value = getattr(self, name)
            cache[name] = value() if callable(value) else value
        return cache[name]


@dataclass(frozen=True, eq=False)
class Obligation:
    property: str
    subject: str
    severity: str                               # "error" | "warning"
    kind: str                                   # "find" | "exists_forall" | "reach"
    copies: tuple[StateEncoding, ...]           # the state copies a witness is read from
    context: tuple[Any, ...]                    # constraints defining the states considered
    facts: Facts                                # what the obligation is about
    locations: tuple[Location, ...]
    formula: Any = None                         # find / exists_forall
    confirm: Confirm | None = None              # find / exists_forall: the evaluator agrees
    explain: Explain | None = None
    targets: tuple[Target, ...] = ()            # reach
    universals: tuple[Any, ...] = ()            # exists_forall: the responses
    universal_context: tuple[Any, ...] = ()     # exists_forall: the responses' bounds
    clauses: tuple[tuple[Requirement, Any], ...] = ()   # exists_forall: per requirement, active -> met
    group: str | None = None                    # obligations of one group and kind may be checked together
    # find: the locations to report for a violation, from the witness's decisions (default: locations)
    locate: Callable[[Sequence[Any]], tuple[Location, ...]] | None = None

    def smt_formula(self):
        """One formula, satisfiable iff the obligation is VIOLATED."""
        import z3
        ctx = list(self.context)
        z3ctx = self.copies[0].ctx
        if self.kind == "find":
            return conj(ctx + [self.formula], z3ctx)
        if self.kind == "exists_forall":
            body = Implies(conj(self.universal_context, z3ctx), self.formula)
            inner = z3.ForAll(list(self.universals), body) if self.universals else body
            return conj(ctx + [inner], z3ctx)
        if self.kind == "reach":
            consts = [c for copy in self.copies for c in copy.vars.values()]
            misses = []
            for t in self.targets:
                body = Implies(conj(ctx, z3ctx), Not(t.term()))
                misses.append(z3.ForAll(consts, body) if consts else body)
            return disj(misses, z3ctx)
        raise ValueError(f"unknown obligation kind {self.kind!r}")


@dataclass(frozen=True, eq=False)
class ObligationSet:
    policy: Policy
    state: StateEncoding              # the single copy most obligations are about
    pair: tuple[StateEncoding, StateEncoding] | None   # (lower, higher) when monotonic is asked for
    symbols: SymbolTable
    obligations: tuple[Obligation, ...]


def selected(prop: str, properties: set[str] | None) -> bool:
    """Whether `prop` is asked for: None means all; "assert" selects every assertion."""
    if properties is None:
        return True
    return prop in properties or (prop.startswith("assert:") and "assert" in properties)


def step_obligations(policy: Policy, s: StateEncoding, properties: set[str] | None = None) -> list[Obligation]:
    """The obligations a run must meet at every step (mitigations, assertions), over step `s`."""
    out: list[Obligation] = []
    if selected("mitigations", properties):
        out.extend(_mitigations(policy, s))
        out.extend(_advice(policy, s))
    out.extend(_assertion(policy, s, a) for a in policy.assertions if selected(f"assert:{a.name}", properties))
    return out


def decided_over_runs(prop: str) -> bool:
    """Whether the run stages (refine) decide this property of a policy about time: what the
    extended states did not prove is searched for over runs, so such a result's extended-state
    witness would never be shown."""
    return prop == "mitigations" or prop.startswith("assert:")


def build_obligations(policy: Policy, properties: set[str] | None = None) -> ObligationSet:
    """Every obligation of the built-in properties (or those selected), in report order."""
    import z3
    symbols = SymbolTable()
    ctx = z3.Context()  # fresh: the same policy gets the same terms, hence the same solver choices
    # a policy about time is checked over extended states: history values free (logic/history.py)
    from .history import FreeHistory
    extended = policy.temporal
    state = encode_state(policy, "", symbols=symbols, ctx=ctx,
                         history=FreeHistory(policy, "", ctx) if extended else None)
    pair = encode_pair(policy, symbols=symbols, ctx=ctx,
                       history=FreeHistory(policy, "pair", ctx) if extended else None) \
        if selected("monotonic", properties) else None
    out: list[Obligation] = []
    if selected("mitigations", properties):
        out.extend(_mitigations(policy, state))
        out.extend(_advice(policy, state))
    if selected("consistency", properties):
        out.extend(_consistency(policy, state))
    if pair is not None:
        out.extend(_monotonic(policy, *pair))
    if selected("reachability", properties):
        from .reachability import reachability  # it builds on this module's types
        out.extend(reachability(policy, state))
    for a in policy.assertions:
        if selected(f"assert:{a.name}", properties):
            out.append(_assertion(policy, state, a))
    return ObligationSet(policy, state, pair, symbols, tuple(out))


# --------------------------------------------------------------------------- helpers

def rule_ref(rule: Rule) -> RuleRef:
    return RuleRef(rule.effect, rule.action, rule.span.line)


# --------------------------------------------------------------------------- mitigations

def _mitigations(policy: Policy, s: StateEncoding) -> list[Obligation]:
    out = []
    for action in policy.actions.values():
        names = requirement_names(policy, action.name)
        out += [_mitigation(policy, s, action, r, names[r.index]) for r in policy.requirements_for(action.name)]
    return out


def _mitigation(policy: Policy, s: StateEncoding, action, r: Requirement, name: str) -> Obligation:
    a, k = action.name, r.index
    facts = Mitigation(a, r.text, r.span.line)
    locations = [Location(r.span, Role.REQUIREMENT), Location(action.span, Role.ACTION)]
    locations += [Location(rule.span, Role.PERMITTING_RULE) for rule in policy.rules_for(a) if rule.effect == "permit"]
    first = tuple(locations[:2])
    return Obligation(
        property="mitigations", subject=f"{a}: {name}", severity="error", kind="find",
        copies=(s,), context=s.bounds, facts=facts, locations=tuple(locations),
        formula=And(s.allowed[a], s.active(a, k), Not(s.met[k])),
        confirm=lambda ds: ds[0].allowed[a] and k in ds[0].active[a] and not ds[0].met[k],
        explain=lambda ds: replace(facts, decided_by=_deciding(ds[0], a)),
        locate=lambda ds: first + _rule_location(ds[0].decided_by.get(a), Role.DECIDING_RULE),
        group=f"mitigations:{a}")


def _advice(policy: Policy, s: StateEncoding) -> list[Obligation]:
    """v2 §4: a recommendation unmet while its action is allowed is a warning, never an error."""
    out = []
    for action in policy.actions.values():
        for r in policy.recommendations:
            if action.name not in r.actions:
                continue
            a, k = action.name, r.index
            facts = Mitigation(a, r.text, r.span.line, recommended=True)

            def confirm(ds: Sequence[Any], a: str = a, k: int = k) -> bool:
                return ds[0].allowed[a] and k in ds[0].advised.get(a, ()) and not ds[0].advice_met[k]

            def explain(ds: Sequence[Any], a: str = a, facts: Mitigation = facts) -> Facts:
                return replace(facts, decided_by=_deciding(ds[0], a))

            out.append(Obligation(
                property="mitigations", subject=f"{a}: {r.text} (recommended)", severity="warning", kind="find",
                copies=(s,), context=s.bounds, facts=facts,
                locations=(Location(r.span, Role.RECOMMENDATION), Location(action.span, Role.ACTION)),
                formula=And(s.allowed[a], s.advised(a, k), Not(s.rec_met[k])),
                confirm=confirm, explain=explain))
    return out



def _rule_location(rule: Rule | None, role: Role) -> tuple[Location, ...]:
    return (Location(rule.span, role),) if rule is not None else ()


def _deciding(decision, action: str) -> RuleRef | None:
    rule = decision.decided_by.get(action)
    return rule_ref(rule) if rule is not None else None


# --------------------------------------------------------------------------- consistency

def _consistency(policy: Policy, s: StateEncoding) -> list[Obligation]:
    inputs = [v.name for v in policy.inputs]
    responses = [v.name for v in policy.responses]
    universals = tuple(s.vars[n] for n in responses)
    # an extended state's history (language v2) is given, as the inputs are: its invariants hold
    # in the context, except those that also read a response (a cumulative one's past <= now),
    # which constrain the responses the developer may choose
    given, chosen = s.history_split(universals)
    # one context and one universal context for every action: the prover checks them as a group first
    context = tuple(s.bounds_of(inputs)) + tuple(given)
    universal_context = tuple(s.bounds_of(responses)) + tuple(chosen)
    out = []
    for action in policy.actions.values():
        a = action.name
        reqs = policy.requirements_for(a)
        clauses = tuple((r, Implies(s.active(a, r.index), s.met[r.index])) for r in reqs)
        all_hold = conj([c for _, c in clauses], s.ctx)
        locations = [Location(action.span, Role.ACTION)] + [
            Location(r.span, Role.ACTION_REQUIREMENT) for r in reqs]
        out.append(Obligation(
            property="consistency", subject=a, severity="error", kind="exists_forall",
            copies=(s,), context=context, facts=Consistency(a),
            locations=tuple(locations), formula=Not(all_hold),
            universals=universals, universal_context=universal_context,
            clauses=clauses, confirm=_has_unmet(a), group="consistency"))
    return out


def _has_unmet(action: str) -> Confirm:
    return lambda ds: bool(ds[0].unmet(action))


# --------------------------------------------------------------------------- monotonic

def _monotonic(policy: Policy, lo: StateEncoding, hi: StateEncoding) -> list[Obligation]:
    context = lo.bounds + hi.bounds + tuple(order_constraints(policy, lo, hi))
    first = policy.tiers[0].span if policy.tiers else None
    out = []

    tier_locs = (Location(first, Role.LADDER),) if first else ()
    out.append(Obligation(
        property="monotonic", subject="tier", severity="error", kind="find", copies=(lo, hi),
        context=context, facts=MonotonicTier(), locations=tier_locs,
        # tier(lower) > tier(higher): some k with tier(lower) >= k > tier(higher)
        formula=disj([And(lo.tier_ge(k), Not(hi.tier_ge(k))) for k in range(1, len(policy.tiers))], lo.ctx),
        confirm=lambda ds: ds[0].tier > ds[1].tier,
        explain=lambda ds: MonotonicTier(policy.tiers[ds[0].tier].name, policy.tiers[ds[1].tier].name),
        locate=lambda ds: (Location(policy.tiers[ds[0].tier].span, Role.LOWER_TIER),
                           Location(policy.tiers[ds[1].tier].span, Role.HIGHER_TIER)),
        group="monotonic"))

    out += [_newly_allowed(policy, action, lo, hi, context) for action in policy.actions.values()]

    bound = [r for r in policy.requirements if r.actions]
    # per action: a waiver (v2 §4) can switch a requirement off for one action it binds only
    drops = [And(lo.active(a, r.index), Not(hi.active(a, r.index))) for r in bound
             for a in (r.actions if policy.waivers_of_any(r.index) else r.actions[:1])]
    names = requirement_names(policy)

    def dropped_indices(ds) -> list[int]:
        return sorted({k for a, ks in ds[0].active.items() for k in ks if k not in ds[1].active[a]})

    def dropped(ds) -> MonotonicRequirements:
        return MonotonicRequirements(tuple(names[k] for k in dropped_indices(ds)))

    def dropped_locations(ds) -> tuple[Location, ...]:
        return tuple(Location(policy.requirements[k].span, Role.DROPPED) for k in dropped_indices(ds))

    def req_confirm(ds) -> bool:
        return any(k not in ds[1].active[a] for a, ks in ds[0].active.items() for k in ks)

    req_locs = tuple(Location(r.decl_span, Role.A_REQUIREMENT) for r in bound)
    out.append(Obligation(
        property="monotonic", subject="requirements", severity="error", kind="find", copies=(lo, hi),
        context=context, facts=MonotonicRequirements(), locations=req_locs,
        formula=disj(drops, lo.ctx),
        confirm=req_confirm, explain=dropped, locate=dropped_locations, group="monotonic"))
    return out


def _newly_allowed(policy: Policy, action, lo: StateEncoding, hi: StateEncoding, context: tuple) -> Obligation:
    a = action.name
    subject = a if a not in ("tier", "requirements") else f"allowed({a})"
    locs = [Location(action.span, Role.ACTION)] + [Location(r.span, Role.ACTION_RULE) for r in policy.rules_for(a)]
    return Obligation(
        property="monotonic", subject=subject, severity="error", kind="find", copies=(lo, hi),
        context=context, facts=MonotonicAction(a), locations=tuple(locs),
        formula=And(hi.allowed[a], Not(lo.allowed[a])),
        confirm=lambda ds: ds[1].allowed[a] and not ds[0].allowed[a],
        explain=lambda ds: MonotonicAction(a, _deciding(ds[0], a), _deciding(ds[1], a)),
        locate=lambda ds: (locs[0],) + _rule_location(ds[0].decided_by.get(a), Role.FORBIDS_LOWER)
        + _rule_location(ds[1].decided_by.get(a), Role.ALLOWS_HIGHER),
        group="monotonic")


# --------------------------------------------------------------------------- assertions

def _assertion(policy: Policy, s: StateEncoding, a) -> Obligation:
    name = a.name
    return Obligation(
        property=f"assert:{name}", subject=name, severity="error", kind="find", copies=(s,),
        context=s.bounds, facts=AssertionFacts(name, a.description),
        locations=(Location(a.span, Role.ASSERTION),),
        formula=Not(s.assertions[name]),
        confirm=lambda ds: not ds[0].assertions[name],
        # all assertions are checked first as one disjunction: when none can fail, one call proves them all
        group="assertions")
