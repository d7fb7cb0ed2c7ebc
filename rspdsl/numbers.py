"""Exact rationals written as text: the one place that knows when a Fraction is a finite decimal."""
from __future__ import annotations

from fractions import Fraction


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
