"""American ↔ decimal odds, the only conversion the ingestion layer needs.

Kept tiny and private to ingestion (backtests/odds.py owns the analytics toolkit) so that loading data never depends on
analysis code. Decimal odds are quantized to 4 dp; American odds are whole numbers, as books quote them.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FOUR_DP = Decimal("0.0001")
_HUNDRED = Decimal(100)


def american_to_decimal(american: int) -> Decimal:
    """+150 → 2.5000; −200 → 1.5000. Zero and |a| < 100 are not American odds."""
    a = int(american)
    if -100 < a < 100:
        raise ValueError(f"not an American price: {american!r}")
    value = 1 + (Decimal(a) / _HUNDRED if a > 0 else _HUNDRED / Decimal(-a))
    return value.quantize(FOUR_DP, ROUND_HALF_UP)


def decimal_to_american(decimal_odds: Decimal | float | str) -> int:
    """2.5 → +150; 1.5 → −200; evens (2.0) → +100. Decimal odds must exceed 1."""
    d = Decimal(str(decimal_odds))
    if d <= 1:
        raise ValueError(f"decimal odds must exceed 1: {decimal_odds!r}")
    value = (d - 1) * _HUNDRED if d >= 2 else -_HUNDRED / (d - 1)
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))
