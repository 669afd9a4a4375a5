"""Cross-book arbitrage: find markets whose best prices sum (as implied probabilities) below 1, and stake them.

An arbitrage is only real if (a) every outcome of the market is covered, (b) the prices compared are for the same
line, and (c) none of them is stale. So the scan builds each market's outcome set from *every* book's quotes (a
book that lists the draw proves the market has a draw, even if that quote is stale), compares spreads and totals
only at the same line, and takes the best fresh price per outcome. The scan is vectorized with integer codes and
one sort, because a day of prices is millions of rows; only the rare opportunities are turned into Python objects.

Stakes are Decimal and rounded to cents in the way that keeps the *worst-case* return highest (see
:func:`optimal_stakes`), since the worst case is the only return an arbitrage guarantees.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
import pandas as pd

from backtests.odds import OddsError, validate_decimal

CENT = Decimal("0.01")
DEFAULT_MIN_PROFIT = 0.01
# Spread outcomes quote opposite points (home -4, away +4): they are one line, keyed by the first outcome's point.
OPPOSED_POINT_MARKETS = frozenset({"spreads", "alternate_spreads"})
PRICE_COLUMNS = ("event_id", "market", "point", "outcome", "bookmaker", "price_decimal", "last_update")


def _decimal(value: object) -> Decimal:
    validate_decimal(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _returns(stakes: Sequence[Decimal], odds: Sequence[Decimal]) -> list[Decimal]:
    return [stake * price for stake, price in zip(stakes, odds)]


def optimal_stakes(decimal_odds: Sequence[float], total_stake: Decimal) -> list[Decimal]:
    """Split total_stake so every outcome returns the same: stake_i ∝ 1/o_i, then rounded to cents.

    Handing cents one at a time to the leg that currently returns least maximizes the worst-case return (any better
    split would need more cents on every leg). Rather than start that from zero, start at the state it passes
    through at a return level m0 just below the ideal — every leg at the smallest cent stake returning ≥ m0 — which
    leaves only a few cents to hand out. Merely flooring the ideal stakes is not optimal.
    """
    odds = [_decimal(price) for price in decimal_odds]
    total = Decimal(total_stake)
    if total <= 0 or total != total.quantize(CENT):
        raise ValueError(f"total stake must be a positive whole number of cents, got {total_stake!r}")
    if len(odds) < 2:
        raise OddsError(list(decimal_odds), "staking needs at least two outcomes")
    level = max(total - CENT * len(odds), Decimal(0)) / sum(1 / price for price in odds)
    stakes = [(level / price).quantize(CENT, rounding=ROUND_CEILING) for price in odds]
    for _ in range(int((total - sum(stakes)) / CENT)):
        returns = _returns(stakes, odds)
        lowest = min(range(len(odds)), key=lambda index: (returns[index], -odds[index]))
        stakes[lowest] += CENT
    return stakes


@dataclass(frozen=True)
class StakePlan:
    """Rounded stakes for one opportunity and what they guarantee (worst case over the outcomes)."""

    stakes: list[Decimal]
    returns: list[Decimal]
    total_stake: Decimal
    guaranteed_return: Decimal
    profit: Decimal
    profit_pct: Decimal
    binding_bookmaker: str | None


def plan_stakes(decimal_odds: Sequence[float], total_stake: Decimal, bookmakers: Sequence[str] | None = None,
                max_stakes: Mapping[str, Decimal] | None = None) -> StakePlan:
    """Optimal stakes for total_stake, scaled down when a book's maximum stake would be exceeded.

    The binding book is the one whose limit forces the smallest total; the whole plan shrinks proportionally so the
    return stays balanced (stakes on other books alone could not keep the arbitrage guaranteed).
    """
    total = Decimal(total_stake)
    binding = None
    if max_stakes and bookmakers:
        ideal = optimal_stakes(decimal_odds, total)
        for bookmaker, stake in zip(bookmakers, ideal):
            limit = max_stakes.get(bookmaker)
            if limit is not None and stake > limit:
                allowed = (total * Decimal(limit) / stake).quantize(CENT, rounding=ROUND_FLOOR)
                if allowed < total:
                    total, binding = allowed, bookmaker
        while binding and any(stake > Decimal(max_stakes.get(book, stake)) for book, stake in
                              zip(bookmakers, optimal_stakes(decimal_odds, total))):
            total -= CENT  # cent rounding can push the binding leg one cent over its limit
    stakes = optimal_stakes(decimal_odds, total)
    returns = _returns(stakes, [_decimal(price) for price in decimal_odds])
    guaranteed = min(returns)
    profit = guaranteed - total
    return StakePlan(stakes, returns, total, guaranteed, profit, (profit / total * 100).quantize(Decimal("0.0001")),
                     binding)


def factor_codes(values: pd.Series) -> np.ndarray:
    return pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One dense integer id per distinct tuple of codes (cheaper than grouping on strings)."""
    combined = codes[0]
    for code in codes[1:]:  # re-densify after each step so the product never overflows int64
        combined = pd.factorize(combined * (int(code.max(initial=0)) + 1) + code)[0].astype(np.int64)
    return combined


def line_points(prices: pd.DataFrame, event_codes: np.ndarray | None = None,
                market_codes: np.ndarray | None = None) -> np.ndarray:
    """The line a row belongs to: its point, except on spreads where every outcome but the first (by name) is negated.

    Spread outcomes quote opposite points (home -4, away +4); keyed by the first outcome's point they form one line,
    while a different line (home -3.5) stays apart. Codes may be passed in to avoid factorizing a column twice.
    """
    line = prices["point"].to_numpy(dtype=float, na_value=np.nan).copy()
    opposed = prices["market"].isin(OPPOSED_POINT_MARKETS).to_numpy()
    if not opposed.any():
        return line
    event_codes = factor_codes(prices["event_id"]) if event_codes is None else event_codes
    market_codes = factor_codes(prices["market"]) if market_codes is None else market_codes
    rows = np.flatnonzero(opposed)
    market_of_row = combine_codes(event_codes[rows], market_codes[rows])
    outcome_rank = pd.factorize(prices["outcome"].to_numpy()[rows], sort=True)[0]
    first = pd.Series(outcome_rank).groupby(market_of_row, sort=False).transform("min").to_numpy()
    line[rows[outcome_rank != first]] *= -1
    return line + 0.0  # + 0.0 turns -0.0 into 0.0 so pick'em lines match


def best_prices(prices: pd.DataFrame, now: datetime | None = None, max_age: timedelta | None = None) -> pd.DataFrame:
    """Best fresh price per (event, market, line, outcome), with each market's outcome count from all quotes.

    Returns one row per priced outcome with columns market_id, outcome_count (outcomes any book quotes) and the
    original columns of the winning quote. Prices ≤ 1.0 or missing are ignored rather than trusted.
    """
    missing = set(PRICE_COLUMNS) - set(prices.columns)
    if missing:
        raise ValueError(f"prices lack columns {sorted(missing)}")
    event_codes, market_codes = factor_codes(prices["event_id"]), factor_codes(prices["market"])
    line = line_points(prices, event_codes, market_codes)
    market_id = combine_codes(event_codes, market_codes, factor_codes(pd.Series(line)))
    pair_id = combine_codes(market_id, factor_codes(prices["outcome"]))
    unique_pairs = np.unique(pair_id)
    first_market = np.zeros(pair_id.max(initial=-1) + 1, dtype=np.int64)
    first_market[pair_id] = market_id
    outcome_count = np.bincount(first_market[unique_pairs], minlength=market_id.max(initial=-1) + 1)

    price = prices["price_decimal"].to_numpy(dtype=float)
    usable = np.isfinite(price) & (price > 1.0)
    if max_age is not None:
        updated = pd.to_datetime(prices["last_update"], utc=True)
        reference = pd.Timestamp(now if now is not None else updated.max())
        reference = reference.tz_localize("UTC") if reference.tzinfo is None else reference
        usable &= (updated >= reference - max_age).to_numpy()
    rows = np.flatnonzero(usable)
    order = rows[np.lexsort((-price[rows], pair_id[rows]))]
    sorted_pairs = pair_id[order]
    best = order[np.r_[True, sorted_pairs[1:] != sorted_pairs[:-1]]] if len(order) else order
    result = prices.iloc[best].copy()
    result["point"] = line[best]
    result["market_id"] = market_id[best]
    result["outcome_count"] = outcome_count[market_id[best]]
    return result


def find_arbitrage(prices: pd.DataFrame, min_profit: float = DEFAULT_MIN_PROFIT, total_stake: Decimal = Decimal(100),
                   now: datetime | None = None, max_age: timedelta | None = None,
                   max_stakes: Mapping[str, Decimal] | None = None) -> pd.DataFrame:
    """One row per arbitrage (Σ 1/best < 1 − min_profit over a fully covered market), best first.

    Columns: event_id, market, point, legs (list of {bookmaker, outcome, price, stake, return}), implied_sum,
    profit_pct (theoretical, before rounding), total_stake, guaranteed_return, profit, binding_bookmaker.
    """
    best = best_prices(prices, now=now, max_age=max_age)
    market_id = best["market_id"].to_numpy()
    size = market_id.max(initial=-1) + 1
    covered = np.bincount(market_id, minlength=size)
    implied_sum = np.bincount(market_id, weights=1.0 / best["price_decimal"].to_numpy(dtype=float), minlength=size)
    outcome_count = np.zeros(size, dtype=np.int64)
    outcome_count[market_id] = best["outcome_count"].to_numpy()
    is_arbitrage = (covered >= 2) & (covered == outcome_count) & (implied_sum < 1 - min_profit)
    chosen = best[is_arbitrage[market_id]].sort_values(["market_id", "outcome"], kind="stable")
    columns = ["event_id", "market", "point", "legs", "implied_sum", "profit_pct", "total_stake",
               "guaranteed_return", "profit", "binding_bookmaker"]
    records = []
    for market, legs in chosen.groupby("market_id", sort=False):
        plan = plan_stakes(legs["price_decimal"].tolist(), total_stake, legs["bookmaker"].tolist(), max_stakes)
        records.append({
            "event_id": legs["event_id"].iloc[0], "market": legs["market"].iloc[0], "point": legs["point"].iloc[0],
            "legs": [{"bookmaker": book, "outcome": outcome, "price": _decimal(price), "stake": stake, "return": ret}
                     for book, outcome, price, stake, ret in zip(legs["bookmaker"], legs["outcome"],
                                                                 legs["price_decimal"], plan.stakes, plan.returns)],
            "implied_sum": float(implied_sum[market]), "profit_pct": float((1 / implied_sum[market] - 1) * 100),
            "total_stake": plan.total_stake, "guaranteed_return": plan.guaranteed_return, "profit": plan.profit,
            "binding_bookmaker": plan.binding_bookmaker,
        })
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values("profit_pct", ascending=False, kind="stable").reset_index(drop=True)
