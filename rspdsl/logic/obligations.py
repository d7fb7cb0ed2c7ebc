"""Verification obligations as data: what to prove, about what, where, and how to confirm a witness.

Each Obligation says which property and subject it checks, its severity, a formula and the way
the prover must read it (see `kind`), the source locations, how the concrete evaluator confirms a
witness, and how to phrase the result. Nothing here calls a solver.

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
from dataclasses import dataclass
from typing import Any

from ..semantics.model import Policy, Requirement, Rule
from .encode import StateEncoding, SymbolTable, conj, disj, encode_pair, encode_state, order_constraints
from .results import Location

__all__ = ["Target", "Obligation", "ObligationSet", "build_obligations", "selected", "requirement_names"]

Confirm = Callable[[Sequence[Any]], bool]          # decisions (one per copy) -> the claim holds
Explain = Callable[[Sequence[Any]], dict]          # decisions -> details for the message
Message = Callable[[str, dict], str]               # (status, details) -> one sentence


@dataclass(frozen=True, eq=False)
class Target:
    """A condition some state must reach (kind "reach")."""

    label: str                 # what it means when no state reaches it, e.g. "never holds"
    formula: Any               # a Z3 term, or a function building it when first asked (term())
    reached: Confirm           # the evaluator's view of a state reaching it
    # When set, a violation of this target is shown with the previous target's state as witness,
    # and this predicate must hold of it (e.g. "the permit holds, yet the action is forbidden").
    witness_claim: Confirm | None = None
    # When no state reaches the target: (formula, why if it is satisfiable, why if not), to say why.
    why: tuple[Any, str, str] | None = None
    # When no state reaches the target, which conditions rule it out: `formula` is `base` and every
    # clause; the prover names a minimal set of clauses that is unsatisfiable with `base`
    # (details["covered_by"]), e.g. the other rules that decide wherever a redundant rule holds.
    # (base, ((label, clause), ...)), or a function building it (cover_parts()).
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

    def cover_parts(self) -> tuple[Any, tuple[tuple[str, Any], ...]] | None:
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
    message: Message
    locations: tuple[Location, ...]
    formula: Any = None                         # find / exists_forall
    confirm: Confirm | None = None              # find / exists_forall: the evaluator agrees
    explain: Explain | None = None
    targets: tuple[Target, ...] = ()            # reach
    universals: tuple[Any, ...] = ()            # exists_forall: the responses
    universal_context: tuple[Any, ...] = ()     # exists_forall: the responses' bounds
    clauses: tuple[tuple[Requirement, Any], ...] = ()   # exists_forall: per requirement, active -> met
    group: str | None = None                    # find obligations with one group may be checked together
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
            body = z3.Implies(conj(self.universal_context, z3ctx), self.formula)
            inner = z3.ForAll(list(self.universals), body) if self.universals else body
            return conj(ctx + [inner], z3ctx)
        if self.kind == "reach":
            consts = [c for copy in self.copies for c in copy.vars.values()]
            misses = []
            for t in self.targets:
                body = z3.Implies(conj(ctx, z3ctx), z3.Not(t.term()))
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
    out.extend(_assertion(policy, s, a) for a in policy.assertions if selected(f"assert:{a.name}", properties))
    return out


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
    if selected("consistency", properties):
        out.extend(_consistency(policy, state))
    if pair is not None:
        out.extend(_monotonic(policy, *pair))
    if selected("reachability", properties):
        out.extend(_reachability(policy, state))
    for a in policy.assertions:
        if selected(f"assert:{a.name}", properties):
            out.append(_assertion(policy, state, a))
    return ObligationSet(policy, state, pair, symbols, tuple(out))


# --------------------------------------------------------------------------- helpers

def requirement_names(policy: Policy, action: str | None = None) -> dict[int, str]:
    """How each requirement (of `action`, or of the policy) is named in subjects: its text; when
    two share a text, the tier that holds each (`(tier ASL-3)`, `(top level)`), then an ordinal.

    Subjects identify results across revisions (pinned verdicts, SARIF fingerprints, baselines),
    so they never contain line numbers: reformatting or commenting a policy keeps them."""
    by_text: dict[str, list[Requirement]] = {}
    for r in (policy.requirements if action is None else policy.requirements_for(action)):
        by_text.setdefault(r.text, []).append(r)
    names: dict[int, str] = {}
    for text, reqs in by_text.items():
        if len(reqs) == 1:
            names[reqs[0].index] = text
            continue
        placed = {r.index: f"{text} ({'top level' if r.tier is None else 'tier ' + policy.tiers[r.tier].name})"
                  for r in reqs}
        names.update(_numbered(placed))
    return names


def _numbered(labels: dict[int, str]) -> dict[int, str]:
    """Labels made unique by an ordinal (`#2`) where several are equal, in declaration order."""
    seen: dict[str, int] = {}
    total = {label: list(labels.values()).count(label) for label in labels.values()}
    out = {}
    for key, label in labels.items():
        seen[label] = seen.get(label, 0) + 1
        out[key] = label if total[label] == 1 else f"{label} #{seen[label]}"
    return out


def rule_names(policy: Policy) -> dict[int, str]:
    """`permit deploy`, or `forbid train #2` for the second of several forbids of train."""
    return _numbered({r.index: f"{r.effect} {r.action}" for r in policy.rules})


def _rule_name(rule: Rule) -> str:
    """A rule for a human reading details (with its line); subjects use rule_names instead."""
    return f"{rule.effect} {rule.action} (line {rule.span.line})"


def _where(span) -> str:
    return f"line {span.line}"


def _inactivity(r: Requirement, policy: Policy) -> str:
    """Why a requirement can never be active, in words."""
    if not r.actions:
        return "it binds no action"
    tiered = r.tier is not None and r.tier > 0
    if tiered and r.condition is not None:
        return f"no state at {policy.tiers[r.tier].name} or above satisfies its `when` condition"
    if tiered:
        return f"no state reaches {policy.tiers[r.tier].name}"
    return "no state satisfies its `when` condition"


# --------------------------------------------------------------------------- mitigations

def _mitigations(policy: Policy, s: StateEncoding) -> list[Obligation]:
    import z3
    out = []
    for action in policy.actions.values():
        names = requirement_names(policy, action.name)
        for r in policy.requirements_for(action.name):
            a, k = action.name, r.index

            def message(status: str, details: dict, a=a, r=r) -> str:
                if status == "proved":
                    return f"Whenever {a} is allowed, the required `{r.text}` holds."
                if status == "violated":
                    return (f"{a} can be allowed in a state where the required `{r.text}` "
                            f"({_where(r.span)}) does not hold.")
                return f"Could not decide whether {a} can be allowed without `{r.text}`."

            locations = [Location(r.span, "the requirement"), Location(action.span, "the action")]
            locations += [Location(rule.span, "a rule permitting the action")
                          for rule in policy.rules_for(a) if rule.effect == "permit"]
            out.append(Obligation(
                property="mitigations", subject=f"{a}: {names[k]}", severity="error", kind="find",
                copies=(s,), context=s.bounds, message=message, locations=tuple(locations),
                formula=z3.And(s.allowed[a], s.active(a, k), z3.Not(s.met[k])),
                confirm=lambda ds, a=a, k=k: ds[0].allowed[a] and k in ds[0].active[a] and not ds[0].met[k],
                explain=lambda ds, a=a: _decided_by(ds[0], a),
                locate=lambda ds, a=a, first=tuple(locations[:2]): first + _rule_location(
                    ds[0].decided_by.get(a), "the rule that allows it here"),
                group=f"mitigations:{a}"))
    return out


def _rule_location(rule: Rule | None, message: str) -> tuple[Location, ...]:
    return (Location(rule.span, message),) if rule is not None else ()


def _decided_by(decision, action: str) -> dict:
    rule = decision.decided_by.get(action)
    return {"decided_by": _rule_name(rule)} if rule is not None else {}


# --------------------------------------------------------------------------- consistency

def _consistency(policy: Policy, s: StateEncoding) -> list[Obligation]:
    import z3
    inputs = [v.name for v in policy.inputs]
    responses = [v.name for v in policy.responses]
    out = []
    for action in policy.actions.values():
        a = action.name
        reqs = policy.requirements_for(a)
        clauses = tuple((r, z3.Implies(s.active(a, r.index), s.met[r.index])) for r in reqs)
        all_hold = conj([c for _, c in clauses], s.ctx)

        def message(status: str, details: dict, a=a) -> str:
            if status == "proved":
                return f"Whatever the inputs, some responses meet every requirement active for {a}."
            if status == "violated":
                core = details.get("core") or []
                listed = ", ".join(f"`{c}`" for c in core)
                return (f"For some inputs no responses can meet every requirement active for {a}: "
                        f"{listed} cannot all hold together.")
            return f"Could not decide whether the requirements for {a} can always be met together."

        locations = [Location(action.span, "the action")] + [
            Location(r.span, "a requirement for the action") for r in reqs]
        out.append(Obligation(
            property="consistency", subject=a, severity="error", kind="exists_forall",
            copies=(s,), context=tuple(s.bounds_of(inputs)), message=message,
            locations=tuple(locations), formula=z3.Not(all_hold),
            universals=tuple(s.vars[n] for n in responses),
            universal_context=tuple(s.bounds_of(responses)), clauses=clauses,
            confirm=lambda ds, a=a: bool(ds[0].unmet(a))))
    return out


# --------------------------------------------------------------------------- monotonic

def _monotonic(policy: Policy, lo: StateEncoding, hi: StateEncoding) -> list[Obligation]:
    import z3
    context = lo.bounds + hi.bounds + tuple(order_constraints(policy, lo, hi))
    first = policy.tiers[0].span if policy.tiers else None
    out = []

    def tier_message(status: str, details: dict) -> str:
        if status == "proved":
            return "Higher inputs never lead to a lower tier."
        if status == "violated":
            return (f"Raising inputs can lower the tier: the lower state is at {details['lower_tier']} "
                    f"but the higher one only at {details['higher_tier']}.")
        return "Could not decide whether higher inputs can lead to a lower tier."

    tier_locs = (Location(first, "the tier ladder"),) if first else ()
    out.append(Obligation(
        property="monotonic", subject="tier", severity="error", kind="find", copies=(lo, hi),
        context=context, message=tier_message, locations=tier_locs,
        # tier(lower) > tier(higher): some k with tier(lower) >= k > tier(higher)
        formula=disj([z3.And(lo.tier_ge(k), z3.Not(hi.tier_ge(k))) for k in range(1, len(policy.tiers))], lo.ctx),
        confirm=lambda ds: ds[0].tier > ds[1].tier,
        explain=lambda ds: {"lower_tier": policy.tiers[ds[0].tier].name,
                            "higher_tier": policy.tiers[ds[1].tier].name},
        locate=lambda ds: (Location(policy.tiers[ds[0].tier].span, "the lower state's tier"),
                           Location(policy.tiers[ds[1].tier].span, "the higher state's tier")),
        group="monotonic"))

    for action in policy.actions.values():
        a = action.name
        subject = a if a not in ("tier", "requirements") else f"allowed({a})"

        def message(status: str, details: dict, a=a) -> str:
            if status == "proved":
                return f"Higher inputs never allow {a} where lower inputs forbid it."
            if status == "violated":
                return f"Raising inputs can newly allow {a}: it is forbidden in the lower state and allowed in the higher one."
            return f"Could not decide whether higher inputs can newly allow {a}."

        locs = [Location(action.span, "the action")] + [
            Location(r.span, f"a rule for {a}") for r in policy.rules_for(a)]
        out.append(Obligation(
            property="monotonic", subject=subject, severity="error", kind="find", copies=(lo, hi),
            context=context, message=message, locations=tuple(locs),
            formula=z3.And(hi.allowed[a], z3.Not(lo.allowed[a])),
            confirm=lambda ds, a=a: ds[1].allowed[a] and not ds[0].allowed[a],
            explain=lambda ds, a=a: {
                key: _rule_name(rule) for key, rule in (("lower_decided_by", ds[0].decided_by.get(a)),
                                                        ("higher_decided_by", ds[1].decided_by.get(a)))
                if rule is not None},
            locate=lambda ds, first=locs[0], a=a: (first,) + _rule_location(
                ds[0].decided_by.get(a), "forbids it in the lower state") + _rule_location(
                ds[1].decided_by.get(a), "allows it in the higher state"),
            group="monotonic"))

    bound = [r for r in policy.requirements if r.actions]
    drops = [z3.And(lo.req_active[r.index], z3.Not(hi.req_active[r.index])) for r in bound]
    names = requirement_names(policy)

    def req_message(status: str, details: dict) -> str:
        if status == "proved":
            return "Every requirement active for lower inputs stays active for higher inputs."
        if status == "violated":
            names_ = details.get("dropped", [])
            dropped = ", ".join(f"`{n}`" for n in names_)
            verb = "is" if len(names_) == 1 else "are"
            return (f"Raising inputs can switch off a requirement: {dropped} {verb} active in the lower "
                    "state but not in the higher one.")
        return "Could not decide whether higher inputs can switch off a requirement."

    def dropped_indices(ds) -> list[int]:
        lower = {k for ks in ds[0].active.values() for k in ks}
        higher = {k for ks in ds[1].active.values() for k in ks}
        return sorted(lower - higher)

    def dropped(ds) -> dict:
        return {"dropped": [names[k] for k in dropped_indices(ds)]}

    def dropped_locations(ds) -> tuple[Location, ...]:
        return tuple(Location(policy.requirements[k].span, "active in the lower state only")
                     for k in dropped_indices(ds))

    def req_confirm(ds) -> bool:
        return any(k not in ds[1].active[a] for a, ks in ds[0].active.items() for k in ks)

    req_locs = tuple(Location(r.decl_span, "a requirement") for r in bound)
    out.append(Obligation(
        property="monotonic", subject="requirements", severity="error", kind="find", copies=(lo, hi),
        context=context, message=req_message, locations=req_locs,
        formula=disj(drops, lo.ctx),
        confirm=req_confirm, explain=dropped, locate=dropped_locations, group="monotonic"))
    return out


# --------------------------------------------------------------------------- reachability

def _reachability(policy: Policy, s: StateEncoding) -> list[Obligation]:
    import z3
    names = requirement_names(policy)
    items: list[tuple[tuple, Obligation]] = []

    for t in policy.tiers:
        i = t.index

        def message(status: str, details: dict, t=t) -> str:
            if status == "proved":
                return f"Some state is at tier {t.name}."
            if status == "violated":
                return f"No state is at tier {t.name}: {details.get('why', 'its condition never holds')}."
            return f"Could not decide whether tier {t.name} can be reached."

        items.append(((t.span.line, t.span.column, 0), Obligation(
            property="reachability", subject=t.name, severity="error", kind="reach", copies=(s,),
            context=s.bounds, message=message, locations=(Location(t.span, "the tier"),),
            targets=(Target("never reached", s.tier_eq(i), lambda ds, i=i: ds[0].tier == i,
                            why=(s.tier_conditions[i],
                                 "whenever its condition holds, a later tier holds too" if i else
                                 "some later tier holds in every state",
                                 "its condition never holds")),))))

    for name, th in policy.thresholds.items():
        term = s.thresholds[name]

        def message(status: str, details: dict, name=name) -> str:
            if status == "proved":
                return f"Threshold {name} holds in some states and not in others."
            if status == "violated":
                if details.get("finding") == "always holds":
                    return f"Threshold {name} always holds, whatever the state, so it distinguishes nothing."
                return f"Threshold {name} never holds, whatever the state."
            return f"Could not decide whether threshold {name} can both hold and fail."

        items.append(((th.span.line, th.span.column, 0), Obligation(
            property="reachability", subject=name, severity="warning", kind="reach", copies=(s,),
            context=s.bounds, message=message, locations=(Location(th.span, "the threshold"),),
            targets=(Target("never holds", term, lambda ds, n=name: ds[0].thresholds[n]),
                     Target("always holds", z3.Not(term), lambda ds, n=name: not ds[0].thresholds[n])))))

    rule_subjects = rule_names(policy)
    lits = _RuleLiterals(policy, s)
    for rule in policy.rules:
        k, a = rule.index, rule.action
        cond = s.rule_holds[k]
        targets = [Target("never holds", cond, lambda ds, k=k: ds[0].rules_holding[k])]
        forbids = [s.rule_holds[r.index] for r in policy.rules_for(a) if r.effect == "forbid"]
        if rule.effect == "permit" and forbids:
            targets.append(Target(
                "never allows", z3.And(cond, z3.Not(disj(forbids, s.ctx))),
                lambda ds, k=k, a=a: ds[0].rules_holding[k] and ds[0].allowed[a],
                witness_claim=lambda ds, k=k, a=a: ds[0].rules_holding[k] and not ds[0].allowed[a]))
        # last, the most general finding: removing the rule changes no verdict
        targets.append(_decisive(policy, s, rule, lits))

        def message(status: str, details: dict, rule=rule) -> str:
            what = f"The {rule.effect} rule for {rule.action} ({_where(rule.span)})"
            if status == "proved":
                return f"{what} takes effect in some state."
            if status == "violated":
                finding = details.get("finding")
                if finding == "never allows":
                    return f"{what} never allows {rule.action}: wherever it holds, a forbid rule overrides it."
                if finding == "never changes a decision":
                    return f"{what} never changes a decision: {_redundancy(policy, rule, details)}."
                return f"{what} never holds: its condition is false in every state."
            return f"Could not decide whether {what[0].lower() + what[1:]} can take effect."

        items.append(((rule.span.line, rule.span.column, 0), Obligation(
            property="reachability", subject=rule_subjects[k], severity="warning", kind="reach",
            copies=(s,), context=s.bounds, message=message,
            locations=(Location(rule.span, "the rule"),), targets=tuple(targets))))

    for r in policy.requirements:
        k = r.index
        active = s.req_active[k] if r.actions else z3.BoolVal(False, s.ctx)

        def message(status: str, details: dict, r=r, k=k) -> str:
            if status == "proved":
                return f"The requirement `{r.text}` is active in some state."
            if status == "violated":
                return f"The requirement `{r.text}` ({_where(r.span)}) is never active: {_inactivity(r, policy)}."
            return f"Could not decide whether the requirement `{r.text}` is ever active."

        items.append(((r.span.line, r.span.column, 1), Obligation(
            property="reachability", subject=f"require {names[k]}", severity="warning", kind="reach",
            copies=(s,), context=s.bounds, message=message,
            locations=(Location(r.span, "the requirement"),),
            targets=(Target("never active", active,
                            lambda ds, k=k: any(k in ks for ks in ds[0].active.values())),))))

    items.sort(key=lambda item: item[0])
    return [ob for _, ob in items]


class _RuleLiterals:
    """Named subformulas for the rules' "changes a decision" targets, so that each target is a
    handful of assumption literals on one solver that holds the definitions once (adding each
    target's formula in a scope of its own costs the solver far more on a long ladder).

    Per rule k a constant for its condition; per action and effect, over its rules r_1..r_m in
    order, `before_i` = some of r_1..r_{i-1} holds and `after_i` = some of r_{i+1}..r_m holds
    (chains, so the definitions stay linear in the number of rules)."""

    def __init__(self, policy: Policy, s: StateEncoding) -> None:
        import z3
        self.ctx = s.ctx
        false = z3.BoolVal(False, s.ctx)
        defs: list = []

        def define(name: str, term):
            const = z3.Bool(f"rspdsl!{name}", s.ctx)
            defs.append(const == term)
            return const

        self.holds = {r.index: define(f"rule{r.index}", s.rule_holds[r.index]) for r in policy.rules}
        # (action, effect) -> (rule indices, before, after), before/after by position
        self.chains: dict[tuple[str, str], tuple[list[int], list, list]] = {}
        for n, a in enumerate(policy.actions):
            for effect in ("permit", "forbid"):
                ks = [r.index for r in policy.rules_for(a) if r.effect == effect]
                before, after = [false], [false]
                for i, k in enumerate(ks[:-1]):
                    before.append(define(f"{effect}{n}before{i + 1}", z3.Or(before[-1], self.holds[k])))
                for i in range(len(ks) - 1, 0, -1):
                    after.insert(0, define(f"{effect}{n}after{i - 1}", z3.Or(after[0], self.holds[ks[i]])))
                self.chains[(a, effect)] = (ks, before, after)
        self.definitions = tuple(defs)

    def alone(self, rule: Rule) -> list:
        """The rule holds and no other rule of its action and effect does."""
        import z3
        ks, before, after = self.chains[(rule.action, rule.effect)]
        i = ks.index(rule.index)
        return [self.holds[rule.index], z3.Not(before[i]), z3.Not(after[i])]

    def some(self, action: str, effect: str):
        """Some rule of `action` with `effect` holds."""
        import z3
        ks, _, after = self.chains[(action, effect)]
        return z3.Or(self.holds[ks[0]], after[0]) if ks else z3.BoolVal(False, self.ctx)


def _decisive(policy: Policy, s: StateEncoding, rule: Rule, lits: _RuleLiterals) -> Target:
    """The target "the rule changes a decision": a state where allowed(A) with the rule differs
    from allowed(A) without it,

        forbid F: F ∧ ¬⋁ other forbids of A ∧ (A is default permit ∨ ⋁ permits of A);
        permit P: A is default deny ∧ P ∧ ¬⋁ other permits of A ∧ ¬⋁ forbids of A.

    Only A's verdict depends on the rule (and allowed(A) is also all that mitigations, monotonic
    and the assertions read of it), so no such state means the rule is redundant. Which rule
    `eval` names as deciding may change without it; verdicts do not."""
    import z3
    k, a = rule.index, rule.action
    default = policy.actions[a].default_permit
    others = [r for r in policy.rules_for(a) if r.index != k]
    same = tuple(r.index for r in others if r.effect == rule.effect)
    permits = tuple(r.index for r in others if r.effect == "permit")
    cond = s.rule_holds[k]
    label = "never changes a decision"
    if rule.effect == "permit" and default:
        # allowed(A) = ¬⋁ forbids whatever the permits: no state, and nothing to name as a cover
        return Target(label, z3.BoolVal(False, s.ctx), lambda ds: False,
                      witness_claim=lambda ds: ds[0].rules_holding[k] and ds[0].allowed[a])

    def cover() -> tuple[Any, tuple[tuple[str, Any], ...]]:
        # each clause: "this other rule does not hold" (a forbid of default deny: also "some permit
        # holds"); with the rule's condition they make up the target, so an unsatisfiable core names
        # what covers the rule
        clauses = [(_rule_name(r), z3.Not(s.rule_holds[r.index]))
                   for r in others if rule.effect == "permit" or r.effect == "forbid"]
        if rule.effect == "forbid" and not default:
            clauses.append((f"no permit for {a} holds", disj([s.rule_holds[j] for j in permits], s.ctx)))
        return cond, tuple(clauses)

    def formula():
        base, clauses = cover()
        return conj([base] + [c for _, c in clauses], s.ctx)

    assume = lits.alone(rule)
    if rule.effect == "forbid" and not default:
        assume.append(lits.some(a, "permit"))
    elif rule.effect == "permit":
        assume.append(z3.Not(lits.some(a, "forbid")))

    def changes(ds) -> bool:
        d = ds[0]
        # the deciding rule is the first forbid that holds, else the first permit: when it is not
        # this rule, the rule does not decide alone (a cheap test for most states)
        by = d.decided_by.get(a)
        return (by is not None and by.index == k and not any(d.rules_holding[j] for j in same)
                and (rule.effect == "permit" or default or any(d.rules_holding[j] for j in permits)))

    return Target(label, formula, changes, witness_claim=lambda ds: ds[0].rules_holding[k] and not changes(ds),
                  cover=cover, assume=tuple(assume), definitions=lits.definitions)


def _redundancy(policy: Policy, rule: Rule, details: dict) -> str:
    """Why removing a rule changes no verdict, naming what covers it."""
    a = rule.action
    if rule.effect == "permit" and policy.actions[a].default_permit:
        return (f"{a} is `default permit`, so it is allowed wherever no forbid holds, with or without "
                "a permit; only forbid rules decide it")
    covered = details.get("covered_by", [])
    forbids = [c for c in covered if c.startswith("forbid ")]
    permits = [c for c in covered if c.startswith("permit ")]
    if rule.effect == "forbid":
        reasons = ([f"by {' or '.join(forbids)}"] if forbids else []) + (
            [f"because no permit for {a} holds"] if f"no permit for {a} holds" in covered else [])
        decided = f"{a} is already denied" + (f" ({', or '.join(reasons)})" if reasons else "")
    else:
        reasons = ([f"allowed by {' or '.join(permits)}"] if permits else []) + (
            [f"denied by {' or '.join(forbids)}"] if forbids else [])
        decided = f"{a} is already {', or '.join(reasons)}" if reasons else f"{a} is decided alike without it"
    return (f"whenever it holds, {decided}, so removing it changes no verdict "
            "(only, at most, which rule `eval` names as deciding)")


# --------------------------------------------------------------------------- assertions

def _assertion(policy: Policy, s: StateEncoding, a) -> Obligation:
    import z3
    name = a.name

    def message(status: str, details: dict) -> str:
        what = f"assertion {name}" + (f" ({a.description})" if a.description else "")
        if status == "proved":
            return f"The {what} holds in every state."
        if status == "violated":
            return f"The {what} fails in some state."
        return f"Could not decide whether the {what} holds in every state."

    return Obligation(
        property=f"assert:{name}", subject=name, severity="error", kind="find", copies=(s,),
        context=s.bounds, message=message, locations=(Location(a.span, "the assertion"),),
        formula=z3.Not(s.assertions[name]),
        confirm=lambda ds: not ds[0].assertions[name],
        # all assertions are checked first as one disjunction: when none can fail, one call proves them all
        group="assertions")
