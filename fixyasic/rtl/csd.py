"""Canonical signed digit (CSD) recoding of integer constants."""

from __future__ import annotations


def csd_digits(value: int) -> list[tuple[int, int]]:
    """Nonzero CSD digits of ``value`` as (shift, +1|-1), least significant first.

    CSD has no two adjacent nonzero digits, so it has the fewest nonzero digits of any
    signed-binary form; ``value == sum(d << s for s, d in csd_digits(value))``."""
    digits = []
    n, shift = value, 0
    while n != 0:
        if n & 1:
            d = 2 - (n & 3)  # n % 4 == 1 -> +1, n % 4 == 3 -> -1
            digits.append((shift, d))
            n -= d
        n >>= 1
        shift += 1
    return digits


def csd_adders(value: int) -> int:
    """Adders needed to form ``x * value`` from x with CSD alone (0 for 0 and powers of two)."""
    return max(len(csd_digits(value)) - 1, 0)


def odd_part(value: int) -> tuple[int, int]:
    """(odd, shift) with ``abs(value) == odd << shift``; value must be nonzero."""
    v = abs(value)
    shift = (v & -v).bit_length() - 1
    return v >> shift, shift
