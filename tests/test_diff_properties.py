"""Property tests of `rspdsl diff` against the concrete evaluator.

- diff(p, p) is equivalent, and so is diff(p, p with its declarations reordered);
- diff(p, mutate(p)) reports a change of the right kind, aspect and action whenever the evaluator,
  on random states, finds evidence that the two revisions differ in that aspect.
"""
from __future__ import annotations

import os
import random
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import well_typed_modules, well_typed_policy_text

from rspdsl.analyses.diff import diff_policies
from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_text
from rspdsl.render.messages import change_message
from rspdsl.semantics import ir
from rspdsl.semantics.model import Policy
from rspdsl.syntax import ast
from rspdsl.syntax.format import format_module

SETTINGS = settings(max_examples=int(os.environ.get("RSPDSL_DIFF_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATES_PER_EXAMPLE = 40


def load(text: str, path: str = "p.rsp") -> Policy:
    result = load_text(text, path)
    assert result.ok, result.diagnostics
    return result.policy


def _roots(policy: Policy) -> list:
    roots = [t.condition for t in policy.thresholds.values()]
    roots += [t.condition for t in policy.tiers if t.condition is not None]
    roots += [r.condition for r in policy.rules]
    roots += [r.commitment for r in policy.requirements]
    roots += [r.condition for r in policy.requirements if r.condition is not None]
    return roots + [a.body for a in policy.assertions]


@SETTINGS
@given(well_typed_policy_text())
def test_a_policy_is_equivalent_to_itself(text):
    report = diff_policies(load(text, "old.rsp"), load(text, "new.rsp"), timeout_ms=20_000)
    assert report.verdict == "equivalent", [change_message(c) for c in report.changes]
    assert report.changes == () and report.unknowns == ()
    assert report.declarations == ()
    assert report.exit_code() == 0


@SETTINGS
@given(well_typed_modules(), st.randoms(use_true_random=False))
def test_reordering_declarations_is_equivalent(module, rnd):
    # declarations are order-free except the policy header (first) and the tiers (the ladder)
    head, rest = module.declarations[0], list(module.declarations[1:])
    tiers = [d for d in rest if isinstance(d, ast.TierDecl)]
    rnd.shuffle(rest)
    it = iter(tiers)
    rest = [next(it) if isinstance(d, ast.TierDecl) else d for d in rest]
    old, new = format_module(module), format_module(ast.Module((head, *rest)))
    report = diff_policies(load(old, "old.rsp"), load(new, "new.rsp"), timeout_ms=20_000)
    assert report.verdict == "equivalent", [change_message(c) for c in report.changes]


# ----------------------------------------------------------------------------- mutations

def _reindexed(policy: Policy, *, rules=None, requirements=None) -> Policy:
    changes = {}
    if rules is not None:
        changes["rules"] = tuple(replace(r, index=k) for k, r in enumerate(rules))
    if requirements is not None:
        changes["requirements"] = tuple(replace(r, index=k) for k, r in enumerate(requirements))
    return replace(policy, **changes)


MUTATIONS = ("flip_rule", "drop_rule", "drop_requirement", "toggle_default", "threshold", "tier",
             "requirement_actions")


def mutate(policy: Policy, kind: str, rnd: random.Random) -> tuple[Policy, str]:
    """A change of meaning of the given kind (toggling a default when the policy has nothing of
    that kind)."""
    rules, reqs = list(policy.rules), list(policy.requirements)
    if kind == "flip_rule" and rules:
        k = rnd.randrange(len(rules))
        rules[k] = replace(rules[k], effect="forbid" if rules[k].effect == "permit" else "permit")
        return _reindexed(policy, rules=rules), kind
    if kind == "drop_rule" and rules:
        del rules[rnd.randrange(len(rules))]
        return _reindexed(policy, rules=rules), kind
    if kind == "drop_requirement" and reqs:
        del reqs[rnd.randrange(len(reqs))]
        return _reindexed(policy, requirements=reqs), kind
    if kind == "requirement_actions" and reqs:
        k = rnd.randrange(len(reqs))
        actions = tuple(a for a in policy.actions if rnd.random() < 0.5) or (next(iter(policy.actions)),)
        reqs[k] = replace(reqs[k], actions=actions)
        return _reindexed(policy, requirements=reqs), kind
    if kind == "threshold" and policy.thresholds:
        name = rnd.choice(list(policy.thresholds))
        thresholds = dict(policy.thresholds)
        thresholds[name] = replace(thresholds[name], condition=ir.BoolConst(rnd.random() < 0.5))
        return replace(policy, thresholds=thresholds), kind
    if kind == "tier" and len(policy.tiers) > 1:
        i = rnd.randrange(1, len(policy.tiers))
        tiers = list(policy.tiers)
        tiers[i] = replace(tiers[i], condition=ir.BoolConst(rnd.random() < 0.5))
        return replace(policy, tiers=tuple(tiers)), kind
    actions = dict(policy.actions)
    name = rnd.choice(list(actions))
    actions[name] = replace(actions[name], default_permit=not actions[name].default_permit)
    return replace(policy, actions=actions), "toggle_default"


# ----------------------------------------------------------------------------- random states

def _constants(policy: Policy) -> set[Fraction]:
    return {n.value for root in _roots(policy) for n in ir.walk(root) if isinstance(n, ir.Const)}


def random_states(policy: Policy, rnd: random.Random, n: int) -> list[dict]:
    consts = sorted(_constants(policy))
    states = []
    for _ in range(n):
        state: dict = {}
        for name, var in policy.variables.items():
            if var.sort == "bool":
                state[name] = rnd.random() < 0.5
            elif var.sort == "int":
                state[name] = rnd.randint(int(var.lo), int(var.hi))
            else:
                lo, hi = Fraction(var.lo), Fraction(var.hi)
                near = [c + d for c in consts for d in (Fraction(-1, 1000), 0, Fraction(1, 1000))
                        if lo <= c + d <= hi]
                pool = [lo, hi, (lo + hi) / 2] + near
                state[name] = rnd.choice(pool) if rnd.random() < 0.7 else \
                    lo + (hi - lo) * Fraction(rnd.randint(0, 1000), 1000)
        states.append(state)
    return states


def expected_changes(old: Policy, new: Policy, states: list[dict]) -> set[tuple[str, str, str | None]]:
    """(kind, aspect, action or "tier NAME") the evaluator has evidence for on these states."""
    e_old, e_new = compile_policy(old), compile_policy(new)
    decisions = [(e_old.decide(s), e_new.decide(s)) for s in states]
    out: set = set()
    for d_old, d_new in decisions:
        for a in old.actions:
            if a in new.actions and d_old.allowed[a] != d_new.allowed[a]:
                out.add(("weakening" if d_new.allowed[a] else "strengthening", "permission", a))
        for t in old.tiers:
            i, j = t.index, new.tier_index(t.name)
            if (d_old.tier >= i) != (d_new.tier >= j):
                out.add(("weakening" if d_old.tier >= i else "strengthening", "tier", f"tier {t.name}"))
        for a in old.actions:
            for kind, has, other in (("weakening", d_old, d_new), ("strengthening", d_new, d_old)):
                have = has.active[a]
                covering = other.active[a]
                # evidence that what `other` demands here does not imply commitment k: a state where
                # all of other's active commitments hold and k does not
                for k in have:
                    for t_old, t_new in decisions:
                        t_has, t_other = (t_old, t_new) if kind == "weakening" else (t_new, t_old)
                        if all(t_other.met[j] for j in covering) and not t_has.met[k]:
                            out.add((kind, "requirement", a))
                            break
    return out


@pytest.mark.parametrize("kind", MUTATIONS)
@settings(SETTINGS, max_examples=max(1, SETTINGS.max_examples // 3))
@given(text=well_typed_policy_text(), seed=st.integers(0, 2**32))
def test_diff_reports_every_difference_the_evaluator_finds(kind, text, seed):
    rnd = random.Random(seed)  # uniform choices (a Hypothesis random leans to the first option)
    old = load(text, "old.rsp")
    new, _ = mutate(load(text, "new.rsp"), kind, rnd)
    states = random_states(old, rnd, STATES_PER_EXAMPLE)
    for a, b in ((old, new), (new, old)):
        expected = expected_changes(a, b, states)
        report = diff_policies(a, b, timeout_ms=20_000)
        assert report.unknowns == ()
        found = {(c.kind, c.aspect, c.subject if c.aspect == "tier" else c.action) for c in report.changes}
        assert expected <= found, (expected - found, text)
        if not found:
            assert report.verdict == "equivalent"
