"""Row-level sanity flags for normalized odds: suspicious rows are kept and flagged, never dropped.

The design (seeds 001/003) logs rather than rejects: a stale or odd line is still evidence (arbitrage hunting lives on
exactly those rows). Hard rules make a row invalid: American price within ±10000 and |a| ≥ 100; decimal > 1. Soft rules
only add a note — each (event, book, market, point line) has a complete outcome set (2, or 3 for a draw market) and the
book's overround on it lies in [0 %, 15 %] — unless ``REJECT_INVALID_ODDS=true`` makes them invalidate the row too.
A planted or real arbitrage is exactly a book whose overround went negative, so it must stay valid by default.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pandas as pd

MAX_AMERICAN = 10_000
MAX_OVERROUND = Decimal("0.15")


def _line_key(frame: pd.DataFrame) -> pd.Series:
    """Spreads pair +p with −p, so the line is |point|; h2h/totals group as they are."""
    point = frame["point"].map(lambda p: "" if p is None or pd.isna(p) else str(abs(Decimal(p))))
    return frame["event_id"] + "|" + frame["bookmaker"] + "|" + frame["market"] + "|" + point


def reject_soft_failures() -> bool:
    return os.environ.get("REJECT_INVALID_ODDS", "false").lower() in ("1", "true", "yes")


def flag_odds(odds: pd.DataFrame, *, reject_soft: bool | None = None) -> pd.DataFrame:
    """A copy of ``odds`` with ``is_valid`` (bool) and ``validation_notes`` (str or None)."""
    reject_soft = reject_soft_failures() if reject_soft is None else reject_soft
    out = odds.copy()
    notes: list[list[str]] = [[] for _ in range(len(out))]
    hard = [False] * len(out)
    for i, (a, d) in enumerate(zip(out["price_american"], out["price_decimal"])):
        if abs(int(a)) > MAX_AMERICAN or abs(int(a)) < 100:
            notes[i].append(f"price_american {a} out of range")
            hard[i] = True
        if Decimal(d) <= 1:
            notes[i].append(f"price_decimal {d} <= 1")
            hard[i] = True
    if len(out):
        key = _line_key(out)
        implied = out["price_decimal"].map(lambda d: 1 / Decimal(d) if Decimal(d) > 1 else Decimal(0))
        size = key.map(key.value_counts())
        book_sum = implied.groupby(key).transform(lambda s: sum(s, Decimal(0)))
        for i, (n, total, market) in enumerate(zip(size, book_sum, out["market"])):
            if n not in (2, 3) or (n == 3 and market != "h2h"):
                notes[i].append(f"incomplete or ambiguous market: {n} outcome(s)")
            elif not Decimal(0) <= total - 1 <= MAX_OVERROUND:
                notes[i].append(f"overround {(total - 1) * 100:.2f}% outside 0–15%")
    out["is_valid"] = [not (h or (reject_soft and n)) for h, n in zip(hard, notes)]
    out["validation_notes"] = ["; ".join(n) if n else None for n in notes]
    return out
