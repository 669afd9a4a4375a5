"""A backtest run as table rows (Decimal money) and as JSON / CSV: the boundary where floats stop.

Row schemas (one function each, keys = column names of the marts tables):

- ``marts.backtest_runs`` (:func:`run_row`): run_id, strategy, market, params (JSON text), start_date, end_date,
  code_version, uses_final_odds, staking (JSON text), starting_bankroll, decisions, selections, skipped, then every
  metric of ``backtests.metrics.summary``: money (turnover, profit, final_bankroll, yield_per_bet) as Decimal cents,
  ratios (roi, sharpe, max_drawdown...) as Decimal to 6 places, counts as int; NaN/inf become None.
- ``marts.backtest_bets`` (:func:`bet_rows`): run_id, bet_number, selection_key, event_key, race_date, decision_time,
  track, market, bet_type, odds, probability, stake, return, pnl, won, closing_odds.
- ``marts.backtest_equity`` (:func:`equity_rows`): run_id, date, pnl, equity, daily_return.

``run_id`` is deterministic (strategy, params, window, staking, bankroll, code version), so re-running the same
partition replaces its rows instead of adding a copy. Money is rounded half-even to cents only here; the engine's
sums are exact to float precision, and rounding each bet before summing would make totals disagree with the rows.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pandas as pd

from backtests.engine import BacktestResult

CENT, RATIO = Decimal("0.01"), Decimal("0.000001")
MONEY_METRICS = {"turnover", "profit", "final_bankroll", "yield_per_bet"}
COUNT_METRICS = {"bets", "longest_winning_streak", "longest_losing_streak"}
RUN_COLUMNS = ("run_id", "strategy", "market", "params", "start_date", "end_date", "code_version", "uses_final_odds",
               "staking", "starting_bankroll", "decisions", "selections", "skipped")
BET_COLUMNS = ("run_id", "bet_number", "selection_key", "event_key", "race_date", "decision_time", "track", "market",
               "bet_type", "odds", "probability", "stake", "return", "pnl", "won", "closing_odds")
EQUITY_COLUMNS = ("run_id", "date", "pnl", "equity", "daily_return")


def decimal(value: Any, quantum: Decimal) -> Decimal | None:
    """Float → Decimal rounded half-even to ``quantum``; NaN, inf and None → None (SQL NULL)."""
    if value is None or isinstance(value, float) and not math.isfinite(value) or pd.isna(value):
        return None
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_EVEN)


def run_id(result: BacktestResult) -> str:
    key = json.dumps([result.strategy, result.params, str(result.start), str(result.end), result.staking.as_dict(),
                      result.bankroll, result.code_version, result.market], sort_keys=True, default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def run_row(result: BacktestResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run_id(result), "strategy": result.strategy, "market": result.market,
        "params": json.dumps(result.params, sort_keys=True, default=str), "start_date": result.start,
        "end_date": result.end, "code_version": result.code_version, "uses_final_odds": result.uses_final_odds,
        "staking": json.dumps(result.staking.as_dict(), sort_keys=True), "starting_bankroll": decimal(
            result.bankroll, CENT), "decisions": result.decisions, "selections": result.selections,
        "skipped": result.skipped,
    }
    for name, value in result.metrics.items():
        if name in COUNT_METRICS:
            row[name] = int(value)
        else:
            row[name] = decimal(value, CENT if name in MONEY_METRICS else RATIO)
    return row


def bet_rows(result: BacktestResult) -> list[dict[str, Any]]:
    rid, b = run_id(result), result.bets
    return [{"run_id": rid, "bet_number": i + 1, "selection_key": r.selection_key, "event_key": r.event_key,
             "race_date": pd.Timestamp(r.race_date).date(),
             "decision_time": pd.Timestamp(r.decision_time).to_pydatetime(),
             "track": r.track, "market": r.market, "bet_type": r.bet_type, "odds": decimal(r.odds, CENT),
             "probability": decimal(r.probability, RATIO), "stake": decimal(r.stake, CENT),
             "return": decimal(r.ret, CENT), "pnl": decimal(r.pnl, CENT), "won": bool(r.won),
             "closing_odds": decimal(r.closing_odds, CENT)} for i, r in enumerate(b.itertuples(index=False))]


def equity_rows(result: BacktestResult) -> list[dict[str, Any]]:
    rid = run_id(result)
    return [{"run_id": rid, "date": day.date(), "pnl": decimal(r.pnl, CENT), "equity": decimal(r.equity, CENT),
             "daily_return": decimal(r.daily_return, Decimal("0.00000001"))}
            for day, r in zip(result.daily.index, result.daily.itertuples(index=False))]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def to_json(result: BacktestResult, bets: bool = True) -> str:
    """The run row, equity rows and (optionally) bet rows as one JSON document; Decimals as strings (exact)."""
    document = {"run": run_row(result), "equity": equity_rows(result)}
    if bets:
        document["bets"] = bet_rows(result)
    return json.dumps(document, default=_plain, indent=1)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows (run, bets or equity) as CSV text with a header; Decimals written exactly."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({k: _plain(v) for k, v in row.items()} for row in rows)
    return out.getvalue()
