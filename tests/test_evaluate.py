"""The concrete evaluator: semantics by example, every IR node, and differential checks of the
compiled functions against the definitional evaluator (rspdsl/semantics/interpret.py)."""
from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import well_typed_policy_text

from rspdsl.evaluator import compile_policy, decision_to_json, evaluate
from rspdsl.frontend import load_text
from rspdsl.semantics import interpret, ir
from rspdsl.state import StateError, dumps_exact, read_state, state_to_json


def load(text: str):
    result = load_text(text, "t.rsp")
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


LADDER = """
policy "Ladder" version "1"
metric x in [0, 10]
judgement j
safeguard s1
safeguard s2
safeguard s3
action deploy
action train default permit
action publish default permit
threshold A when x >= 3
threshold B when x >= 6 or j
threshold C when x >= 9
tier L1 { require s1 for deploy, train }
tier L2 when A { require s2 for deploy }
tier L3 when B { require s3 when x >= 7 }
tier L4 when C { }
permit deploy when tier <= L2 and s1
permit deploy when s1 and s2 and s3
forbid train when tier >= L3 and not s3 "Stop"
forbid train when x == 10
permit publish when s1
"""


@pytest.fixture(scope="module")
def ladder():
    return load(LADDER)


def state(policy, **values):
    base = {"x": 0, "j": False, "s1": False, "s2": False, "s3": False}
    base.update(values)
    return read_state(policy, json.dumps(base))


def tier_name(policy, decision):
    return policy.tiers[decision.tier].name


# ---------------------------------------------------------------- semantics by example

def test_first_tier_when_no_tier_holds(ladder):
    assert tier_name(ladder, evaluate(ladder, state(ladder, x=1))) == "L1"


def test_tier_is_the_last_declared_tier_that_holds(ladder):
    assert tier_name(ladder, evaluate(ladder, state(ladder, x=4))) == "L2"
    assert tier_name(ladder, evaluate(ladder, state(ladder, x=9))) == "L4"
    # L3 holds through the judgement while L2 does not: the last holding one wins, not the first
    d = evaluate(ladder, state(ladder, x=1, j=True))
    assert tier_name(ladder, d) == "L3"
    assert d.thresholds == {"A": False, "B": True, "C": False}


def test_threshold_boundary_is_inclusive(ladder):
    assert evaluate(ladder, state(ladder, x=3)).thresholds["A"] is True
    below = read_state(ladder, '{"x": 2.99999999999999999999, "j": false, "s1": false, "s2": false, "s3": false}')
    assert evaluate(ladder, below).thresholds["A"] is False


def test_default_deny_and_decided_by_none(ladder):
    d = evaluate(ladder, state(ladder, x=4))
    assert d.allowed["deploy"] is False and d.decided_by["deploy"] is None


def test_first_holding_permit_decides(ladder):
    d = evaluate(ladder, state(ladder, x=1, s1=True, s2=True, s3=True))
    assert d.allowed["deploy"] is True
    assert d.decided_by["deploy"] is ladder.rules[0]
    d = evaluate(ladder, state(ladder, x=7, s1=True, s2=True, s3=True))
    assert d.decided_by["deploy"] is ladder.rules[1]


def test_default_permit(ladder):
    d = evaluate(ladder, state(ladder, x=1))
    assert d.allowed["train"] is True and d.decided_by["train"] is None


def test_permit_under_default_permit_is_named(ladder):
    d = evaluate(ladder, state(ladder, x=1, s1=True))
    assert d.allowed["publish"] is True and d.decided_by["publish"] is ladder.rules[4]


def test_forbid_overrides_permit_and_first_forbid_decides(ladder):
    d = evaluate(ladder, state(ladder, x=7))
    assert d.allowed["train"] is False and d.decided_by["train"] is ladder.rules[2]
    d = evaluate(ladder, state(ladder, x=10))
    assert d.decided_by["train"] is ladder.rules[2]  # both forbids hold; the first one decides
    d = evaluate(ladder, state(ladder, x=10, s3=True))
    assert d.decided_by["train"] is ladder.rules[3]
    assert d.rules_holding == (False, False, False, True, False)


def test_cumulative_requirements(ladder):
    def texts(d, a):
        return [ladder.requirements[k].text for k in d.active[a]]
    assert texts(evaluate(ladder, state(ladder, x=1)), "deploy") == ["s1"]
    assert texts(evaluate(ladder, state(ladder, x=4)), "deploy") == ["s1", "s2"]
    # at L3 the L3 requirement is active only under its own `when`
    assert texts(evaluate(ladder, state(ladder, x=6)), "deploy") == ["s1", "s2"]
    assert texts(evaluate(ladder, state(ladder, x=7)), "deploy") == ["s1", "s2", "s3"]
    assert texts(evaluate(ladder, state(ladder, x=9)), "train") == ["s1", "s3"]
    assert texts(evaluate(ladder, state(ladder, x=9)), "publish") == ["s3"]  # no `for`: every action


def test_met_and_unmet(ladder):
    d = evaluate(ladder, state(ladder, x=7, s1=True, s3=True))
    assert d.met == (True, False, True)
    assert [r.text for r in d.unmet("deploy")] == ["s2"]
    assert d.unmet("train") == ()


def test_decision_json_shape(ladder):
    d = evaluate(ladder, state(ladder, x=7))
    out = decision_to_json(ladder, d)
    assert out["tier"] == "L3"
    assert out["thresholds"] == {"A": True, "B": True, "C": False}
    train = out["actions"]["train"]
    rule = ladder.rules[2]
    assert train["allowed"] is False
    assert train["decided_by"]["line"] == rule.span.line and train["decided_by"]["column"] == rule.span.column
    assert out["actions"]["deploy"]["decided_by"] is None
    req = ladder.requirements[0]
    assert out["actions"]["deploy"]["unmet"][0] == {"line": req.span.line, "column": req.span.column, "text": "s1"}
    assert list(out["actions"]) == ["deploy", "train", "publish"]


def test_compiled_once_per_policy(ladder):
    assert compile_policy(ladder) is compile_policy(ladder)
    assert compile_policy(load(LADDER)) is not compile_policy(ladder)


def test_decide_reports_a_missing_name(ladder):
    with pytest.raises(StateError):
        compile_policy(ladder).decide({"x": Fraction(1)})


# ---------------------------------------------------------------- every IR node, exactly

NODES = """
policy "Nodes" version "1"
scale level { low, medium, high }
metric a in [0, 1]
metric b in [0, 1]
metric c in [-10, 10]
metric lv : level
judgement j
safeguard s
control k in [0, 100]
action act
threshold SUM when a + b == 0.3
threshold THIRDS when a * 3 == 1
threshold MM when max(a, b) - min(a, b) >= 0.5
threshold LIN when 2 * a - b / 3 + -c > 1
threshold IMP when j implies s
threshold BEQ when (j == s) and (j != (not s))
threshold SCALE when lv >= medium and lv != high
threshold DEP when SUM or (MM and not IMP)
threshold CHAIN when 0.25 <= a < 0.75
tier Z { require k <= 10 * a + 5 }
tier Y when DEP { }
tier X when SCALE and LIN { }
permit act when tier >= Y and tier != X
assert never-x-and-act: not (allowed(act) and tier == X)
"""


@pytest.fixture(scope="module")
def nodes():
    return load(NODES)


def nstate(policy, **values):
    base = {"a": 0, "b": 0, "c": 0, "lv": "low", "j": False, "s": False, "k": 0}
    base.update(values)
    return read_state(policy, base)


def test_exact_arithmetic_where_floats_fail(nodes):
    d = evaluate(nodes, nstate(nodes, a=Fraction(1, 10), b=Fraction(2, 10)))
    assert d.thresholds["SUM"] is True  # 0.1 + 0.2 == 0.3 exactly; false in floats
    assert evaluate(nodes, nstate(nodes, a="1/3")).thresholds["THIRDS"] is True
    assert evaluate(nodes, nstate(nodes, a=Fraction(333333, 1000000))).thresholds["THIRDS"] is False


def test_minmax_mul_neg(nodes):
    assert evaluate(nodes, nstate(nodes, a=Fraction(9, 10), b=Fraction(4, 10))).thresholds["MM"] is True
    assert evaluate(nodes, nstate(nodes, a=Fraction(9, 10), b=Fraction(41, 100))).thresholds["MM"] is False
    # 2a - b/3 - c > 1 at a = 1/2, b = 0, c = 0: 1 > 1 is false; c = -1/1000 makes it true
    assert evaluate(nodes, nstate(nodes, a=Fraction(1, 2))).thresholds["LIN"] is False
    assert evaluate(nodes, nstate(nodes, a=Fraction(1, 2), c=Fraction(-1, 1000))).thresholds["LIN"] is True


def test_implies_and_boolean_equality(nodes):
    assert evaluate(nodes, nstate(nodes, j=True, s=False)).thresholds["IMP"] is False
    assert evaluate(nodes, nstate(nodes, j=False, s=False)).thresholds["IMP"] is True
    assert evaluate(nodes, nstate(nodes, j=True, s=True)).thresholds["BEQ"] is True
    assert evaluate(nodes, nstate(nodes, j=True, s=False)).thresholds["BEQ"] is False


def test_scales_tiers_chains_and_assertions(nodes):
    assert evaluate(nodes, nstate(nodes, lv="medium")).thresholds["SCALE"] is True
    assert evaluate(nodes, nstate(nodes, lv="high")).thresholds["SCALE"] is False
    assert evaluate(nodes, nstate(nodes, a=Fraction(1, 4))).thresholds["CHAIN"] is True
    assert evaluate(nodes, nstate(nodes, a=Fraction(3, 4))).thresholds["CHAIN"] is False
    assert evaluate(nodes, nstate(nodes, j=True, s=False)).thresholds["DEP"] is False  # not IMP, but no MM
    assert evaluate(nodes, nstate(nodes, j=True, s=False, a=1)).thresholds["DEP"] is True
    d = evaluate(nodes, nstate(nodes, a=Fraction(1, 10), b=Fraction(2, 10)))
    assert (nodes.tiers[d.tier].name, d.allowed["act"], d.assertions["never-x-and-act"]) == ("Y", True, True)
    d = evaluate(nodes, nstate(nodes, a=Fraction(1, 10), b=Fraction(2, 10), lv="medium", c=-10))
    assert (nodes.tiers[d.tier].name, d.allowed["act"]) == ("X", False)


def test_requirement_with_arithmetic(nodes):
    d = evaluate(nodes, nstate(nodes, a=Fraction(1, 2), k=10))
    assert d.met == (True,)
    d = evaluate(nodes, nstate(nodes, a=Fraction(1, 2), k=Fraction(100000001, 10000000)))
    assert d.met == (False,)


# ---------------------------------------------------------------- against the definitional evaluator


def policy_constants(policy):
    roots = [t.condition for t in policy.thresholds.values()] + [t.condition for t in policy.tiers]
    roots += [r.condition for r in policy.rules] + [a.body for a in policy.assertions]
    roots += [e for r in policy.requirements for e in (r.commitment, r.condition)]
    return {n.value for e in roots if e is not None for n in ir.walk(e) if isinstance(n, ir.Const)}


def values_for(policy):
    parts = {}
    constants = policy_constants(policy)
    for name, var in policy.variables.items():
        if var.sort == "bool":
            parts[name] = st.booleans()
        elif var.sort == "int":
            parts[name] = st.integers(int(var.lo), int(var.hi))
        else:
            lo = Fraction(-1000) if var.lo is None else Fraction(var.lo)
            hi = Fraction(1000) if var.hi is None else Fraction(var.hi)
            # boundaries, the policy's own constants, and arbitrary rationals in between
            interesting = [lo, hi, Fraction(1, 10), Fraction(2, 10), Fraction(3, 10), Fraction(1, 2),
                           Fraction(1, 3), Fraction(1, 4), Fraction(3, 4), Fraction(9, 10), Fraction(-1), 3, 6, 7, 9, 10,
                           *constants]
            parts[name] = st.one_of(
                st.sampled_from([q for q in map(Fraction, interesting) if lo <= q <= hi]),
                st.fractions(min_value=lo, max_value=hi, max_denominator=1000))
    return st.fixed_dictionaries(parts)


def check_against_reference(policy, s):
    ev = compile_policy(policy)
    d = ev.decide(s)
    oracle = interpret.decide(policy, s)  # rspdsl/semantics/interpret.py: the contract, read literally
    assert (d.tier, d.thresholds, d.allowed) == (oracle.tier, oracle.thresholds, oracle.allowed)
    assert (d.decided_by, d.active, d.met) == (oracle.decided_by, oracle.active, oracle.met)
    assert (d.rules_holding, d.assertions) == (oracle.rules_holding, oracle.assertions)
    # the batch path, on the state's exact JSON, prints what the reference path prints
    line = dumps_exact(state_to_json(policy, s))
    expected = json.dumps(decision_to_json(policy, d), separators=(",", ":"))
    assert ev.decide_line(line) == expected


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_ladder_matches_reference(ladder, data):
    check_against_reference(ladder, data.draw(values_for(ladder)))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_nodes_match_reference(nodes, data):
    check_against_reference(nodes, data.draw(values_for(nodes)))


def decimal_spellings(q: Fraction):
    """Several JSON spellings of one exact value (the batch path must read them all the same)."""
    text = dumps_exact(q)
    out = [text]
    if q.denominator == 1:
        out += [f"{q.numerator}.0", f"{q.numerator}e0", f"{q.numerator * 10}e-1"]
    elif '"' not in text:
        digits = str(int(text.lstrip("-").replace(".", "")))  # JSON forbids leading zeros
        places = len(text.split(".")[1])
        out += [f"{'-' if q < 0 else ''}{digits}e-{places}", f"{text}000", f"{text}E+0"]
    return out


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_batch_path_reads_every_spelling(nodes, data):
    s = data.draw(values_for(nodes))
    ev = compile_policy(nodes)
    expected = json.dumps(decision_to_json(nodes, ev.decide(s)), separators=(",", ":"))
    as_json = state_to_json(nodes, s)
    parts = []
    for name, value in as_json.items():
        if isinstance(value, Fraction):
            parts.append(f'"{name}": {data.draw(st.sampled_from(decimal_spellings(value)))}')
        else:
            parts.append(f'"{name}": {json.dumps(value)}')
    assert ev.decide_line("{" + ", ".join(parts) + "}") == expected


def test_batch_path_rejects_what_read_state_rejects(nodes):
    ev = compile_policy(nodes)
    good = {"a": 0, "b": 0, "c": 0, "lv": "low", "j": False, "s": False, "k": 0}
    bad_lines = [
        json.dumps({**good, "a": 2}), json.dumps({**good, "a": True}), json.dumps({**good, "j": 1}),
        json.dumps({**good, "lv": "lo"}), json.dumps({**good, "lv": 0}), json.dumps({**good, "zz": 1}),
        json.dumps({k: v for k, v in good.items() if k != "a"}), '{"a": 0, "a": 0' + json.dumps(good)[1:],
        json.dumps(good).replace('"a": 0', '"a": NaN'), json.dumps(good).replace('"a": 0', '"a": 1e-99999'),
        "[]", "", "{", json.dumps({**good, "a": "1/0"}),
    ]
    for line in bad_lines:
        with pytest.raises(StateError):
            ev.decide_line(line)


def test_batch_line_for_a_rational_string(nodes):
    ev = compile_policy(nodes)
    line = json.dumps({"a": "1/3", "b": 0, "c": 0, "lv": "low", "j": False, "s": False, "k": 0})
    assert json.loads(ev.decide_line(line))["thresholds"]["THIRDS"] is True


# ---------------------------------------------------------------- deep and wide expressions

def test_deep_and_long_expressions_compile(ladder):

    x = ir.Var("x", "real")
    long_sum = ir.Add(tuple(ir.Mul(Fraction(1, 3), x) for _ in range(600)))   # 200 * x
    deep = ir.Cmp(">=", long_sum, ir.Const(Fraction(600)))                    # x >= 3
    for _ in range(300):
        deep = ir.Not(ir.Not(deep))
    nested = x
    for _ in range(300):
        nested = ir.Neg(ir.Add((nested, ir.Const(Fraction(0)))))
    deep = ir.And((deep, ir.Cmp("==", nested, x)))                             # 300 negations: x == x
    thresholds = dict(ladder.thresholds)
    thresholds["A"] = dataclasses.replace(thresholds["A"], condition=deep)
    policy = dataclasses.replace(ladder, thresholds=thresholds)
    ev = compile_policy(policy)
    for value, expected in [(Fraction(3), True), (Fraction(299, 100), False)]:
        s = {"x": value, "j": False, "s1": False, "s2": False, "s3": False}
        assert ev.decide(s).thresholds["A"] is expected
        assert json.loads(ev.decide_line(dumps_exact(s)))["thresholds"]["A"] is expected
        check_against_reference(policy, s)  # the definitional evaluator needs no recursion


NUMBER_TEXTS = ["0", "-0", "1", "10", "0.5", "1e-1", "3E0", "-0.25", "1.0000000000000000000001", "1e25",
                "99999999999999999999999", "2.5e-3", "7", "100", "-11", "1e-5000", "1e5000", "NaN", "-Infinity"]

UNIT_TEXTS = ["0", "-0", "1", "0.5", "1e-1", "2.5e-3", "0.30000000000000000001", "0.1", "0.2", "0.3", "1.0",
              "0.75", "0.25", "0.7499999999999999999999", '"1/3"', '"2/3"', "1e-4000"]


@st.composite
def messy_lines(draw, policy):
    """Lines near a valid state: some values retyped, some names dropped, added or repeated."""
    names = list(policy.variables)
    pairs = []
    for name in names:
        if draw(st.integers(0, 30)) == 0:
            continue  # missing
        var = policy.variables[name]
        proper = {"bool": "bool", "int": "scale"}.get(var.sort, "unit")
        kinds = [proper] * 12 + ["num", "bool", "str", "null", "ratio", "scale", "array"]
        kind = draw(st.sampled_from(kinds))
        value = {
            "num": draw(st.sampled_from(NUMBER_TEXTS)),
            "unit": draw(st.sampled_from(UNIT_TEXTS)),
            "bool": draw(st.sampled_from(["true", "false"])),
            "str": json.dumps(draw(st.text(max_size=3))),
            "null": "null",
            "ratio": json.dumps(f"{draw(st.integers(-20, 20))}/{draw(st.integers(0, 7))}"),
            "scale": json.dumps(draw(st.sampled_from(["low", "medium", "high", "high", "hihg"]))),
            "array": "[1]",
        }[kind]
        pairs.append(f"{json.dumps(name)}: {value}")
    if draw(st.integers(0, 20)) == 0:
        pairs.append(f"{json.dumps(draw(st.sampled_from(names + ['zz', 'SUM'])))}: 0")
    return "{" + ", ".join(draw(st.permutations(pairs))) + "}"


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_batch_and_reference_paths_agree_on_messy_lines(nodes, data):
    line = data.draw(messy_lines(nodes))
    ev = compile_policy(nodes)
    try:
        s = read_state(nodes, line)
    except StateError as exc:
        with pytest.raises(StateError) as info:
            ev.decide_line(line)
        assert info.value.message == exc.message
        event("rejected")
        return
    event("accepted")
    assert ev.decide_line(line) == json.dumps(decision_to_json(nodes, ev.decide(s)), separators=(",", ":"))


# Text-level edits where JSON readers differ: the batch path's reader (msgspec) must never
# accept a line the reference reader (json) rejects, nor read one differently.
LEXICAL_EDITS = ["", " ", "\t", "\n", "\r\n", "\ufeff", "x", ",", "}", "{}", "\u0000", "\\", '"',
                 '\\ud800', '\\u0041', '\\x41', "01", "+1", "1.", ".5", "-", "1e", "1E+2", "-0.0", "NaN",
                 "Infinity", "\u00e9", "\u2028", "true", "null", "[", "]", ":"]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_batch_reader_accepts_exactly_what_the_reference_reader_accepts(nodes, data):
    valid = st.builds(lambda values: dumps_exact(state_to_json(nodes, values)), values_for(nodes))
    line = data.draw(st.one_of(valid, messy_lines(nodes)))  # edits to valid lines matter most
    # at either end (leading and trailing text) or anywhere inside (names, values, separators)
    cut = data.draw(st.one_of(st.just(0), st.just(len(line)), st.integers(0, len(line))))
    line = line[:cut] + data.draw(st.sampled_from(LEXICAL_EDITS)) + line[cut:]
    ev = compile_policy(nodes)
    try:
        s = read_state(nodes, line)
    except StateError as exc:
        assert ev.line_function()(line) is None
        with pytest.raises(StateError) as info:
            ev.decide_line(line)
        assert info.value.message == exc.message
        return
    assert ev.decide_line(line) == json.dumps(decision_to_json(nodes, ev.decide(s)), separators=(",", ":"))


POLICY_FILES = sorted((Path(__file__).resolve().parent.parent / "policies").glob("*.rsp"))


@pytest.mark.parametrize("path", POLICY_FILES, ids=[p.name for p in POLICY_FILES])
def test_shipped_policies_match_reference(path):
    from rspdsl.frontend import load_file

    result = load_file(str(path))
    assert result.ok, [d.message for d in result.diagnostics]
    policy = result.policy

    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def run(data):
        check_against_reference(policy, data.draw(values_for(policy)))

    run()


def test_single_argument_max_and_min_are_the_argument():
    # found by the differential test: Python's max(x) iterates over x
    from fractions import Fraction

    from rspdsl.evaluator import evaluate
    from rspdsl.frontend import load_text

    policy = load_text('policy "p"\nmetric x in [0, 10]\naction a\ntier t { }\n'
                       'tier u when max(x) >= 5 and min(2 * x) <= 12 { }\npermit a when tier >= u\n').policy
    assert evaluate(policy, {"x": Fraction(6)}).tier == 1
    assert evaluate(policy, {"x": Fraction(7)}).tier == 0
    assert evaluate(policy, {"x": Fraction(4)}).tier == 0


# ---------------------------------------------------------------- action projections

PROJECTION = """
policy "Projection" version "1"
metric x in [0, 1]
metric y in [0, 1]
safeguard s1
safeguard s2
control m in [0, 24]
action train default permit
action deploy
action release default permit
threshold A when x + 0.5 * y >= 0.3
threshold B when x + 0.5 * y >= 0.6 or y >= 0.9
threshold C when y / 3 + x > 0.5
tier T0 { require s1 for train, deploy }
tier T1 when A {
  require s2 for deploy
  require m <= x + 0.5 * y + 6 for train, deploy
}
tier T2 when B or C { }
permit deploy when s1 and x + 0.5 * y <= 0.9
forbid train when tier >= T1 and not s2
forbid release when tier >= T2
assert release-safe: not (allowed(release) and tier >= T2)
assert deploy-secure: allowed(deploy) implies s1
"""


@pytest.fixture(scope="module")
def projection():
    return load(PROJECTION)


def projections(policy):
    """A non-empty list of the policy's actions: any order, repeats allowed (listed once)."""
    return st.lists(st.sampled_from(list(policy.actions)), min_size=1, max_size=len(policy.actions) + 1)


def check_projection(policy, s, asked):
    ev = compile_policy(policy)
    names = list(dict.fromkeys(asked))
    line = dumps_exact(state_to_json(policy, s))
    reference = json.dumps(decision_to_json(policy, ev.decide(s), names), separators=(",", ":"))
    # the compiled fast path itself (None: it hands the line to the reference path)
    try:
        fast = ev.line_function(asked)(line)
    except ArithmeticError:
        fast = None
    event("fast path" if fast is not None else "reference path")
    if fast is not None:
        assert fast == reference
    assert ev.decide_line(line, actions=asked) == reference
    # a projection is the full result with the other actions removed, in the order asked
    full = json.loads(ev.decide_line(line))
    full["actions"] = {name: full["actions"][name] for name in names}
    assert json.dumps(full, separators=(",", ":")) == reference


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_projection_fast_path_matches_reference(projection, data):
    check_projection(projection, data.draw(values_for(projection)), data.draw(projections(projection)))


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_projection_on_the_ladder_and_nodes(ladder, nodes, data):
    policy = data.draw(st.sampled_from([ladder, nodes]))
    check_projection(policy, data.draw(values_for(policy)), data.draw(projections(policy)))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_projection_on_random_policies(data):
    # assertions with allowed(A), requirements with `when`, shared arithmetic: whatever comes up
    policy = load(data.draw(well_typed_policy_text()))
    check_projection(policy, data.draw(values_for(policy)), data.draw(projections(policy)))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_projection_rejects_what_read_state_rejects(projection, data):
    line = data.draw(messy_lines(projection))
    asked = data.draw(projections(projection))
    decide = compile_policy(projection).line_decider(asked)
    try:
        s = read_state(projection, line)
    except StateError as exc:
        with pytest.raises(StateError) as info:
            decide(line)
        assert info.value.message == exc.message and info.value.name == exc.name
        return
    check_projection(projection, s, asked)


def test_projection_decides_only_what_it_needs(projection):
    ev = compile_policy(projection)
    ev.line_decider(["deploy"])
    source = ev._line_sources[("deploy",)]
    assert "a1 = True; p1 = " in source          # deploy: decided and written
    assert "a2 = False\n" in source               # release: an assertion needs its verdict, nothing more
    assert "p2 = " not in source and "L2" not in source
    assert "a0 = " not in source and "L0" not in source   # train: neither decided nor written
    ev.line_decider(["train"])
    assert "a1 = " in ev._line_sources[("train",)]  # deploy-secure needs deploy's verdict


def test_repeated_arithmetic_is_computed_once(projection):
    # `x + 0.5 * y` is a side of four comparisons; the requirement's side differs (+ 6)
    source = compile_policy(projection).source_code
    line_source = source[source.index("def _line"):]
    assert [ln.strip() for ln in line_source.splitlines() if "_C.multiply(K" in ln][0].startswith("t0 = _C.add(")
    assert sum("_C.multiply(K" in ln for ln in line_source.splitlines()) == 2


def test_projection_names_are_checked(projection):
    ev = compile_policy(projection)
    with pytest.raises(ValueError, match="unknown action `deplyo`"):
        ev.line_decider(["deploy", "deplyo"])
    assert ev.projection(["release", "deploy", "release"]) == ("release", "deploy")
    assert ev.projection(None) == ("train", "deploy", "release")
    assert ev.line_function(["deploy", "train"]) is ev.line_function(("deploy", "train", "deploy"))
    line = json.dumps({"x": "1/3", "y": 0, "s1": True, "s2": True, "m": 1})  # a ratio: not the fast path
    assert ev.line_function(["deploy"])(line) is None
    assert ev.reference_line(line, actions=["deploy"]) == ev.decide_line(line, actions=["deploy"])


@pytest.mark.parametrize("asked", [None, ["deploy"]])
def test_batch_path_rejects_a_repeated_name(projection, asked):
    # the fast path decodes without a pairs hook: a repeated name must still be refused
    ev = compile_policy(projection)
    good = {"x": 0.5, "y": 0.25, "s1": True, "s2": False, "m": 3}
    body = json.dumps(good)[1:-1]
    repeats = [(name, json.dumps(value)) for name, value in good.items()] + [("x", '"a,b"'), ("s1", "[1, 2]")]
    for name, value in repeats:
        for line in ["{" + body + f', "{name}": {value}}}', "{" + f'"{name}": {value}, ' + body + "}"]:
            with pytest.raises(StateError, match=f"`{name}` is given more than once"):
                ev.decide_line(line, actions=asked)
    assert json.loads(ev.decide_line(json.dumps(good), actions=asked))["tier"] == "T2"


def test_batch_path_takes_only_json_whitespace_around_the_object(projection):
    ev = compile_policy(projection)
    good = json.dumps({"x": 0.5, "y": 0.25, "s1": True, "s2": False, "m": 3})
    want = ev.decide_line(good)
    for line in [good + "\n", good + " \r\n", "\t" + good, " " + good + " \n"]:
        assert ev.decide_line(line) == want
    for tail in ["\x0b", "\u00a0", "\u2028", "x", " {}", ","]:
        with pytest.raises(StateError) as info:
            ev.decide_line(good + tail)
        with pytest.raises(StateError) as reference:
            read_state(projection, good + tail)
        assert info.value.message == reference.value.message
