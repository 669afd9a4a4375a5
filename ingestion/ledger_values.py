"""Cell-level parsers of the bet ledger (``ingestion.ledger``): money, odds, times and identifiers.

Each raises a plain ``ValueError`` whose message says what was expected; ``ingestion.ledger.parse_row`` turns it
into a :class:`~ingestion.ledger.LedgerFieldError` naming the row, the field and the value.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from backtests.betting.odds import OddsError, parse_odds_text
from backtests.betting.slips import cell_text as _text

MAX_TEXT = 100
_MONEY = re.compile(r"^(?:[A-Z]{0,3}\$|[£€¥])?\s*(\d{1,9}|\d{1,3}(?:,\d{3}){1,2})(\.\d{1,2})?$")


def parse_money(value: object) -> Decimal:
    """"12", "12.50", "$1,200.00", "HK$50" → Decimal; positive, at most cents."""
    match = _MONEY.match(_text(value))
    if not match:
        raise ValueError("not an amount of money such as 12.50")
    amount = Decimal(match.group(1).replace(",", "") + (match.group(2) or ""))
    if amount <= 0:
        raise ValueError("the stake must be positive")
    return amount


def parse_odds(value: object) -> Decimal:
    """Decimal ("3.5"), fractional ("5/2", "5-2", "EVENS") or American ("+150") odds → decimal odds with stake, read
    by the project's one odds grammar (``backtests.betting.odds.odds_from_text``)."""
    try:
        return parse_odds_text(_text(value))
    except OddsError as exc:
        raise ValueError(exc.reason) from None


def parse_placed_at(value: object) -> datetime:
    """A date ("2024-03-02", read as midnight UTC) or an ISO time; times without an offset are UTC."""
    text = _text(value)
    if not text or len(text) > 40:
        raise ValueError("expected a date (2024-03-02) or an ISO time (2024-03-02T13:05:00-05:00)")
    try:
        if len(text) <= 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("expected a date (2024-03-02) or an ISO time (2024-03-02T13:05:00-05:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _identifier(value: object, what: str) -> str:
    text = _text(value)
    if not text:
        raise ValueError(f"{what} is required")
    if len(text) > MAX_TEXT or not text.isprintable():
        raise ValueError(f"{what} must be printable text of at most {MAX_TEXT} characters")
    return text
