"""The Z3 encoding: terms agree with the semantics, copies stay apart or share by name, values are exact."""
from __future__ import annotations

from fractions import Fraction

import pytest
import z3

from rspdsl.frontend import load_text
from rspdsl.logic.encode import (
    EncodingError,
    SymbolTable,
    encode_pair,
    encode_state,
    order_constraints,
    state_from_model,
    z3_value,
)
from rspdsl.semantics import ir
from rspdsl.semantics.model import Policy, Requirement, Tier, Variable

POLICY = """
policy "Encoding" version "1"
scale level { low, medium, high }
metric uplift in [0, 1]
metric bio : level
metric compute in [0, 1e25] unit FLOP
judgement ruled_out reassuring
safeguard sec
control interval in [0, 24] unit months
action deploy
action train default permit
threshold T3 when uplift >= 0.5 or bio >= high
threshold T4 when T3 and compute > 2.6e24 and not ruled_out
tier Base { require sec for deploy }
tier Mid when T3 { require interval <= 6 }
tier Top when T4 { }
permit deploy when tier <= Mid and sec
forbid train when tier >= Top and interval > 0.1
require max(interval, 2 * interval - 10) <= 12 for train when compute >= 1e24
assert top-stops: tier == Top implies not allowed(deploy)
"""


@pytest.fixture(scope="module")
def policy() -> Policy:
    loaded = load_text(POLICY, "enc.rsp")
    assert loaded.ok, loaded.diagnostics
    return loaded.policy


def _fix(enc, state):
    return [(enc.vars[n], z3_value(enc.policy.variables[n], v)) for n, v in state.items()]


def _value(term, pairs):
    v = z3.simplify(z3.substitute(term, *pairs))
    if z3.is_true(v) or z3.is_false(v):
        return z3.is_true(v)
    return v.as_long()


def _state(**over):
    base = {"uplift": Fraction(0), "bio": 0, "compute": Fraction(0), "ruled_out": False, "sec": False,
            "interval": Fraction(0)}
    base.update(over)
    return base


@pytest.mark.parametrize("state, tier", [
    (_state(), 0),
    (_state(uplift=Fraction(1, 2)), 1),
    (_state(bio=2), 1),
    (_state(uplift=Fraction(1, 2), compute=Fraction(26 * 10**23 + 1)), 2),
    (_state(uplift=Fraction(1, 2), compute=Fraction(26 * 10**23)), 1),          # strict > at the boundary
    (_state(uplift=Fraction(1, 2), compute=Fraction(10**25), ruled_out=True), 1),
])
def test_tier_term(policy, state, tier):
    enc = encode_state(policy)
    pairs = _fix(enc, state)
    assert _value(enc.tier, pairs) == tier
    for k in range(len(policy.tiers)):
        assert _value(enc.tier_ge(k), pairs) == (tier >= k)
        assert _value(enc.tier_eq(k), pairs) == (tier == k)


def test_allowed_active_met_assertions(policy):
    enc = encode_state(policy)
    s = _state(uplift=Fraction(1, 2), sec=True, interval=Fraction(7), compute=Fraction(10**24))
    pairs = _fix(enc, s)
    assert _value(enc.allowed["deploy"], pairs) is True
    assert _value(enc.allowed["train"], pairs) is True         # default permit, no forbid at Mid
    assert [_value(a, pairs) for a in enc.req_active] == [True, True, True]
    assert [_value(m, pairs) for m in enc.met] == [True, False, True]   # max(7, 4) <= 12
    assert _value(enc.active("deploy", 2), pairs) is False      # requirement 2 binds train only
    assert _value(enc.assertions["top-stops"], pairs) is True


def test_tier_comparisons_match_the_ite_term(policy):
    """The disjunction form of `tier OP k` is equivalent to comparing the Int term."""
    enc = encode_state(policy)
    solver = z3.Solver()
    for op in ("<", "<=", ">", ">=", "==", "!="):
        for k in range(-1, len(policy.tiers) + 1):
            for left, right in ((ir.TierValue(), ir.IntConst(k)), (ir.IntConst(k), ir.TierValue())):
                p = _with_assertion(policy, ir.Cmp(op, left, right))
                term = encode_state(p).assertions["probe"]
                l_term = enc.tier if isinstance(left, ir.TierValue) else z3.IntVal(k)
                r_term = enc.tier if isinstance(right, ir.TierValue) else z3.IntVal(k)
                direct = {"<": l_term < r_term, "<=": l_term <= r_term, ">": l_term > r_term,
                          ">=": l_term >= r_term, "==": l_term == r_term, "!=": l_term != r_term}[op]
                solver.push()
                solver.add(term != direct)
                assert solver.check() == z3.unsat, (op, k)
                solver.pop()


def _with_assertion(policy: Policy, body) -> Policy:
    from dataclasses import replace

    from rspdsl.semantics.model import Assertion
    return replace(policy, assertions=(Assertion("probe", body),))


def test_prefixes_and_symbol_table(policy):
    symbols = SymbolTable()
    a = encode_state(policy, "old.", symbols=symbols)
    b = encode_state(policy, "new.", symbols=symbols)
    assert str(a.vars["uplift"]) == "old.uplift" and str(b.vars["uplift"]) == "new.uplift"
    assert not a.vars["uplift"].eq(b.vars["uplift"])
    sym = symbols.lookup("new.bio")
    assert sym.name == "bio" and sym.prefix == "new." and sym.span == policy.variables["bio"].span
    assert len(symbols) == 2 * len(policy.variables)
    # the same prefix yields the very same constants (Z3 identifies constants by name and sort)
    assert encode_state(policy, "old.").vars["sec"].eq(a.vars["sec"])


def test_sharing_between_two_policies(policy):
    """Two policies over one state, as the differ needs: shared constants by name."""
    other_text = POLICY.replace("permit deploy when tier <= Mid and sec", "permit deploy when sec")
    other = load_text(other_text, "other.rsp").policy
    old = encode_state(policy, "s.")
    new = encode_state(other, "t.", shared=old.vars)
    assert all(new.vars[n].eq(old.vars[n]) for n in policy.variables)
    solver = z3.Solver()
    solver.add(*old.bounds, new.allowed["deploy"], z3.Not(old.allowed["deploy"]))
    assert solver.check() == z3.sat
    state = state_from_model(policy, old.vars, solver.model())
    assert state["sec"] is True and (state["uplift"] >= Fraction(1, 2) or state["bio"] == 2)


def test_sharing_checks_sorts(policy):
    with pytest.raises(EncodingError):
        encode_state(policy, shared={"sec": z3.Real("sec")})


def test_pair_shares_responses_and_orders_inputs(policy):
    lower, higher = encode_pair(policy)
    for v in policy.variables.values():
        same = lower.vars[v.name].eq(higher.vars[v.name])
        assert same == (not v.is_input)
    order = order_constraints(policy, lower, higher)
    solver = z3.Solver()
    solver.add(*lower.bounds, *higher.bounds, *order)
    # reassuring judgement: true in the higher state forces true in the lower one
    solver.push()
    solver.add(higher.vars["ruled_out"], z3.Not(lower.vars["ruled_out"]))
    assert solver.check() == z3.unsat
    solver.pop()
    solver.add(lower.vars["uplift"] > higher.vars["uplift"])
    assert solver.check() == z3.unsat


def test_model_values_are_exact(policy):
    enc = encode_state(policy)
    solver = z3.Solver()
    solver.add(*enc.bounds, enc.vars["uplift"] == z3.RealVal("1/10"),
               enc.vars["compute"] == z3.RealVal(10**25 - 1), enc.vars["bio"] == 1)
    assert solver.check() == z3.sat
    state = enc.read(solver.model())
    assert state["uplift"] == Fraction(1, 10) and isinstance(state["uplift"], Fraction)
    assert state["compute"] == 10**25 - 1
    assert state["bio"] == 1 and isinstance(state["bio"], int)
    assert set(state) == set(policy.variables)


def test_unconstrained_values_stay_in_bounds():
    policy = load_text('policy "p"\nmetric m in [2, 5]\ncontrol c in [-3, -1]\nsafeguard s\n'
                       'action a\ntier T { }\n', "p.rsp").policy
    enc = encode_state(policy)
    solver = z3.Solver()  # no bounds asserted: nothing constrains the constants
    assert solver.check() == z3.sat
    state = enc.read(solver.model())
    assert state == {"m": 2, "c": -1, "s": False}


def test_deep_expressions_do_not_recurse():
    depth = 5000
    expr = ir.Var("x", "real")
    for _ in range(depth):
        expr = ir.Add((expr, ir.Const(Fraction(1))))
    cond = ir.Cmp(">=", expr, ir.Const(Fraction(depth)))
    for _ in range(depth):
        cond = ir.Not(ir.Not(cond))
    policy = _bare_policy(cond)
    enc = encode_state(policy)
    solver = z3.Solver()
    solver.add(*enc.bounds, enc.req_active[0])
    assert solver.check() == z3.sat
    solver.add(enc.vars["x"] < 0)
    assert solver.check() == z3.unsat


def _bare_policy(condition) -> Policy:
    from rspdsl.source import SourceFile
    x = Variable("x", "metric", "real", Fraction(-1), Fraction(1))
    return Policy(source=SourceFile("<ir>", ""), title="ir", version=None, scales={}, variables={"x": x},
                  actions={}, thresholds={}, tiers=(Tier("T", 0, None),), rules=(),
                  requirements=(Requirement(0, ir.BoolConst(True), "true", (), None, condition),),
                  assertions=())


def test_unknown_names_are_encoding_errors():
    with pytest.raises(EncodingError):
        encode_state(_bare_policy(ir.Var("nope", "real")))
    with pytest.raises(EncodingError):
        encode_state(_bare_policy(ir.AllowedRef("deploy")))


def test_the_fast_connectives_make_z3s_own_terms_and_defer_to_z3_otherwise():
    import z3

    from rspdsl.logic import boolops

    ctx = z3.Context()
    p, q, r = (z3.Bool(n, ctx) for n in "pqr")
    x = z3.Real("x", ctx)
    for ours, theirs in [(boolops.And(p, q, r), z3.And(p, q, r)), (boolops.Or(p, x > 1), z3.Or(p, x > 1)),
                         (boolops.Not(q), z3.Not(q)), (boolops.Implies(p, r), z3.Implies(p, r)),
                         (boolops.And(z3.ForAll([x], x * 0 == 0), p), z3.And(z3.ForAll([x], x * 0 == 0), p))]:
        assert ours.eq(theirs) and ours.ctx is ctx
    # a Python bool or a list: z3's own function converts it, as before
    assert boolops.And(p, True).eq(z3.And(p, True)) and boolops.Or([p, q]).eq(z3.Or([p, q]))
    assert boolops.Not(False).eq(z3.Not(False))
    # terms of two contexts: z3's own error, not a silent mix
    other = z3.Bool("p", z3.Context())
    with pytest.raises(z3.Z3Exception):
        boolops.And(p, other)
