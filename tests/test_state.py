"""Reading and writing states exactly: numbers, validation categories, the exact JSON writer."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rspdsl.frontend import load_text
from rspdsl.state import MAX_EXPONENT, StateError, dumps_exact, number_text, read_state, state_to_json

POLICY = """
policy "State test" version "1"
scale level { low, medium, high, critical }
metric uplift in [0, 1]
metric compute in [0, 1e30] unit FLOP
metric bio : level
metric delta in [-5, 5]
judgement panel
safeguard secure
control interval in [0, 24] unit months
action deploy
threshold BIG when compute >= 1e25
tier T0 { require secure for deploy }
tier T1 when BIG or uplift >= 0.5 or panel or bio >= high { require interval <= 6 }
permit deploy when secure and delta <= 1
"""


@pytest.fixture(scope="module")
def policy():
    result = load_text(POLICY, "state_test.rsp")
    assert result.ok, result.diagnostics
    return result.policy


def good(**overrides):
    state = {"uplift": 0.25, "compute": 1e20, "bio": "low", "delta": 0, "panel": False,
             "secure": True, "interval": 3}
    state.update(overrides)
    return state


def text(**overrides) -> str:
    # json.dumps writes floats; tests needing an exact literal pass it through `raw`
    return json.dumps(good(**overrides))


def with_raw(name: str, literal: str) -> str:
    state = good()
    state[name] = "@@"
    return json.dumps(state).replace('"@@"', literal)


# ---------------------------------------------------------------- exact numbers

def test_decimal_literal_is_exact(policy):
    s = read_state(policy, with_raw("uplift", "0.1"))
    assert s["uplift"] == Fraction(1, 10)
    assert isinstance(s["uplift"], Fraction)


def test_exponent_literals_are_exact(policy):
    assert read_state(policy, with_raw("compute", "1e25"))["compute"] == 10 ** 25
    below = read_state(policy, with_raw("compute", "9.999999999999999999e24"))["compute"]
    assert below < 10 ** 25  # as a float, this literal would round to exactly 1e25
    assert below == Fraction(9999999999999999999, 10 ** 18) * 10 ** 24
    assert read_state(policy, with_raw("compute", "10000000000000000000000000"))["compute"] == 10 ** 25


def test_bounds_are_inclusive(policy):
    assert read_state(policy, with_raw("uplift", "0"))["uplift"] == 0
    assert read_state(policy, with_raw("uplift", "1.0"))["uplift"] == 1
    assert read_state(policy, with_raw("delta", "-5"))["delta"] == -5
    assert read_state(policy, with_raw("compute", "1e30"))["compute"] == 10 ** 30


@pytest.mark.parametrize("name,literal", [
    ("uplift", "1.0000000000000000000001"),
    ("uplift", "-0.0000000000000000000001"),
    ("delta", "-5.000000001"),
    ("compute", "1.0000000000000000000001e30"),
    ("interval", "25"),
])
def test_just_outside_bounds_is_rejected(policy, name, literal):
    with pytest.raises(StateError) as info:
        read_state(policy, with_raw(name, literal))
    assert info.value.name == name
    assert "outside its bounds" in info.value.message


def test_rational_string_extension(policy):
    assert read_state(policy, text(uplift="1/3"))["uplift"] == Fraction(1, 3)
    assert read_state(policy, text(delta="-7/2"))["delta"] == Fraction(-7, 2)
    for bad in ["1/0", "one third", "0.5", "1/3/4", ""]:
        with pytest.raises(StateError) as info:
            read_state(policy, text(uplift=bad))
        assert info.value.name == "uplift"
    with pytest.raises(StateError, match="outside"):
        read_state(policy, text(uplift="4/3"))


def test_negative_zero_and_integers(policy):
    s = read_state(policy, with_raw("delta", "-0.0"))
    assert s["delta"] == 0
    assert read_state(policy, text(interval=24))["interval"] == 24


def test_decoded_mappings_are_accepted(policy):
    s = read_state(policy, {**good(), "uplift": Fraction(1, 3), "compute": 10 ** 25})
    assert s["uplift"] == Fraction(1, 3) and s["compute"] == 10 ** 25
    assert read_state(policy, good(uplift=0.1))["uplift"] == Fraction(1, 10)  # a float by its spelling


# ---------------------------------------------------------------- every bad-state category

def expect_error(policy, obj_or_text, name, *fragments):
    with pytest.raises(StateError) as info:
        read_state(policy, obj_or_text, origin="s.json")
    err = info.value
    assert err.name == name, err.message
    for fragment in fragments:
        assert fragment in err.message, err.message
    assert str(err).startswith("s.json: ")
    return err


def test_missing_names(policy):
    state = good()
    del state["interval"]
    del state["panel"]
    expect_error(policy, json.dumps(state), "panel", "missing", "judgement", "interval")


def test_unknown_name_with_hint(policy):
    expect_error(policy, json.dumps({**good(), "uplfit": 0.5}), "uplfit", "unknown name", "did you mean `uplift`")


def test_computed_names_are_not_inputs(policy):
    expect_error(policy, json.dumps({**good(), "BIG": True}), "BIG", "threshold")
    expect_error(policy, json.dumps({**good(), "deploy": True}), "deploy", "action")
    expect_error(policy, json.dumps({**good(), "T1": True}), "T1", "tier")


def test_booleans_are_not_numbers(policy):
    expect_error(policy, text(uplift=True), "uplift", "metric", "not true")
    expect_error(policy, text(secure=1), "secure", "safeguard", "true or false", "number 1")
    expect_error(policy, text(panel=0), "panel", "judgement")
    expect_error(policy, text(interval=False), "interval", "control")


def test_mistyped_values(policy):
    expect_error(policy, text(uplift=None), "uplift", "null")
    expect_error(policy, text(uplift=[0.5]), "uplift", "array")
    expect_error(policy, text(secure="true"), "secure", "string")
    expect_error(policy, text(bio=2), "bio", "scale `level`", "low, medium, high, critical")
    expect_error(policy, text(bio={"v": "low"}), "bio", "object")


def test_unknown_scale_value(policy):
    expect_error(policy, text(bio="hihg"), "bio", "not a value of scale", "did you mean `high`")


def test_scale_values_are_indices(policy):
    assert read_state(policy, text(bio="low"))["bio"] == 0
    assert read_state(policy, text(bio="critical"))["bio"] == 3


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(policy, literal):
    expect_error(policy, with_raw("uplift", literal), "uplift", literal)


def test_duplicate_keys_are_rejected(policy):
    doubled = text().replace('"uplift": 0.25', '"uplift": 0.25, "uplift": 0.75')
    expect_error(policy, doubled, "uplift", "more than once")


def test_malformed_json_reports_position(policy):
    err = expect_error(policy, '{"uplift": 0.5,\n  "compute": }', None, "invalid JSON", "line 2")
    assert (err.line, err.column) == (2, 14)


@pytest.mark.parametrize("doc,fragment", [("[1, 2]", "array"), ('"x"', "string"), ("3", "number"),
                                          ("null", "null"), ("", "invalid JSON")])
def test_state_must_be_an_object(policy, doc, fragment):
    expect_error(policy, doc, None, fragment)


def test_extreme_exponents_are_refused_not_expanded(policy):
    expect_error(policy, with_raw("uplift", "1e-999999999"), "uplift", "exponent")
    expect_error(policy, with_raw("compute", "1e999999999"), "compute")  # out of bounds, quickly
    assert read_state(policy, with_raw("uplift", f"1e-{MAX_EXPONENT}"))["uplift"] == Fraction(1, 10 ** MAX_EXPONENT)
    assert read_state(policy, with_raw("uplift", "0e-999999999"))["uplift"] == 0


def test_states_at_the_literal_extremes_read_back():
    # A witness is built from the policy's constants; whatever a policy may spell, the state
    # reader must read back when the witness is replayed (rspdsl/numbers.py ties the bounds).
    from rspdsl.numbers import LITERAL_MAX_DIGITS, LITERAL_MAX_EXPONENT

    big = f"1e{LITERAL_MAX_EXPONENT}"
    extreme = load_text(f'policy "Extreme" version "1"\nmetric m in [-{big}, {big}]\naction act\n'
                        f'tier T0 {{ }}\ntier T1 when m >= 1 {{ }}\npermit act when m <= -{big} + 1\n', "extreme.rsp")
    assert extreme.ok, [d.message for d in extreme.diagnostics]
    fine = Fraction(int("7" * LITERAL_MAX_DIGITS), int("9" * LITERAL_MAX_DIGITS))
    for value in (Fraction(10) ** LITERAL_MAX_EXPONENT, -Fraction(10) ** LITERAL_MAX_EXPONENT,
                  Fraction(1, 10 ** LITERAL_MAX_EXPONENT), fine, Fraction(10) ** LITERAL_MAX_EXPONENT - fine):
        state = {"m": value}
        assert read_state(extreme.policy, dumps_exact(state_to_json(extreme.policy, state))) == state


def test_overlong_integer_literal(policy):
    expect_error(policy, with_raw("compute", "1" * 5000), "compute", "exponent")


def test_bytes_input(policy):
    assert read_state(policy, ("\ufeff" + text()).encode("utf-8"))["uplift"] == Fraction(1, 4)
    expect_error(policy, b'{"uplift": "\xff"}', None, "UTF-8")


def test_errors_name_the_first_problem_in_declaration_order(policy):
    expect_error(policy, text(uplift=2, secure=3), "uplift")


# ---------------------------------------------------------------- writing

def test_number_text():
    assert number_text(Fraction(1, 10)) == "0.1"
    assert number_text(Fraction(10 ** 25)) == "10000000000000000000000000"
    assert number_text(Fraction(-5, 2)) == "-2.5"
    assert number_text(Fraction(1, 3)) == "1/3"
    assert number_text(Fraction(-1, 1024)) == "-0.0009765625"
    assert number_text(Fraction(3, 40)) == "0.075"
    assert number_text(0) == "0"


def test_dumps_exact_numbers():
    assert dumps_exact([Fraction(1, 10), Fraction(10 ** 25), Fraction(2, 3), 7, True, None]) == \
        '[0.1, 10000000000000000000000000, "2/3", 7, true, null]'


def test_state_to_json_form(policy):
    s = read_state(policy, text(bio="high", uplift="1/3"))
    out = state_to_json(policy, s)
    assert list(out) == list(policy.variables)
    assert out["bio"] == "high"
    assert json.loads(dumps_exact(out))["uplift"] == "1/3"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=100)
@given(json_values, st.sampled_from([None, 2, 4]))
def test_dumps_exact_matches_json_dumps_without_fractions(value, indent):
    expected = json.dumps(value, indent=indent) if indent else json.dumps(value)
    assert dumps_exact(value, indent=indent) == expected


def _fraction_in(lo: Fraction, hi: Fraction):
    width = hi - lo
    return st.one_of(
        st.sampled_from([lo, hi]),
        st.builds(lambda n, d: lo + width * Fraction(n % (d + 1), d), st.integers(0, 10 ** 6), st.integers(1, 10 ** 6)),
        st.builds(lambda n, e: max(lo, min(hi, Fraction(n, 10 ** e))), st.integers(-10 ** 9, 10 ** 9), st.integers(0, 30)),
    )


def states(policy):
    parts = {}
    for name, var in policy.variables.items():
        if var.sort == "bool":
            parts[name] = st.booleans()
        elif var.sort == "int":
            parts[name] = st.integers(int(var.lo), int(var.hi))
        else:
            parts[name] = _fraction_in(Fraction(var.lo), Fraction(var.hi))
    return st.fixed_dictionaries(parts)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), indent=st.sampled_from([None, 2]))
def test_round_trip(policy, data, indent):
    s = data.draw(states(policy))
    written = dumps_exact(state_to_json(policy, s), indent=indent)
    assert read_state(policy, written) == s
