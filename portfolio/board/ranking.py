"""Ordering cards within a column with fractional, lexicographic ranks.

A rank is a string of base-36 digits read as a fraction: "h" ≈ 0.47,
"h8" ≈ 0.48. Cards are ordered by rank as plain strings. Moving a card gives
it a new rank strictly between its new neighbours' ranks, so a move writes one
row however long the column is. Ranks never end in "0", which always leaves
room below any rank. When repeated moves into the same gap make a rank long,
the column is rebalanced: every card gets a short evenly spaced rank, in one
transaction, without changing the order.
"""

from __future__ import annotations

import math

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
REBALANCE_LENGTH = 24  # a rank this long triggers a rebalance of its column


def _digit(char: str) -> int:
    value = DIGITS.find(char)
    if value < 0:
        raise ValueError(f"not a rank digit: {char!r}")
    return value


def validate_rank(rank: str) -> None:
    if not rank or rank.endswith("0") or any(char not in DIGITS for char in rank):
        raise ValueError(f"invalid rank {rank!r}")


def rank_between(before: str | None, after: str | None) -> str:
    """A rank strictly between `before` and `after` (None: open end)."""
    if before is not None:
        validate_rank(before)
    if after is not None:
        validate_rank(after)
        if before is not None and not before < after:
            raise ValueError(f"{before!r} is not below {after!r}")
    return _midpoint(before or "", after)


def _midpoint(low: str, high: str | None) -> str:
    """Digits strictly between fraction `low` (may be "") and `high` (None = 1)."""
    if high is not None:
        # Skip the common prefix, padding `low` with zeros.
        n = 0
        while n < len(high) and (low[n] if n < len(low) else "0") == high[n]:
            n += 1
        if n > 0:
            return high[:n] + _midpoint(low[n:], high[n:])
    low_digit = _digit(low[0]) if low else 0
    high_digit = _digit(high[0]) if high else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit + 1) // 2]
    # The first digits are consecutive: keep low's digit and go deeper.
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def evenly_spaced_ranks(count: int) -> list[str]:
    """`count` increasing ranks of equal length, spread over the whole range."""
    if count <= 0:
        return []
    width = max(1, math.ceil(math.log(count + 1, BASE)))
    if (count + 1) > BASE**width - 1:
        width += 1
    span = BASE**width
    step = span // (count + 1)
    ranks = []
    for i in range(1, count + 1):
        value = i * step
        digits = []
        for _ in range(width):
            value, remainder = divmod(value, BASE)
            digits.append(DIGITS[remainder])
        rank = "".join(reversed(digits)).rstrip("0")
        ranks.append(rank)
    return ranks


def needs_rebalance(rank: str) -> bool:
    return len(rank) >= REBALANCE_LENGTH
