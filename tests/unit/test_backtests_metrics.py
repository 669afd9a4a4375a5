"""Metrics: quantstats parity to 1e-9, the calendar-day convention, and hand-checked bet figures."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtests import metrics

qs_stats = pytest.importorskip("quantstats.stats")


def _series(values) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values), freq="D"), dtype=float)


SERIES = {
    "normal": _series(np.random.default_rng(1).normal(0.001, 0.02, 400)),
    "sparse_betting": _series(np.where(np.random.default_rng(2).random(365) < 0.2,
                                       np.random.default_rng(3).normal(0.0, 0.05, 365), 0.0)),
    "first_day_loss": _series([-0.1, 0.05, 0.02, -0.03, 0.04, 0.0, 0.01]),
    "heavy_tail": _series(np.random.default_rng(4).standard_t(3, 730) * 0.01),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_sharpe_sortino_drawdown_equal_quantstats(name):
    r = SERIES[name]
    assert metrics.sharpe_ratio(r, periods=365) == pytest.approx(qs_stats.sharpe(r, periods=365), abs=1e-9)
    assert metrics.sortino_ratio(r, periods=365) == pytest.approx(qs_stats.sortino(r, periods=365), abs=1e-9)
    assert metrics.max_drawdown(r) == pytest.approx(qs_stats.max_drawdown(r), abs=1e-9)


def test_max_drawdown_counts_a_first_day_loss_from_the_starting_equity():
    assert metrics.max_drawdown(_series([-0.1, 0.2])) == pytest.approx(-0.1)
    assert metrics.max_drawdown(_series([0.1, -0.5, 0.2])) == pytest.approx(-0.5)


def _bets() -> pd.DataFrame:
    # stake 10 each: win at 3.0, lose, lose, win at 2.0 (returns 30, 0, 0, 20) on 2024-01-01, 01-01, 01-03, 01-03
    return pd.DataFrame({
        "race_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-03"]),
        "stake": [10.0, 10.0, 10.0, 10.0], "ret": [30.0, 0.0, 0.0, 20.0], "pnl": [20.0, -10.0, -10.0, 10.0],
        "odds": [3.0, 4.0, 5.0, 2.0], "track": ["BEL", "CD", "BEL", "BEL"], "market": "win", "bet_type": "win",
        "closing_odds": [3.0, 4.0, 5.0, 2.0], "odds_are_closing": True,
    })


def test_daily_returns_fill_days_without_bets_with_zero():
    daily = metrics.daily_returns(_bets(), "2024-01-01", "2024-01-05", 100.0)
    assert list(daily["pnl"]) == [10.0, 0.0, 0.0, 0.0, 0.0]
    assert list(daily["equity"]) == [110.0, 110.0, 110.0, 110.0, 110.0]
    assert list(daily["daily_return"]) == [0.1, 0.0, 0.0, 0.0, 0.0]
    assert len(daily) == 5


def test_summary_figures_by_hand():
    bets = _bets()
    daily = metrics.daily_returns(bets, "2024-01-01", "2024-01-04", 100.0)
    m = metrics.summary(bets, daily, 100.0)
    assert (m["bets"], m["turnover"], m["profit"], m["final_bankroll"]) == (4, 40.0, 10.0, 110.0)
    assert m["roi"] == 0.25 and m["return_on_bankroll"] == 0.1 and m["yield_per_bet"] == 2.5
    assert m["win_rate"] == 0.5 and m["average_odds"] == 3.5
    assert m["profit_factor"] == 30.0 / 20.0
    assert (m["longest_winning_streak"], m["longest_losing_streak"]) == (1, 2)
    assert math.isnan(m["average_clv"])  # decided at the closing price: no closing-line value to measure
    assert m["max_drawdown"] == 0.0 and math.isnan(m["calmar"])
    assert m["sharpe"] == pytest.approx(metrics.sharpe_ratio(daily["daily_return"]))


def test_clv_and_breakdowns():
    bets = _bets().assign(closing_odds=[2.5, 4.0, 5.0, 2.5], odds_are_closing=False)
    m = metrics.summary(bets, metrics.daily_returns(bets, "2024-01-01", "2024-01-03", 100.0), 100.0)
    assert m["average_clv"] == pytest.approx(np.mean([3.0 / 2.5 - 1, 0.0, 0.0, 2.0 / 2.5 - 1]))
    by_track = metrics.breakdown(bets, "track").set_index("track")
    assert by_track.loc["BEL", "bets"] == 3 and by_track.loc["BEL", "profit"] == 20.0
    assert by_track.loc["CD", "roi"] == -1.0
    by_month = metrics.breakdown(bets, "month")
    assert list(by_month["month"]) == ["2024-01"] and by_month["roi"].iloc[0] == 0.25


def test_calmar_is_annualized_return_over_drawdown():
    r = _series([0.1, -0.2, 0.05] + [0.0] * 362)
    expected = ((1.1 * 0.8 * 1.05) ** (365 / 365) - 1) / 0.2
    assert metrics.calmar_ratio(r) == pytest.approx(expected)


def test_longest_streak():
    assert metrics.longest_streak(np.array([1, 1, 0, 1, 1, 1, 0], bool)) == 3
    assert metrics.longest_streak(np.zeros(4, bool)) == 0


def test_roi_interval_bootstrap_and_normal_agree_and_cover():
    rng = np.random.default_rng(5)
    n = metrics.BOOTSTRAP_MAX_BETS
    odds = rng.choice([2.0, 5.0, 10.0], n)
    pnl = np.where(rng.random(n) < 1 / odds, odds - 1, -1.0)
    stake = np.ones_like(pnl)
    boot = metrics.roi_confidence_interval(stake, pnl, resamples=2000)
    normal = metrics.roi_confidence_interval(np.r_[stake, stake], np.r_[pnl, pnl])  # above the bootstrap limit
    roi = pnl.mean()
    assert boot[0] < roi < boot[1]
    width = boot[1] - boot[0]
    assert (normal[1] - normal[0]) == pytest.approx(width / math.sqrt(2), rel=0.15)  # twice the bets: / √2
