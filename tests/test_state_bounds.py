"""State numbers are bounded by their text before any conversion (rspdsl/numbers.py
STATE_MAX_DIGITS): a million-digit number once took ~28 s of CPU in `eval`; now it is refused
at once, naming the field, on both the one-state and the batch path."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest

from rspdsl.frontend import load_text
from rspdsl.numbers import STATE_MAX_DIGITS
from rspdsl.state import StateError, read_state

POLICY = 'policy "P"\nmetric x in [0, 2]\njudgement j\naction deploy\ntier Low { }\npermit deploy when x < 1\n'
HUGE = {
    "a million-digit fraction": "1." + "0" * 1_000_000,
    "a million-digit integer": "1" * 1_000_000,
    "a huge exponent": "1e999999999",
}


def _policy():
    return load_text(POLICY, "p.rsp").policy


@pytest.mark.parametrize("number", list(HUGE.values()), ids=list(HUGE))
def test_read_state_refuses_a_huge_number_naming_the_field(number):
    with pytest.raises(StateError) as caught:
        read_state(_policy(), f'{{"x": {number}, "j": true}}')
    assert caught.value.name == "x"


def test_numbers_at_the_limit_are_still_read_exactly():
    digits = "1." + "0" * (STATE_MAX_DIGITS - 3) + "1"
    assert len(digits) == STATE_MAX_DIGITS
    state = read_state(_policy(), f'{{"x": {digits}, "j": true}}')
    assert state["x"] == Fraction(Decimal(digits))
    with pytest.raises(StateError, match="written with"):
        read_state(_policy(), f'{{"x": {digits}1, "j": true}}')  # one more character


@pytest.mark.parametrize("flag", ["--state", "--states"])
@pytest.mark.parametrize("number", list(HUGE.values())[:2], ids=list(HUGE)[:2])
def test_eval_refuses_a_huge_number_with_exit_2(tmp_path, flag, number):
    (tmp_path / "p.rsp").write_text(POLICY, encoding="utf-8")
    state = tmp_path / "s.json"
    state.write_text(f'{{"x": {number}, "j": true}}\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(tmp_path / "p.rsp"), flag, str(state)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stdout[:300] + out.stderr[:300]
    assert "`x` is a number written with" in out.stderr and str(STATE_MAX_DIGITS) in out.stderr
    assert "Traceback" not in out.stderr
    if flag == "--states":
        assert json.loads(out.stdout)["error"]["name"] == "x"
