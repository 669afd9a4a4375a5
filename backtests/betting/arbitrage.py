"""Cross-book arbitrage: find markets whose best prices cover every result at a profit, and stake them.

An arbitrage is only real if (a) every outcome of the market is covered, (b) the prices compared are for the same
line (and, on team totals, the same team: the outcome ``description``), (c) none of them is stale and (d) the
rounded stakes return more than they cost in *every* result — including a push on a whole-number line, the halves
of a quarter line and the draw of a soccer moneyline. So the scan builds each market's outcome set from *every*
book's quotes (a book that lists the draw proves the market has a draw, even if that quote is stale), compares
lines only at the same line, and takes the best fresh price per outcome. That part is vectorized, because a day of
prices is millions of rows: each text column is factorized once to integer codes, the codes are combined
arithmetically into dense market and (market, outcome) ids, and the best price, outcome count and Σ 1/price of each
are segment reductions over those ids (``ufunc.at`` / ``bincount``), without a sort or a Python object per row; only
the candidates' legs become a frame. Σ 1/price < 1 is necessary for a profit in every result,
so it picks the few candidate markets; each candidate is then settled in every scenario of
:mod:`backtests.betting.scenarios` with the cent stakes of :mod:`backtests.betting.arbitrage_stakes`, and reported only if the worst
case of those stakes is a profit of at least a cent and more than ``min_profit`` of the stake. A void (the event
abandoned) refunds every leg and is not counted as a result.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from backtests.betting.arbitrage_stakes import CENT, StakePlan, optimal_stakes, plan_stakes, to_decimal
from backtests.betting.odds import OddsError
from backtests.betting.scenarios import (H2H_MARKETS, SPREAD_MARKETS, TOTAL_MARKETS, ScenarioError, Selection, as_decimal,
                                 payoffs)

__all__ = ["CENT", "StakePlan", "best_prices", "find_arbitrage", "optimal_stakes", "plan_stakes"]
DEFAULT_MIN_PROFIT = 0.01
# Spread outcomes quote opposite points (home -4, away +4): they are one line, keyed by the first outcome's point.
OPPOSED_POINT_MARKETS = frozenset({"spreads", "alternate_spreads"})
PRICE_COLUMNS = ("event_id", "market", "point", "outcome", "bookmaker", "price_decimal", "last_update")
LEG_COLUMNS = ("market_id", "event_id", "market", "point", "outcome", "bookmaker", "price_decimal", "sport",
               "description")


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense int64 codes in order of first appearance and the distinct values; every missing value shares one code,
    the one after the distinct values. (pandas' default sentinel skips the isna pass over a column of objects that
    ``use_na_sentinel=False`` costs; a day's odds has three such columns of millions of rows.)"""
    codes, uniques = pd.factorize(values)
    codes = codes.astype(np.int64, copy=False)
    missing = codes < 0
    if missing.any():
        codes[missing] = len(uniques)
    return codes, np.asarray(uniques, dtype=object)


def factor_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    return factorize(values)[0]


def dense_codes(keys: np.ndarray) -> np.ndarray:
    """Non-negative int64 keys renumbered 0, 1, … in order of first appearance.

    A hash factorize of a million integer keys costs as much as sorting them; when the keys are few times as many
    as the rows (combined codes usually are) the first row of each key is found by a direct-address minimum instead.
    """
    size, rows = int(keys.max(initial=-1)) + 1, len(keys)
    if size > 4 * rows + 1024:
        return pd.factorize(keys)[0].astype(np.int64)
    first = np.full(size, rows, dtype=np.int64)
    np.minimum.at(first, keys, np.arange(rows, dtype=np.int64))
    present = np.flatnonzero(first < rows)
    renumber = np.empty(size, dtype=np.int64)
    renumber[present[np.argsort(first[present], kind="stable")]] = np.arange(len(present), dtype=np.int64)
    return renumber[keys]


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One dense integer id per distinct tuple of codes, in order of first appearance (cheaper than grouping on
    strings): the codes are combined arithmetically, re-densified only when the product would leave int64."""
    combined = codes[0]
    for code in codes[1:]:
        width = int(code.max(initial=0)) + 1
        if (int(combined.max(initial=0)) + 1) * width >= 2 ** 62:
            combined = dense_codes(combined)
        combined = combined * width + code
    return dense_codes(combined)


def _opposed(market: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    codes, uniques = market
    return np.r_[np.isin(uniques, list(OPPOSED_POINT_MARKETS)), False][codes]  # the trailing False: missing market


def line_points(prices: pd.DataFrame, event: tuple[np.ndarray, np.ndarray] | None = None,
                market: tuple[np.ndarray, np.ndarray] | None = None,
                outcome: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The line a row belongs to: its point, except on spreads where every outcome but the first (by name) is negated.

    Spread outcomes quote opposite points (home -4, away +4); keyed by the first outcome's point they form one line,
    while a different line (home -3.5) stays apart. The :func:`factorize` of a column may be passed in so that no
    column is factorized twice; outcomes are ranked by name through their distinct values (a missing one first).
    """
    line = prices["point"].to_numpy(dtype=float, na_value=np.nan).copy()
    market = factorize(prices["market"]) if market is None else market
    opposed = _opposed(market)
    if not opposed.any():
        return line
    event_codes = factor_codes(prices["event_id"]) if event is None else event[0]
    outcome_codes, names = factorize(prices["outcome"]) if outcome is None else outcome
    rank = np.r_[pd.factorize(names, sort=True)[0], -1]  # name order of each outcome code
    rows = np.flatnonzero(opposed)
    market_of_row = combine_codes(event_codes[rows], market[0][rows])
    outcome_rank = rank[outcome_codes[rows]]
    first = np.full(market_of_row.max(initial=-1) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, market_of_row, outcome_rank)
    line[rows[outcome_rank != first[market_of_row]]] *= -1
    return line + 0.0  # + 0.0 turns -0.0 into 0.0 so pick'em lines match


def fresh(prices: pd.DataFrame, now: datetime | None = None, max_age: timedelta | None = None) -> np.ndarray:
    """Rows whose ``last_update`` is within ``max_age`` of ``now`` (default: the newest update in ``prices``).

    The one staleness rule for every price compared — arbitrage legs, the sharp quote a fair line comes from and the
    retail price set against it — so a stale quote can never make a signal on one path and not on another.
    """
    if max_age is None:
        return np.ones(len(prices), dtype=bool)
    updated = pd.to_datetime(prices["last_update"], utc=True)
    reference = pd.Timestamp(now) if now is not None else updated.max()
    reference = reference.tz_localize("UTC") if reference.tzinfo is None else reference
    return (updated >= reference - max_age).to_numpy()


def market_ids(prices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one definition of a market, for the arbitrage scan and the value bets alike: every row's line, market id
    (event, market, line and, on team totals, the team: ``description``), (market, outcome) pair id, and each
    market's count of distinct outcomes quoted by any book. Ids are dense, in order of first appearance."""
    missing = set(PRICE_COLUMNS) - set(prices.columns)
    if missing:
        raise ValueError(f"prices lack columns {sorted(missing)}")
    event, market, outcome = factorize(prices["event_id"]), factorize(prices["market"]), factorize(prices["outcome"])
    line = line_points(prices, event, market, outcome)
    key = [event[0], market[0], factor_codes(line)]
    if "description" in prices:
        key.append(description_codes(prices["description"]))
    market_id = combine_codes(*key)
    pair_id = combine_codes(market_id, outcome[0])
    pair_market = np.zeros(pair_id.max(initial=-1) + 1, dtype=np.int64)
    pair_market[pair_id] = market_id
    return line, market_id, pair_id, np.bincount(pair_market, minlength=market_id.max(initial=-1) + 1)


def _best_quotes(prices: pd.DataFrame, now: datetime | None,
                 max_age: timedelta | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the best fresh quote per (market, outcome) in first-appearance order of the pair, with every row's
    line and market id and each market's outcome count (from all quotes). No sort: the best price of a pair is a
    segment maximum over dense pair ids, and of equal prices the first row wins (as a stable sort would pick)."""
    line, market_id, pair_id, outcome_count = market_ids(prices)
    pair_count = int(pair_id.max(initial=-1)) + 1
    price = prices["price_decimal"].to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(np.isfinite(price) & (price > 1.0) & fresh(prices, now, max_age))
    pairs, quoted = pair_id[rows], price[rows]
    top = np.full(pair_count, -np.inf)
    np.maximum.at(top, pairs, quoted)
    at_top = quoted == top[pairs]
    winner = np.full(pair_count, len(price), dtype=np.int64)
    np.minimum.at(winner, pairs[at_top], rows[at_top])
    return winner[winner < len(price)], line, market_id, outcome_count


def best_prices(prices: pd.DataFrame, now: datetime | None = None, max_age: timedelta | None = None) -> pd.DataFrame:
    """Best fresh price per (event, market, line, outcome), with each market's outcome count from all quotes.

    Returns one row per priced outcome with columns market_id, outcome_count (outcomes any book quotes) and the
    original columns of the winning quote. Prices ≤ 1.0 or missing are ignored rather than trusted. With a
    ``description`` column (whose team a team total is on) it is part of the market (missing = no description).
    """
    best, line, market_id, outcome_count = _best_quotes(prices, now, max_age)
    result = prices.iloc[best].copy()
    result["point"] = line[best]
    result["market_id"] = market_id[best]
    result["outcome_count"] = outcome_count[market_id[best]]
    return result


def description_codes(values: pd.Series) -> np.ndarray:
    """Codes of the team a team total is on (part of a market's key wherever markets are grouped: team A's over
    and team B's over at the same line are two markets), a missing description one with "" (no description)."""
    codes, uniques = factorize(values)
    blank = np.flatnonzero(uniques == "")
    if len(blank):
        codes[codes == len(uniques)] = blank[0]
    return codes


def _selections(market: str, outcomes: list[str], line: float) -> list[Selection] | None:
    """The legs as scenario selections (outcomes in name order), or None for a one-winner market (racing win …).

    On spreads the first outcome by name carries the line and the other its negation (see :func:`line_points`).
    """
    lowered = [outcome.strip().lower() for outcome in outcomes]
    if market in TOTAL_MARKETS:
        return [Selection(side, as_decimal(line, "point")) for side in lowered]
    if market in SPREAD_MARKETS:
        if len(outcomes) != 2:
            raise ScenarioError(f"a spread of {len(outcomes)} outcomes {outcomes} is not one line")
        return [Selection("home", as_decimal(line, "point")), Selection("away", -as_decimal(line, "point"))]
    if market in H2H_MARKETS and len([o for o in lowered if o != "draw"]) == 2:
        teams = iter(("home", "away"))
        return [Selection("draw" if o == "draw" else next(teams)) for o in lowered]
    return None


def plan_market(market: str, outcomes: list[str], prices: list[float], bookmakers: list[str], point: float,
                total_stake: Decimal, max_stakes: Mapping[str, Decimal] | None, sport: str = "") -> StakePlan:
    """Stakes for one candidate market (its best legs in outcome order), judged in every scenario of its lines.

    A moneyline is three-way when the draw is quoted or the sport is soccer (a soccer moneyline missing its draw
    loses both team legs on a draw — it is not the two-way market it looks like).
    """
    selections = _selections(market, outcomes, point)
    matrix = None
    if selections is not None:
        three_way = any(s.side == "draw" for s in selections) or sport.startswith("soccer")
        matrix = payoffs(market, selections, [to_decimal(price) for price in prices], three_way=three_way)
    return plan_stakes(prices, total_stake, bookmakers, max_stakes, payoffs=matrix)


def find_arbitrage(prices: pd.DataFrame, min_profit: float = DEFAULT_MIN_PROFIT, total_stake: Decimal = Decimal(100),
                   now: datetime | None = None, max_age: timedelta | None = None,
                   max_stakes: Mapping[str, Decimal] | None = None) -> pd.DataFrame:
    """One row per arbitrage over a fully covered market, best first: the cent stakes (within ``max_stakes`` by
    book) return at least a cent more than they cost in every result, and more than ``min_profit`` × the stake.

    Columns: event_id, market, point, description, legs (list of {bookmaker, outcome, price, stake, return}),
    implied_sum (of the best prices), profit_pct (guaranteed, of the rounded stakes), total_stake,
    guaranteed_return, profit, binding_bookmaker. A market whose outcomes cannot be settled as a line (a spread
    with three outcomes, a total without Over/Under) is skipped, never guessed.
    """
    if Decimal(total_stake) <= 0 or Decimal(total_stake) != Decimal(total_stake).quantize(CENT):
        raise ValueError(f"total stake must be a positive whole number of cents, got {total_stake!r}")
    best, line, market_id, outcome_count = _best_quotes(prices, now, max_age)
    ids = market_id[best]
    size = len(outcome_count)
    covered = np.bincount(ids, minlength=size)
    price = prices["price_decimal"].to_numpy(dtype=float, na_value=np.nan)
    implied_sum = np.bincount(ids, weights=1.0 / price[best], minlength=size)
    # Necessary for a profit > min_profit in every result; the tolerance keeps float error from dropping a candidate.
    candidate = (covered >= 2) & (covered == outcome_count) & (implied_sum * (1 + min_profit) < 1 + 1e-9)
    legs = best[candidate[ids]]  # only the candidates' legs become a frame: a few thousand rows of millions
    chosen = prices.iloc[legs].assign(point=line[legs], market_id=market_id[legs])
    chosen = chosen.sort_values(["market_id", "outcome"], kind="stable")
    threshold = Decimal(repr(float(min_profit)))
    columns = ["event_id", "market", "point", "description", "legs", "implied_sum", "profit_pct", "total_stake",
               "guaranteed_return", "profit", "binding_bookmaker"]
    records = []
    column = {name: chosen[name].to_numpy().tolist() for name in chosen.columns if name in LEG_COLUMNS}
    ids = chosen["market_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else ids
    for first, end in zip(starts.tolist(), [*starts[1:].tolist(), len(ids)]):
        leg = {name: values[first:end] for name, values in column.items()}
        try:
            plan = plan_market(leg["market"][0], [str(o) for o in leg["outcome"]], leg["price_decimal"],
                               leg["bookmaker"], leg["point"][0], total_stake, max_stakes,
                               str(leg["sport"][0]) if "sport" in leg else "")
        except (ScenarioError, OddsError):  # one market that cannot be settled never stops the scan
            continue
        if plan.profit < CENT or plan.profit <= threshold * plan.total_stake:
            continue
        description = leg["description"][0] if "description" in leg else None
        records.append({
            "event_id": leg["event_id"][0], "market": leg["market"][0], "point": leg["point"][0],
            "description": None if pd.isna(description) or description == "" else description,
            "legs": [{"bookmaker": book, "outcome": outcome, "price": to_decimal(price), "stake": stake, "return": ret}
                     for book, outcome, price, stake, ret in zip(leg["bookmaker"], leg["outcome"],
                                                                 leg["price_decimal"], plan.stakes, plan.returns)],
            "implied_sum": float(implied_sum[ids[first]]), "profit_pct": float(plan.profit_pct),
            "total_stake": plan.total_stake, "guaranteed_return": plan.guaranteed_return, "profit": plan.profit,
            "binding_bookmaker": plan.binding_bookmaker,
        })
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.sort_values("profit_pct", ascending=False, kind="stable").reset_index(drop=True)
