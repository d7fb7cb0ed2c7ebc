"""Differential tests: the Z3 encoding against the concrete evaluator (the reference semantics).

1. For random checked policies and random states, every term of the encoding, with the state
   substituted in, simplifies to exactly what the evaluator decides: tier, thresholds, allowed,
   rules holding, requirement activity per action, met, assertions.
2. For random policies, verify() completes without an InternalError (so every witness it found
   was confirmed by the evaluator), and no "proved" result is contradicted by a random state.

Examples: 200 for (1) and 40 for (2) by default, to stay quick in CI. Set
RSPDSL_HYPOTHESIS_EXAMPLES=5000 (say) for a long run; (2) then runs a fifth of that.
"""
from __future__ import annotations

import os
from fractions import Fraction

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import well_typed_policy_text

from rspdsl.evaluator import compile_policy
from rspdsl.frontend import load_text
from rspdsl.logic.encode import encode_state, z3_value
from rspdsl.logic.prover import verify
from rspdsl.semantics import ir

EXAMPLES = int(os.environ.get("RSPDSL_HYPOTHESIS_EXAMPLES", "200"))
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much])


def _policy(text: str):
    loaded = load_text(text, "random.rsp")
    assert loaded.ok, (text, loaded.diagnostics)
    return loaded.policy


def _constants(policy) -> list[Fraction]:
    """Numbers written in the policy: boundaries where evaluator and solver could disagree."""
    exprs = [t.condition for t in policy.thresholds.values()]
    exprs += [t.condition for t in policy.tiers if t.condition is not None]
    exprs += [r.condition for r in policy.rules]
    exprs += [r.commitment for r in policy.requirements] + [r.condition for r in policy.requirements if r.condition]
    exprs += [a.body for a in policy.assertions]
    out = set()
    for e in exprs:
        for node in ir.walk(e):
            if isinstance(node, ir.Const):
                out.add(node.value)
    return sorted(out)


@st.composite
def states(draw, policy):
    consts = _constants(policy)
    state = {}
    for name, v in policy.variables.items():
        if v.sort == "bool":
            state[name] = draw(st.booleans())
        elif v.sort == "int":
            state[name] = draw(st.integers(int(v.lo), int(v.hi)))
        else:
            lo, hi = Fraction(v.lo), Fraction(v.hi)
            near = [c for c in consts if lo <= c <= hi]
            pick = draw(st.sampled_from(["lo", "hi", "const", "mid", "any"]))
            if pick == "const" and near:
                value = draw(st.sampled_from(near))
            elif pick == "lo":
                value = lo
            elif pick == "hi":
                value = hi
            elif pick == "mid":
                value = (lo + hi) / 2
            else:
                k = draw(st.integers(0, 1000))
                value = lo + (hi - lo) * Fraction(k, 1000)
            state[name] = value
    return state


def _eval(term, pairs):
    v = z3.simplify(z3.substitute(term, *pairs)) if pairs else z3.simplify(term)
    if z3.is_true(v):
        return True
    if z3.is_false(v):
        return False
    return v.as_long()


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(data=st.data(), text=well_typed_policy_text(max_vars=3))
def test_encoding_agrees_with_evaluator(data, text):
    policy = _policy(text)
    enc = encode_state(policy)
    ev = compile_policy(policy)
    for _ in range(3):
        state = data.draw(states(policy))
        d = ev.decide(state)
        pairs = [(enc.vars[n], z3_value(policy.variables[n], val)) for n, val in state.items()]
        assert _eval(enc.tier, pairs) == d.tier
        for k in range(len(policy.tiers) + 1):
            assert _eval(enc.tier_ge(k), pairs) == (d.tier >= k)
        assert {n: _eval(t, pairs) for n, t in enc.thresholds.items()} == d.thresholds
        assert {a: _eval(t, pairs) for a, t in enc.allowed.items()} == d.allowed
        assert tuple(_eval(t, pairs) for t in enc.rule_holds) == tuple(d.rules_holding)
        assert tuple(_eval(t, pairs) for t in enc.met) == tuple(d.met)
        for a in policy.actions:
            active = tuple(r.index for r in policy.requirements if _eval(enc.active(a, r.index), pairs))
            assert active == d.active[a]
        assert {n: _eval(t, pairs) for n, t in enc.assertions.items()} == d.assertions


@settings(max_examples=max(10, EXAMPLES // 5), **SETTINGS)
@given(data=st.data(), text=well_typed_policy_text(max_vars=3))
def test_verify_is_confirmed_by_the_evaluator(data, text):
    policy = _policy(text)
    report = verify(policy, timeout_ms=5_000)   # an InternalError (unconfirmed witness) fails the test
    status = {(r.property, r.subject): r.status for r in report.results}
    rule_status = {r.locations[0].span: r.status for r in report.results
                   if r.property == "reachability" and r.subject.startswith(("permit ", "forbid "))}
    ev = compile_policy(policy)
    from rspdsl.logic.obligations import requirement_names
    for _ in range(5):
        d = ev.decide(data.draw(states(policy)))
        for a in policy.actions:
            names = requirement_names(policy, a)
            for k in d.active[a]:
                if d.allowed[a] and not d.met[k]:
                    assert status[("mitigations", f"{a}: {names[k]}")] == "violated"
        assert status[("reachability", policy.tiers[d.tier].name)] == "proved"
        for name, holds in d.assertions.items():
            if not holds:
                assert status[(f"assert:{name}", name)] == "violated"
        for rule, holds in zip(policy.rules, d.rules_holding):
            # a permit that allows here, with no other permit holding, changes this decision: no warning
            alone = not any(h and r.action == rule.action and r.effect == "permit" and r is not rule
                            for r, h in zip(policy.rules, d.rules_holding))
            if holds and rule.effect == "permit" and d.allowed[rule.action] and alone \
                    and not policy.actions[rule.action].default_permit:
                assert rule_status[rule.span] == "proved"
