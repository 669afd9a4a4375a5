"""Odds text as printed on cards and odds boards -> ``Decimal`` decimal odds (stake included) and the fractional form.

Plain odds text ("5-1", "9/2", "EVENS", "+150", "4.6") is read by ``backtests.betting.odds.odds_from_text`` - the project's
one odds grammar, which the dbt macro ``odds_text_to_decimal`` implements too - so a card, a backtest and the marts
can never disagree on what "9-2" means. This module only adds what cards print *around* the odds: favourite markers
("11/10f", "2/1jf", "7/4cf") and scratch markers ("SCR", "-", "SCRATCHED"). A bare number is decimal odds in that
grammar: "5" is 5.0 (write "5-1" for 6.0). ``parse_decimal_odds`` is for columns that hold only published decimal
prices (HKJC's "4.6", a tote board's "9.70"), where fractional text would be a misread column, so it accepts only
the decimal form.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from backtests.betting.odds import SPACES, OddsError, odds_from_text
from ingestion.normalize.errors import UnrecognisedValue

SCRATCH_MARKERS = ("SCR", "SCRATCHED", "-", "NR", "WD")
ACCEPTED_ODDS = ("5-1", "5/1", "5:1", "9/2", "EV", "EVS", "EVN", "EVEN", "EVENS", "+150", "-110",
                 "4.6 (decimal, a bare 5 is 5.0)", "11/10f (favourite marker f/F/fav/jf/cf)", "SCR", "SCRATCHED", "-",
                 "NR", "WD")
ACCEPTED_DECIMAL = ("4.6", "10", "9.70 (decimal odds including the stake, > 1)", "SCR", "SCRATCHED", "-", "NR", "WD")
_FAVOURITE = re.compile(r"^(?P<odds>.*?)\s*(?P<fav>j?f|cf|fav|jt-?fav)$", re.IGNORECASE)
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # only the decimal form of the one grammar


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


def fractional_of(decimal_odds: Decimal | Fraction) -> str:
    """``Decimal('5.5')`` -> ``"9/2"``: exact, because decimal odds from fractions of small integers are exact."""
    profit = Fraction(decimal_odds) - 1
    return f"{profit.numerator}/{profit.denominator}"


def _plain(text: str, where: str) -> tuple[Decimal, Fraction]:
    """Decimal odds from the project's one odds grammar, plus the exact profit fraction (1/3 stays 1/3)."""
    try:
        odds = odds_from_text(text)
    except OddsError:
        raise UnrecognisedValue(text, "odds", ACCEPTED_ODDS, where) from None
    return Decimal(odds.numerator) / Decimal(odds.denominator), odds - 1


def parse_odds(text: object, where: str = "") -> Odds:
    """Odds text of the one grammar ("9/2", "EVS", "+150", "5" = 5.0), with an optional favourite marker -> ``Odds``;
    scratch markers -> ``SCRATCHED``; anything else raises.

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

    Read by the one odds grammar, restricted to its decimal form; odds at or below 1 cannot pay out and are rejected.
    """
    raw = str(text if text is not None else "").strip().replace(",", "")
    if _is_scratch(raw):
        return SCRATCHED
    try:
        if not _DECIMAL.fullmatch(raw.strip(SPACES)):
            raise OddsError(text, "not a decimal price")
        value = odds_from_text(raw)
    except OddsError:
        raise UnrecognisedValue(text, "decimal odds", ACCEPTED_DECIMAL, where) from None
    return Odds(Decimal(value.numerator) / Decimal(value.denominator), fractional_of(value))
