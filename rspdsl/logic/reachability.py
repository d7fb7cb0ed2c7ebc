"""Reachability obligations: every tier is reached by some state, and every threshold, rule and
requirement can matter (a threshold that always or never holds, a rule that never holds, never
allows or never changes a decision, a requirement that is never active are findings).

Data only, like rspdsl.logic.obligations (whose types these obligations use); the prover checks
the targets in order and names what rules a target out (details of each in Target).
"""
from __future__ import annotations

from typing import Any

from ..semantics.model import Policy, Requirement, Rule
from ..source import Location
from .boolops import And, Not, Or
from .encode import StateEncoding, conj, disj
from .facts import (
    Cover,
    Finding,
    Inactivity,
    NoPermit,
    RequirementReach,
    Role,
    RuleReach,
    ThresholdReach,
    TierReach,
    Why,
)
from .names import requirement_names, rule_names
from .obligations import Obligation, Target, rule_ref


def reachability(policy: Policy, s: StateEncoding) -> list[Obligation]:
    """The reachability obligations, in source order."""
    names = requirement_names(policy)
    items: list[tuple[tuple, Obligation]] = []
    for t in policy.tiers:
        items.append(((t.span.line, t.span.column, 0), _tier(s, t)))
    for name, th in policy.thresholds.items():
        items.append(((th.span.line, th.span.column, 0), _threshold(s, name, th)))
    rule_subjects = rule_names(policy)
    lits = _RuleLiterals(policy, s)
    for rule in policy.rules:
        items.append(((rule.span.line, rule.span.column, 0), _rule(policy, s, rule, rule_subjects[rule.index], lits)))
    for r in policy.requirements:
        items.append(((r.span.line, r.span.column, 1), _requirement(policy, s, r, names[r.index])))
    items.sort(key=lambda item: item[0])
    return [ob for _, ob in items]


def _tier(s: StateEncoding, t) -> Obligation:
    i = t.index
    return Obligation(
        property="reachability", subject=t.name, severity="error", kind="reach", copies=(s,),
        context=s.bounds, facts=TierReach(tier=t.name), locations=(Location(t.span, Role.TIER),),
        targets=(Target(Finding.NEVER_REACHED, s.tier_eq(i), lambda ds: ds[0].tier == i,
                        why=(s.tier_conditions[i], Why.LATER_TIER_WHEN if i else Why.LATER_TIER_ALWAYS,
                             Why.NEVER)),))


def _threshold(s: StateEncoding, name: str, th) -> Obligation:
    term = s.thresholds[name]
    return Obligation(
        property="reachability", subject=name, severity="warning", kind="reach", copies=(s,),
        context=s.bounds, facts=ThresholdReach(threshold=name), locations=(Location(th.span, Role.THRESHOLD),),
        targets=(Target(Finding.NEVER_HOLDS, term, lambda ds: ds[0].thresholds[name]),
                 Target(Finding.ALWAYS_HOLDS, Not(term), lambda ds: not ds[0].thresholds[name])))


def _rule(policy: Policy, s: StateEncoding, rule: Rule, subject: str, lits: _RuleLiterals) -> Obligation:
    k, a = rule.index, rule.action
    cond = s.rule_holds[k]
    targets = [Target(Finding.NEVER_HOLDS, cond, lambda ds: ds[0].rules_holding[k])]
    forbids = [s.rule_holds[r.index] for r in policy.rules_for(a) if r.effect == "forbid"]
    if rule.effect == "permit" and forbids:
        targets.append(Target(
            Finding.NEVER_ALLOWS, And(cond, Not(disj(forbids, s.ctx))),
            lambda ds: ds[0].rules_holding[k] and ds[0].allowed[a],
            witness_claim=lambda ds: ds[0].rules_holding[k] and not ds[0].allowed[a]))
    # last, the most general finding: removing the rule changes no verdict
    targets.append(_decisive(policy, s, rule, lits))
    return Obligation(
        property="reachability", subject=subject, severity="warning", kind="reach",
        copies=(s,), context=s.bounds,
        facts=RuleReach(rule=rule_ref(rule), default_permit=policy.actions[a].default_permit),
        locations=(Location(rule.span, Role.RULE),), targets=tuple(targets))


def _requirement(policy: Policy, s: StateEncoding, r: Requirement, name: str) -> Obligation:
    import z3
    k = r.index
    active = s.req_active[k] if r.actions else z3.BoolVal(False, s.ctx)
    inactivity, tier = _inactivity(r, policy)
    return Obligation(
        property="reachability", subject=f"require {name}", severity="warning", kind="reach",
        copies=(s,), context=s.bounds,
        facts=RequirementReach(requirement=r.text, line=r.span.line, inactivity=inactivity, tier=tier),
        locations=(Location(r.span, Role.REQUIREMENT),),
        targets=(Target(Finding.NEVER_ACTIVE, active, lambda ds: any(k in ks for ks in ds[0].active.values())),))


def _inactivity(r: Requirement, policy: Policy) -> tuple[Inactivity, str | None]:
    """Why a requirement could never be active, as far as its declaration goes (and its tier)."""
    if not r.actions:
        return Inactivity.NO_ACTION, None
    tiered = r.tier is not None and r.tier > 0
    tier = policy.tiers[r.tier].name if tiered and r.tier is not None else None
    if tiered and r.condition is not None:
        return Inactivity.TIER_AND_CONDITION, tier
    if tiered:
        return Inactivity.TIER, tier
    return Inactivity.CONDITION, None


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
                    before.append(define(f"{effect}{n}before{i + 1}", Or(before[-1], self.holds[k])))
                for i in range(len(ks) - 1, 0, -1):
                    after.insert(0, define(f"{effect}{n}after{i - 1}", Or(after[0], self.holds[ks[i]])))
                self.chains[(a, effect)] = (ks, before, after)
        self.definitions = tuple(defs)

    def alone(self, rule: Rule) -> list:
        """The rule holds and no other rule of its action and effect does."""
        ks, before, after = self.chains[(rule.action, rule.effect)]
        i = ks.index(rule.index)
        return [self.holds[rule.index], Not(before[i]), Not(after[i])]

    def some(self, action: str, effect: str):
        """Some rule of `action` with `effect` holds."""
        import z3
        ks, _, after = self.chains[(action, effect)]
        return Or(self.holds[ks[0]], after[0]) if ks else z3.BoolVal(False, self.ctx)


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
    label = Finding.NEVER_CHANGES
    if rule.effect == "permit" and default:
        # allowed(A) = ¬⋁ forbids whatever the permits: no state, and nothing to name as a cover
        return Target(label, z3.BoolVal(False, s.ctx), lambda ds: False,
                      witness_claim=lambda ds: ds[0].rules_holding[k] and ds[0].allowed[a])

    def cover() -> tuple[Any, tuple[tuple[Cover, Any], ...]]:
        # each clause: "this other rule does not hold" (a forbid of default deny: also "some permit
        # holds"); with the rule's condition they make up the target, so an unsatisfiable core names
        # what covers the rule
        clauses: list[tuple[Cover, Any]] = [(rule_ref(r), Not(s.rule_holds[r.index]))
                                            for r in others if rule.effect == "permit" or r.effect == "forbid"]
        if rule.effect == "forbid" and not default:
            clauses.append((NoPermit(a), disj([s.rule_holds[j] for j in permits], s.ctx)))
        return cond, tuple(clauses)

    def formula():
        base, clauses = cover()
        return conj([base] + [c for _, c in clauses], s.ctx)

    assume = lits.alone(rule)
    if rule.effect == "forbid" and not default:
        assume.append(lits.some(a, "permit"))
    elif rule.effect == "permit":
        assume.append(Not(lits.some(a, "forbid")))

    def changes(ds) -> bool:
        d = ds[0]
        # the deciding rule is the first forbid that holds, else the first permit: when it is not
        # this rule, the rule does not decide alone (a cheap test for most states)
        by = d.decided_by.get(a)
        return (by is not None and by.index == k and not any(d.rules_holding[j] for j in same)
                and (rule.effect == "permit" or default or any(d.rules_holding[j] for j in permits)))

    return Target(label, formula, changes, witness_claim=lambda ds: ds[0].rules_holding[k] and not changes(ds),
                  cover=cover, assume=tuple(assume), definitions=lits.definitions)
