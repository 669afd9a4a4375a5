"""A replay's orders and settlements as a backtest run like the racing ones, plus the exchange's own per-market view.

Same tables, metrics, equity curves and comparison as every other backtest (``backtests.store.write_run``,
``backtests.metrics.summary``), so ``paddock backtest compare`` and ``marts.strategy_comparison`` set exchange runs
beside racing ones. The mapping, one bet row per order that matched anything:

- ``stake`` is what the bet risked: a back's matched size, a lay's liability (Σ size × (price − 1) of its fills);
  ``odds`` the average matched price; ``closing_odds`` the runner's reconciled BSP, the exchange's closing line
  (``odds_are_closing`` for BSP orders, so their CLV is not counted as zero);
- ``pnl`` is after commission: each market's commission (charged on its net winnings, never per bet) is shared out
  over the orders that won money there, pro rata, in cents, the remainder on the largest, so the rows add up to
  the market's net exactly; ``marts.exchange_backtest_markets`` keeps P&L before and after commission per market,
  with the size requested and matched (the fill rate).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pandas as pd

from backtests import metrics
from backtests.betting.staking import Staking
from backtests.engine import BacktestResult
from backtests.exchange.orders import Order
from backtests.exchange.replay import ReplayResult

ZERO, CENT = Decimal(0), Decimal("0.01")


def order_profits(replay: ReplayResult) -> dict[int, Decimal]:
    """Profit after commission per order id (orders with no fill are absent)."""
    profits: dict[int, Decimal] = {}
    by_market: dict[str, list[Order]] = defaultdict(list)
    for order in replay.orders:
        by_market[order.market_id].append(order)
    for market_id, settlement in replay.settlements.items():
        matched = [order for order in by_market[market_id] for _ in order.fills]  # settle order: order, then fill
        gross: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for order, bet in zip(matched, settlement.bets, strict=True):
            gross[order.order_id] += bet.profit
        winners = sorted((oid for oid, p in gross.items() if p > 0), key=lambda oid: (-gross[oid], oid))
        total_won = sum((gross[oid] for oid in winners), ZERO)
        shares = {oid: (settlement.commission * gross[oid] / total_won).quantize(CENT) for oid in winners}
        if winners:
            shares[winners[0]] += settlement.commission - sum(shares.values(), ZERO)
        profits.update({oid: p - shares.get(oid, ZERO) for oid, p in gross.items()})
    return profits


def bets_frame(replay: ReplayResult) -> pd.DataFrame:
    """One row per settled order that matched, in the columns ``backtests.metrics`` and ``results`` read."""
    profits = order_profits(replay)
    rows = []
    for order in replay.orders:
        if order.order_id not in profits:
            continue
        info = replay.markets[order.market_id]
        risked = order.size_matched if order.side == "back" else sum(
            (f.size * (f.price - 1) for f in order.fills), ZERO)
        pnl = profits[order.order_id]
        bsp = info.bsp.get(order.selection_id)
        rows.append({
            "selection_key": f"{order.market_id}:{order.selection_id}", "event_key": order.market_id,
            "race_date": pd.Timestamp(info.market_time.date()), "decision_time": pd.Timestamp(order.placed_at),
            "track": info.venue, "market": info.market_type, "bet_type": f"{order.side}_{order.order_type.lower()}",
            "odds": float(order.average_price_matched), "probability": float("nan"), "stake": float(risked),
            "ret": float(risked + pnl), "pnl": float(pnl), "won": pnl > 0,
            "closing_odds": float(bsp) if bsp is not None else float("nan"), "odds_are_closing": order.is_bsp})
    columns = ["selection_key", "event_key", "race_date", "decision_time", "track", "market", "bet_type", "odds",
               "probability", "stake", "ret", "pnl", "won", "closing_odds", "odds_are_closing"]
    return pd.DataFrame(rows, columns=columns)


def backtest_result(replay: ReplayResult, *, strategy: str, params: dict, start: date, end: date,
                    bankroll: float, stake: float) -> BacktestResult:
    """The replay as a ``BacktestResult`` (market ``exchange``), metrics over the window's calendar days."""
    bets = bets_frame(replay)
    daily = metrics.daily_returns(bets, start, end, bankroll)
    return BacktestResult(strategy, dict(params), "exchange", start, end, bankroll,
                          Staking(method="flat", flat_stake=stake), False, bets, daily,
                          metrics.summary(bets, daily, bankroll), decisions=len(replay.markets),
                          selections=len(replay.orders))


def market_rows(replay: ReplayResult) -> list[dict]:
    """Per replayed market: P&L before and after commission, size requested and matched, fill rate."""
    requested: dict[str, Decimal] = defaultdict(lambda: ZERO)
    matched: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for order in replay.orders:
        requested[order.market_id] += order.size if order.size is not None else ZERO
        matched[order.market_id] += order.size_matched
    rows = []
    for market_id, info in sorted(replay.markets.items(), key=lambda item: (item[1].market_time, item[0])):
        settlement = replay.settlements.get(market_id)
        asked = requested[market_id]
        rows.append({
            "market_id": market_id, "market_type": info.market_type, "venue": info.venue,
            "market_time": info.market_time, "orders": sum(o.market_id == market_id for o in replay.orders),
            "requested_size": asked, "matched_size": matched[market_id],
            "fill_rate": (matched[market_id] / asked).quantize(Decimal("0.0001")) if asked else None,
            "gross_profit": settlement.gross_profit if settlement else None,
            "commission": settlement.commission if settlement else None,
            "net_profit": settlement.net_profit if settlement else None,
            "unsettled_reason": replay.unsettled.get(market_id)})
    return rows
