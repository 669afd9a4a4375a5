"""Odds formats and fair probabilities: the one place where a price becomes a number we can do sums with.

Bookmakers quote American (+150 / -200), decimal (2.50) and fractional (5/2, 5-2, EVENS) prices; race cards add
colons ("5:1"). Everything downstream works in decimal odds *including the stake*, so every parser lands there.
Ingestion, the bet ledger, race cards, backtests and (through a parity test over one table of strings) the dbt macro
``odds_text_to_decimal`` all read odds text with :func:`odds_from_text`, so a morning line means the same in the marts
and in memory. Money-facing results are ``decimal.Decimal``; conversions go through ``fractions.Fraction`` so that a
round trip does not accumulate binary floating-point error; :func:`to_price` rounds to the 4 dp the warehouse stores.
Bad input raises :class:`OddsError` naming the offending value, because a silently-NaN price in a backtest turns into
a silently-wrong profit figure; the ``*_series`` functions are the vectorized forms for frames (NaN where invalid).

Vig removal (the numerical solvers) lives in :mod:`backtests.betting.vig`; :func:`remove_vig` here is the validated,
single-market entry point that other code relies on.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import pandas as pd

from backtests.betting import vig

VIG_METHODS = vig.METHODS


class OddsError(ValueError):
    """A price that is not valid odds. ``value`` holds the offending input so callers can log or quarantine it."""

    def __init__(self, value: object, reason: str) -> None:
        self.value, self.reason = value, reason
        super().__init__(f"invalid odds {value!r}: {reason}")


class NegativeProbabilityError(OddsError):
    """Additive vig removal pushed a long shot below zero (big fields with a large overround); no fair price exists."""


# The one odds-text grammar. The dbt macro ``odds_text_to_decimal`` (dbt_project/macros/parse_odds.sql) implements
# exactly these patterns, and tests/integration/test_odds_text_parity.py holds the two to one table of strings.
# Character classes are spelled out in ASCII (no \d, \s or case folding) because Python and PostgreSQL disagree
# on what Unicode digits, spaces and letters those match.
SPACES = " \t\n\r\f\v"  # stripped at both ends; nothing else counts as blank
_EVENS = re.compile(r"[Ee][Vv](?:[Ee][Nn][Ss]?|[Ss]|[Nn])?")  # EV, EVS, EVN, EVEN, EVENS in any case
_FRACTIONAL = re.compile(r"([0-9]{1,6})[ \t]*[-/:][ \t]*([0-9]{1,6})")  # 5/2, 5-2, 5:2, "100 / 30"
_DECIMAL = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")  # 2.5, 10, 9.70 (stake included; a bare "5" is 5.0)
_AMERICAN = re.compile(r"[+-][0-9]{3,7}")  # +150, -110: the sign is what tells American from decimal
ACCEPTED_TEXT = "expected odds such as 3.5, 5/2, EVENS or +150 (decimal, fractional a/b or a-b, evens or American)"
PRICE_QUANTUM = Decimal("0.0001")  # stored prices: raw.odds.price_decimal is numeric(10, 4), the dbt macro rounds to 4


def _as_fraction(value: object, kind: str) -> Fraction:
    """Exact rational of a number given as Decimal, int, str or float (floats via their shortest repr, so 2.15 is 2.15)."""
    if isinstance(value, bool):
        raise OddsError(value, f"a boolean is not {kind} odds")
    try:
        if isinstance(value, float):
            value = repr(float(value))  # numpy floats repr as "np.float64(…)"
        result = Fraction(Decimal(value)) if isinstance(value, (str, Decimal)) else Fraction(value)
    except (InvalidOperation, ValueError, TypeError, OverflowError, ZeroDivisionError):
        raise OddsError(value, f"not a number ({kind} odds expected)") from None
    return result


def _to_decimal(value: Fraction) -> Decimal:
    # int(): a Fraction built from a numpy integer keeps numpy parts, which Decimal refuses
    return Decimal(int(value.numerator)) / Decimal(int(value.denominator))


def _fractional_profit(text: str, cleaned: str) -> Fraction | None:
    """Profit per unit of evens or a/b text, None when ``cleaned`` is neither; 0/1 and 5/0 are rejected."""
    if _EVENS.fullmatch(cleaned):
        return Fraction(1)
    match = _FRACTIONAL.fullmatch(cleaned)
    if not match:
        return None
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if numerator == 0 or denominator == 0:
        raise OddsError(text, "fractional odds need a positive numerator and denominator")
    return Fraction(numerator, denominator)


def parse_fractional(text: str) -> Fraction:
    """Fractional odds text ("5-1", "5/1", "5:1", "9/2", "EVENS", any case) → the profit-per-unit fraction (5/1)."""
    if not isinstance(text, str):
        raise OddsError(text, "fractional odds text must be a string")
    profit = _fractional_profit(text, text.strip(SPACES))
    if profit is None:
        raise OddsError(text, "expected fractional odds such as '5/2', '5-2', '5:2' or 'EVENS'")
    return profit


def odds_from_text(text: str) -> Fraction:
    """Odds text in any form a bettor writes → exact decimal odds including the stake, as a Fraction.

    Evens ("EV", "EVS", "EVN", "EVEN", "EVENS") → 2; fractional a/b, a-b or a:b with a, b > 0 → 1 + a/b ("0/1"
    would be odds of 1.0 and is rejected); American with its sign ("+150" → 2.5, "-110" → 21/11, |a| ≥ 100);
    a bare number is decimal odds and must exceed 1 ("5" → 5, "1.0" rejected). "2.5-1" and anything else raise.
    """
    if not isinstance(text, str):
        raise OddsError(text, "odds text must be a string")
    cleaned = text.strip(SPACES)
    profit = _fractional_profit(text, cleaned)
    if profit is not None:
        return 1 + profit
    if _AMERICAN.fullmatch(cleaned):
        return _american_fraction(text, Fraction(int(cleaned)))
    if _DECIMAL.fullmatch(cleaned):
        value = Fraction(Decimal(cleaned))
        if value <= 1:
            raise OddsError(text, "decimal odds must be greater than 1.0")
        return value
    raise OddsError(text, ACCEPTED_TEXT)


def parse_odds_text(text: str) -> Decimal:
    """Odds text → decimal odds including the stake ("9/2" → 5.5, "EVENS" → 2, "+150" → 2.5, "3.5" → 3.5)."""
    return _to_decimal(odds_from_text(text))


def to_price(decimal_odds: object) -> Decimal:
    """Decimal odds at the stored precision (4 dp, half up): what raw.odds and the dbt macro hold."""
    try:
        return _to_decimal(_as_fraction(decimal_odds, "decimal")).quantize(PRICE_QUANTUM, ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the 28-digit context holds: no price is that large
        raise OddsError(decimal_odds, "too large to be a price") from None


def validate_decimal(decimal_odds: object) -> Fraction:
    """Decimal odds must exceed 1.0: at 1.0 a winning bet returns only the stake, below it the price is nonsense."""
    value = _as_fraction(decimal_odds, "decimal")
    if value <= 1:
        raise OddsError(decimal_odds, "decimal odds must be greater than 1.0")
    return value


def _american_fraction(american: object, value: Fraction) -> Fraction:
    if -100 < value < 100:
        raise OddsError(american, "American odds must be <= -100 or >= +100")
    return 1 + value / 100 if value > 0 else 1 + Fraction(100) / -value


def decimal_from_american(american: object) -> Decimal:
    """+150 → 2.5, -200 → 1.5. American prices strictly between -100 and +100 do not exist."""
    return _to_decimal(_american_fraction(american, _as_fraction(american, "American")))


def american_from_decimal(decimal_odds: object) -> Decimal:
    """2.5 → +150, 1.5 → -200; evens (2.0) is +100 by convention."""
    value = validate_decimal(decimal_odds)
    return _to_decimal((value - 1) * 100 if value >= 2 else Fraction(-100) / (value - 1))


def whole_american(decimal_odds: object) -> int:
    """American odds as books quote them, a whole number (half away from zero): 1.9091 → -110, 2.5 → +150."""
    try:
        return int(american_from_decimal(decimal_odds).quantize(Decimal(1), ROUND_HALF_UP))
    except InvalidOperation:  # a price a hair above 1.0: more American digits than the 28-digit context holds
        raise OddsError(decimal_odds, "too close to 1.0 to be a price") from None


def fractional_from_decimal(decimal_odds: object) -> Fraction:
    """2.5 → 3/2 (exact, reduced); format with :func:`format_fractional`."""
    return validate_decimal(decimal_odds) - 1


def decimal_from_fractional(fractional: str | Fraction) -> Decimal:
    """"5/2" or Fraction(5, 2) → 3.5."""
    value = parse_fractional(fractional) if isinstance(fractional, str) else Fraction(fractional)
    if value <= 0:
        raise OddsError(fractional, "fractional odds must be positive")
    return _to_decimal(1 + value)


def format_fractional(profit: Fraction) -> str:
    """Fraction(1) → "EVENS", Fraction(5, 2) → "5/2" (the form bookmakers print)."""
    return "EVENS" if profit == 1 else f"{profit.numerator}/{profit.denominator}"


def implied_probability(decimal_odds: object) -> Decimal:
    """1 / decimal odds: the bookmaker's probability *with* its margin still inside."""
    return _to_decimal(1 / validate_decimal(decimal_odds))


def decimal_from_probability(probability: object) -> Decimal:
    """Fair decimal odds 1/p for 0 < p < 1 (p = 1 would be odds of 1.0, which no book offers)."""
    value = _as_fraction(probability, "probability")
    if not 0 < value < 1:
        raise OddsError(probability, "a probability must lie strictly between 0 and 1")
    return _to_decimal(1 / value)


def overround(decimal_odds: Sequence[object]) -> Decimal:
    """Σ 1/o − 1: the book's margin on one market (negative means the prices alone are an arbitrage)."""
    return _to_decimal(sum((1 / validate_decimal(o) for o in decimal_odds), Fraction(0)) - 1)


def remove_vig(decimal_odds: Sequence[float], method: str = "multiplicative") -> list[float]:
    """Fair probabilities of one market's outcomes, summing to 1, by a named method (see :data:`VIG_METHODS`).

    Raises :class:`NegativeProbabilityError` rather than handing back a negative probability when the additive
    method subtracts more margin from a long shot than its implied probability.
    """
    if method not in VIG_METHODS:
        raise ValueError(f"unknown vig-removal method {method!r}; choose one of {', '.join(VIG_METHODS)}")
    if len(decimal_odds) < 2:
        raise OddsError(list(decimal_odds), "a market needs at least two outcomes")
    for price in decimal_odds:
        validate_decimal(price)
    market = np.asarray([[float(price) for price in decimal_odds]])
    probabilities, negative = vig.fair_probabilities(market, method)
    if negative[0]:
        raise NegativeProbabilityError(list(decimal_odds), f"{method} vig removal gives a negative probability")
    return [float(p) for p in probabilities[0]]


def remove_vig_many(decimal_odds: np.ndarray, method: str = "multiplicative") -> tuple[np.ndarray, np.ndarray]:
    """Vectorized :func:`remove_vig` over a (markets × outcomes) array; NaN pads markets with fewer outcomes.

    Returns ``(probabilities, negative)``: rows flagged in the boolean ``negative`` (additive only) are all-NaN so a
    negative probability can never leak into a sum unnoticed. Prices ≤ 1.0 raise :class:`OddsError`.
    """
    if method not in VIG_METHODS:
        raise ValueError(f"unknown vig-removal method {method!r}; choose one of {', '.join(VIG_METHODS)}")
    market = np.asarray(decimal_odds, dtype=float)
    if market.ndim != 2:
        raise ValueError("expected a 2-D array of markets × outcomes")
    bad = ~np.isnan(market) & (market <= 1.0)
    if bad.any():
        raise OddsError(float(market[bad][0]), "decimal odds must be greater than 1.0")
    return vig.fair_probabilities(market, method)


def _series(values: pd.Series, convert) -> pd.Series:
    """``convert`` on each distinct non-null value (a column repeats few prices), NaN where it raises OddsError."""
    def one(value) -> float:
        try:
            return float(convert(value))
        except OddsError:
            return np.nan
    distinct = {v: one(v) for v in values.dropna().unique()}
    return values.map(distinct).astype(float)


def parse_odds_text_series(texts: pd.Series) -> pd.Series:
    """Vectorized :func:`parse_odds_text` at the stored precision (float of :func:`to_price`): NaN for blank or
    unreadable text, exactly where the dbt macro gives null."""
    return _series(texts, lambda text: to_price(parse_odds_text(text)))


def decimal_from_american_series(american: pd.Series) -> pd.Series:
    """Vectorized :func:`decimal_from_american` (unrounded, as float); NaN for values that are not American prices."""
    return _series(pd.to_numeric(american, errors="coerce"), decimal_from_american)
