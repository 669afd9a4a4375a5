"""Expected value of retail prices against a sharp book's de-vigged line, with Kelly stake fractions.

The sharp book (Pinnacle by default) is the market's best estimate of the truth once its margin is removed, so a
retail price is "value" when fair probability × price − 1 is clearly positive. The sharp market is only de-vigged
when the sharp book quotes *every* outcome any book quotes for that event × market × line; de-vigging a partial
market would inflate every probability in it. Everything is vectorized: the sharp markets become one
(markets × outcomes) matrix for :func:`backtests.betting.odds.remove_vig_many`.

Freshness applies to both sides of the comparison: a book that stopped updating leaves its last price in the latest
snapshot, and a two-day-old retail price against a fresh sharp line is a phantom edge, not a bet. Kelly comes from
:func:`backtests.betting.staking.kelly_fraction` (the one implementation, with commission).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from backtests.betting.arbitrage import fresh, market_ids
from backtests.betting.odds import remove_vig_many
from backtests.betting.staking import kelly_fraction

DEFAULT_SHARP_BOOK = "pinnacle"
DEFAULT_MIN_EV = 0.03


def fair_probabilities(prices: pd.DataFrame, sharp_book: str = DEFAULT_SHARP_BOOK, method: str = "multiplicative",
                       now: datetime | None = None, max_age: timedelta | None = None) -> pd.Series:
    """Fair probability of each row's outcome from the sharp book's de-vigged market (NaN where there is none)."""
    _line, market_id, outcome_id, outcomes_quoted = market_ids(prices)  # the arbitrage scan's markets, team totals too
    markets = len(outcomes_quoted)
    pair_count = int(outcome_id.max(initial=-1)) + 1

    price = prices["price_decimal"].to_numpy(dtype=float)
    sharp = (prices["bookmaker"] == sharp_book).to_numpy() & np.isfinite(price) & (price > 1.0)
    sharp &= fresh(prices, now, max_age)
    rows = np.flatnonzero(sharp)
    updated_ns = pd.to_datetime(prices["last_update"], utc=True).dt.tz_convert(None).to_numpy().astype(np.int64)
    newest_first = np.argsort(-updated_ns[rows], kind="stable")
    rows = rows[newest_first]
    rows = rows[np.unique(outcome_id[rows], return_index=True)[1]]  # the sharp book's latest quote per outcome
    sharp_market = market_id[rows]
    complete = np.bincount(sharp_market, minlength=markets) == outcomes_quoted
    rows = rows[complete[sharp_market] & (outcomes_quoted[sharp_market] >= 2)]

    fair_by_outcome = np.full(pair_count, np.nan)
    if len(rows):
        row_market = pd.factorize(market_id[rows])[0]
        order = np.argsort(row_market, kind="stable")
        rows, row_market = rows[order], row_market[order]
        starts = np.r_[0, np.flatnonzero(np.diff(row_market)) + 1]
        column = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        matrix = np.full((row_market.max() + 1, column.max() + 1), np.nan)
        matrix[row_market, column] = price[rows]
        fair, _negative = remove_vig_many(matrix, method)  # flagged rows come back NaN: no fair price
        fair_by_outcome[outcome_id[rows]] = fair[row_market, column]
    return pd.Series(fair_by_outcome[outcome_id], index=prices.index, name="fair_probability")


def expected_value(prices: pd.DataFrame, sharp_book: str = DEFAULT_SHARP_BOOK, method: str = "multiplicative",
                   min_ev: float = DEFAULT_MIN_EV, kelly_multiplier: float = 1.0, now: datetime | None = None,
                   max_age: timedelta | None = None,
                   commission: float | Mapping[str, float] = 0.0) -> pd.DataFrame:
    """Every non-sharp price with fair_probability, ev, ev_pct, is_value (ev ≥ min_ev), kelly and is_stale.

    ``commission`` (one rate, or a rate per bookmaker for exchanges; others 0) is charged on net winnings, so
    ev = p·(1 + (o − 1)(1 − c)) − 1 and Kelly sizes on the same net odds. ``max_age`` applies to every price compared:
    a retail price older than that is ``is_stale`` and, like a row without a fair probability (no complete, fresh
    sharp market), keeps NaN figures and is never flagged — a price that is probably gone is not a bet.
    """
    fair = fair_probabilities(prices, sharp_book, method, now=now, max_age=max_age)
    result = prices.assign(fair_probability=fair, is_stale=~fresh(prices, now, max_age))
    result = result[result["bookmaker"] != sharp_book].copy()
    rate = (result["bookmaker"].map(commission).fillna(0.0).to_numpy(dtype=float) if isinstance(commission, Mapping)
            else np.full(len(result), float(commission)))
    if ((rate < 0) | (rate >= 1)).any():
        raise ValueError(f"commission must be in [0, 1); got {commission!r}")
    price = result["price_decimal"].to_numpy(dtype=float)
    probability = np.where(result["is_stale"].to_numpy(), np.nan, result["fair_probability"].to_numpy(dtype=float))
    ev = probability * (1 + (price - 1) * (1 - rate)) - 1
    result["ev"] = ev
    result["ev_pct"] = ev * 100
    result["is_value"] = np.nan_to_num(ev, nan=-np.inf) >= min_ev - 1e-12
    result["kelly"] = kelly_fraction(probability, price, kelly_multiplier, rate)
    return result
