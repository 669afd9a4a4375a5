"""Backtest metrics: one function set with one set of conventions, so every report and table agrees.

Conventions (the figures in ``marts.backtest_runs`` follow them):

- **Bets** are rows with a positive stake; ``pnl`` = return − stake (after commission), ``ret`` the gross return.
- **ROI** = profit / turnover (total staked). **Return on bankroll** = profit / starting bankroll.
  **Yield per bet** = profit / number of bets, in money (ROI is the percentage "yield" of the trade press).
- **Win rate** = share of bets that returned anything (a dead-heat half-win counts as a win).
  **Average odds** = mean decision odds of the bets placed. **Profit factor** = gross profit / gross loss over the
  bets' P&L (inf with no losing bet). **Streaks** = longest runs of winning / losing bets in decision order.
- **Daily returns**: the equity curve is marked at the close of each calendar day in the window (every bet settles
  on its race day); a day's return is its P&L / the previous close. Days with no bets are 0, not missing, so a
  strategy that bets twice a year is not credited with a low volatility it never had to live with.
- **Sharpe** = mean / sample std (ddof 1) of daily returns × √periods; **Sortino** = mean / downside deviation
  (√(Σ r² over r < 0 / n), n = all days) × √periods; periods = 365 because racing and sports run every day.
  **Max drawdown** = min over time of equity / running peak − 1 with the starting equity (1.0) as the first peak:
  a negative fraction. All three equal quantstats' ``sharpe``, ``sortino`` and ``max_drawdown`` on the same series
  (tested to 1e-9); they are reimplemented so quantstats stays a test-only dependency.
- **Calmar** = annualized return (compounded over the window's calendar days) / |max drawdown|.
- **CLV** (closing-line value) = mean of decision odds / closing odds − 1 over bets whose closing odds differ in
  source from the decision odds; NaN when the decision was taken at the closing price (``uses_final_odds``).
- **ROI confidence interval**: percentile bootstrap over bets (resampling whole bets, ratio of sums) up to
  ``BOOTSTRAP_MAX_BETS`` bets, the delta-method normal interval of the same ratio above that (the two agree at that
  size and the bootstrap would cost seconds).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

PERIODS = 365
BOOTSTRAP_MAX_BETS = 5_000


def _clean(daily_returns: pd.Series) -> pd.Series:
    return pd.Series(daily_returns, dtype=float).replace([np.inf, -np.inf], np.nan).dropna()


def sharpe_ratio(daily_returns: pd.Series, periods: int = PERIODS) -> float:
    r = _clean(daily_returns)
    std = r.std(ddof=1)
    return float(r.mean() / std * math.sqrt(periods)) if len(r) > 1 and std > 0 else float("nan")


def sortino_ratio(daily_returns: pd.Series, periods: int = PERIODS) -> float:
    r = _clean(daily_returns)
    downside = math.sqrt(float((r[r < 0] ** 2).sum()) / len(r)) if len(r) else 0.0
    return float(r.mean() / downside * math.sqrt(periods)) if downside > 0 else float("nan")


def equity_curve(daily_returns: pd.Series, start: float = 1.0) -> pd.Series:
    return start * (1 + pd.Series(daily_returns, dtype=float).fillna(0.0)).cumprod()


def max_drawdown(daily_returns: pd.Series) -> float:
    equity = np.r_[1.0, equity_curve(daily_returns).to_numpy()]
    return float((equity / np.maximum.accumulate(equity)).min() - 1)


def annualized_return(daily_returns: pd.Series, periods: int = PERIODS) -> float:
    r = pd.Series(daily_returns, dtype=float).fillna(0.0)
    if r.empty:
        return float("nan")
    growth = float((1 + r).prod())
    return growth ** (periods / len(r)) - 1 if growth > 0 else -1.0


def calmar_ratio(daily_returns: pd.Series, periods: int = PERIODS) -> float:
    drawdown = max_drawdown(daily_returns)
    return annualized_return(daily_returns, periods) / abs(drawdown) if drawdown < 0 else float("nan")


def daily_returns(bets: pd.DataFrame, start, end, bankroll: float) -> pd.DataFrame:
    """One row per calendar day in [start, end]: pnl, equity at the close, and the day's return (0 with no bets)."""
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    pnl = bets.groupby(pd.to_datetime(bets["race_date"]).dt.normalize())["pnl"].sum() if len(bets) else pd.Series(
        dtype=float)
    pnl = pnl.reindex(days, fill_value=0.0).astype(float)
    equity = bankroll + pnl.cumsum()
    previous = equity.shift(1, fill_value=bankroll)
    returns = (pnl / previous).where(previous > 0, 0.0)
    return pd.DataFrame({"pnl": pnl, "equity": equity, "daily_return": returns}).rename_axis("date")


def longest_streak(flags: np.ndarray) -> int:
    """Longest run of True in order (vectorized: run lengths from the positions where the flag changes)."""
    flags = np.asarray(flags, dtype=bool)
    if not flags.any():
        return 0
    padded = np.r_[False, flags, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


def roi_confidence_interval(stake: np.ndarray, pnl: np.ndarray, level: float = 0.95, resamples: int = 2000,
                            seed: int = 0) -> tuple[float, float]:
    """Interval for ROI = Σpnl / Σstake (see the module docstring for the method)."""
    stake, pnl = np.asarray(stake, dtype=float), np.asarray(pnl, dtype=float)
    n = len(stake)
    if n < 2 or stake.sum() <= 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    if n > BOOTSTRAP_MAX_BETS:
        roi = pnl.sum() / stake.sum()
        residual = pnl - roi * stake
        se = math.sqrt(n / (n - 1) * float((residual ** 2).sum())) / stake.sum()
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1 - alpha)
        return roi - z * se, roi + z * se
    rng = np.random.default_rng(seed)
    estimates = np.empty(resamples)
    chunk = max(1, 2_000_000 // n)
    for first in range(0, resamples, chunk):
        picks = rng.integers(0, n, size=(min(chunk, resamples - first), n))
        estimates[first:first + len(picks)] = pnl[picks].sum(axis=1) / stake[picks].sum(axis=1)
    low, high = np.quantile(estimates, [alpha, 1 - alpha])
    return float(low), float(high)


def summary(bets: pd.DataFrame, daily: pd.DataFrame, bankroll: float) -> dict[str, float]:
    """Every headline metric of a run as floats (NaN where undefined), keyed as in ``marts.backtest_runs``."""
    stake, pnl = bets["stake"].to_numpy(float), bets["pnl"].to_numpy(float)
    won = bets["ret"].to_numpy(float) > 0
    turnover, profit, n = float(stake.sum()), float(pnl.sum()), len(bets)
    gross_win, gross_loss = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
    clv = float("nan")
    if "closing_odds" in bets and n:
        has = bets["closing_odds"].notna() & ~bets.get("odds_are_closing", pd.Series(True, index=bets.index))
        if has.any():
            clv = float((bets.loc[has, "odds"] / bets.loc[has, "closing_odds"] - 1).mean())
    low, high = roi_confidence_interval(stake, pnl)
    r = daily["daily_return"]
    return {
        "bets": n, "turnover": turnover, "profit": profit,
        "final_bankroll": bankroll + profit,
        "roi": profit / turnover if turnover else float("nan"),
        "roi_ci_low": low, "roi_ci_high": high,
        "return_on_bankroll": profit / bankroll,
        "yield_per_bet": profit / n if n else float("nan"),
        "win_rate": float(won.mean()) if n else float("nan"),
        "average_odds": float(bets["odds"].mean()) if n else float("nan"),
        "profit_factor": gross_win / gross_loss if gross_loss else (float("inf") if gross_win else float("nan")),
        "sharpe": sharpe_ratio(r), "sortino": sortino_ratio(r), "max_drawdown": max_drawdown(r),
        "calmar": calmar_ratio(r), "annualized_return": annualized_return(r),
        "longest_winning_streak": longest_streak(won), "longest_losing_streak": longest_streak(~won),
        "average_clv": clv,
    }


def breakdown(bets: pd.DataFrame, by: str) -> pd.DataFrame:
    """Bets, turnover, profit, ROI and win rate per ``by``: "month" or any bets column (track, market, bet_type)."""
    key = pd.to_datetime(bets["race_date"]).dt.strftime("%Y-%m").rename("month") if by == "month" else bets[by]
    grouped = bets.assign(_won=bets["ret"] > 0).groupby(key)
    table = pd.DataFrame({"bets": grouped.size(), "turnover": grouped["stake"].sum(), "profit": grouped["pnl"].sum(),
                          "win_rate": grouped["_won"].mean()})
    table["roi"] = table["profit"] / table["turnover"]
    return table.reset_index()
