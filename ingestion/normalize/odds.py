"""Odds text as printed on cards and odds boards -> ``Decimal`` decimal odds (stake included) and the fractional form.

Plain odds text ("5-1", "9/2", "EVENS") is parsed by ``backtests.odds.parse_odds_text`` - the project's one odds
parser - so a card and a backtest can never disagree on what "9-2" means. This module only adds what cards print
*around* the odds: favourite markers ("11/10f", "2/1jf", "7/4cf"), scratch markers ("SCR", "-", "SCRATCHED") and
published decimal prices (HKJC's "4.6", a tote board's "9.70"), which are a different convention and so a different
function (``parse_decimal_odds``): "5" as fractional text is 6.0 decimal, as a tote price it is 5.0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from backtests.odds import OddsError, parse_fractional, parse_odds_text
from ingestion.normalize.errors import UnrecognisedValue

SCRATCH_MARKERS = ("SCR", "SCRATCHED", "-", "NR", "WD")
ACCEPTED_ODDS = ("5-1", "5/1", "5:1", "9/2", "EVEN", "EVN", "EVENS", "11/10f (favourite marker f/F/fav/jf/cf)",
                 "SCR", "SCRATCHED", "-", "NR", "WD")
ACCEPTED_DECIMAL = ("4.6", "10", "9.70 (decimal odds including the stake, > 1)", "SCR", "SCRATCHED", "-", "NR", "WD")
_FAVOURITE = re.compile(r"^(?P<odds>.*?)\s*(?P<fav>j?f|cf|fav|jt-?fav)$", re.IGNORECASE)
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Odds:
    """``decimal`` includes the stake (5-1 -> 6); ``fractional`` is the reduced profit ratio ("9/2", "1/1")."""

    decimal: Decimal | None
    fractional: str | None
    scratched: bool = False
    favourite: bool = False


SCRATCHED = Odds(None, None, scratched=True)


def _is_scratch(text: str) -> bool:
    return text.upper() in SCRATCH_MARKERS


def fractional_of(decimal_odds: Decimal) -> str:
    """``Decimal('5.5')`` -> ``"9/2"``: exact, because decimal odds from fractions of small integers are exact."""
    profit = Fraction(decimal_odds - 1)
    return f"{profit.numerator}/{profit.denominator}"


def _plain(text: str, where: str) -> tuple[Decimal, Fraction]:
    """Decimal odds from the project's one odds parser, plus the exact profit fraction (1/3 stays 1/3)."""
    try:
        return parse_odds_text(text), parse_fractional(text)
    except OddsError:
        raise UnrecognisedValue(text, "odds", ACCEPTED_ODDS, where) from None


def parse_odds(text: object, where: str = "") -> Odds:
    """Fractional/US odds text -> ``Odds``; scratch markers -> ``SCRATCHED``; anything else raises.

    Blank text is not a scratch (an empty price cell just means "no price yet"): callers treat blanks as null
    before calling, which keeps "missing" and "withdrawn" apart.
    """
    raw = str(text if text is not None else "").strip()
    if _is_scratch(raw):
        return SCRATCHED
    favourite = False
    match = _FAVOURITE.match(raw)
    if match and match.group("odds"):
        raw, favourite = match.group("odds").strip(), True
    if not raw:
        raise UnrecognisedValue(text, "odds", ACCEPTED_ODDS, where)
    decimal_odds, profit = _plain(raw, where)
    return Odds(decimal_odds, f"{profit.numerator}/{profit.denominator}", favourite=favourite)


def parse_decimal_odds(text: object, where: str = "") -> Odds:
    """A published decimal price ("4.6", "10", "9.70") -> ``Odds``; scratch markers -> ``SCRATCHED``.

    Decimal odds below or at 1 cannot pay out and are rejected rather than passed on.
    """
    raw = str(text if text is not None else "").strip().replace(",", "")
    if _is_scratch(raw):
        return SCRATCHED
    try:
        value = Decimal(raw) if _DECIMAL.match(raw) else None
    except InvalidOperation:  # pragma: no cover - the regex already rejects these
        value = None
    if value is None or value <= 1:
        raise UnrecognisedValue(text, "decimal odds", ACCEPTED_DECIMAL, where)
    return Odds(value, fractional_of(value))
