"""Exact rationals written as text: the one place that knows when a Fraction is a finite decimal."""
from __future__ import annotations

from fractions import Fraction

# How large and how fine numbers may be, in one place because the limits depend on each other.
# A policy's literals, and constants folded from them, stay within 10^±LITERAL_MAX_EXPONENT with
# at most LITERAL_MAX_DIGITS digits (else E0016): exact arithmetic on bigger ones would build
# thousand-digit integers in the evaluator and the solver.
LITERAL_MAX_EXPONENT = 1000
LITERAL_MAX_DIGITS = 1000
LITERAL_MAX_BITS = 3322  # bits of 10**LITERAL_MAX_EXPONENT, the bound on folded constants
# State values (STATE.json, batch lines) whose decimal exponent lies beyond ±STATE_MAX_EXPONENT
# are refused rather than expanded (`1e-999999999` would be a billion-digit integer). Witnesses
# are built from the policy's constants and must read back when replayed, so this stays well
# above the literal bound (tests/test_state.py checks states at the literal extremes read back).
STATE_MAX_EXPONENT = 4000
# A state number is refused, from its text and before any conversion, when written with more
# characters than this: a million-digit number once took ~28 s of CPU to read and compare. It
# leaves room for any value within ±STATE_MAX_EXPONENT written out in full, as witnesses are.
STATE_MAX_DIGITS = 10_000


def is_finite_decimal(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_text(q: Fraction | int) -> str | None:
    """`3`, `0.1`, `-2.5` exactly, or None when q has no finite decimal expansion (1/3)."""
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    d, twos, fives = q.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    places = max(twos, fives)
    scaled = abs(q.numerator) * 10 ** places // q.denominator  # exact: 10**places / denominator is an integer
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if q < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
