"""The comparison never hides what a run was tested over: the window is a column, and the verdict says when runs of
different windows stand side by side. Hand-run CLI names carry the window, so they never equal a partition name."""
from datetime import date

import pandas as pd

from backtests.report import comparison, comparison_markdown, verdict
from backtests.store import NAME, RunSpec
from paddock.cli.backtest import default_run_name


def runs(*rows):
    columns = ["run_name", "strategy", "start_date", "end_date", "bets", "turnover", "profit", "roi", "roi_ci_low",
               "roi_ci_high", "sharpe", "max_drawdown", "win_rate", "uses_final_odds"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows])


def test_window_column_and_the_verdict_on_mixed_windows():
    table = comparison(runs(
        ("favourite_flat", "favourite_flat", date(2024, 1, 1), date(2025, 11, 30), 5000, 5000, -400, -0.08, -0.1,
         -0.06, -1.0, -0.2, 0.33, True),
        ("favourite_flat-2025-01-01-2025-06-30", "favourite_flat", date(2025, 1, 1), date(2025, 6, 30), 800, 800, 40,
         0.05, -0.02, 0.12, 0.4, -0.05, 0.36, True)))
    assert table["window"].tolist() == ["2025-01-01..2025-06-30", "2024-01-01..2025-11-30"]  # best ROI first
    assert verdict(table)["verdict"] == (
        "favourite_flat-2025-01-01-2025-06-30 leads on ROI (5.0%) but no run's ROI interval clears zero; decided on "
        "final odds, which flatters price-based strategies; runs cover different windows "
        "(2024-01-01..2025-11-30, 2025-01-01..2025-06-30): compare like with like")
    assert comparison_markdown(table).splitlines()[:3] == [
        "| run | window | bets | ROI | ROI 95 % CI | Sharpe | max DD | win rate |", "|---|---|---|---|---|---|---|---|",
        "| favourite_flat-2025-01-01-2025-06-30 | 2025-01-01..2025-06-30 | 800 | 5.00% | -2.0% … 12.0% | 0.40 | "
        "-5.00% | 36.00% |"]


def test_one_window_adds_no_warning():
    table = comparison(runs(("a", "s", date(2024, 1, 1), date(2024, 6, 30), 40, 40, 1, 0.025, 0.01, 0.04, 0.1,
                             -0.1, 0.3, False)))
    assert verdict(table)["verdict"] == "a leads on ROI (2.5%); ROI confidence interval above zero for: a"
    # one shared window: said once above the table, not repeated in a column (the table must fit the asset page)
    assert comparison_markdown(table).splitlines() == [
        "window: 2024-01-01..2024-06-30", "", "| run | bets | ROI | ROI 95 % CI | Sharpe | max DD | win rate |",
        "|---|---|---|---|---|---|---|", "| a | 40 | 2.50% | 1.0% … 4.0% | 0.10 | -10.00% | 30.00% |"]


def test_default_names_carry_window_and_changed_parameters():
    listed = RunSpec("favourite_flat", "favourite_flat", {}, {"method": "flat", "flat_stake": 1}, 100000.0)
    assert default_run_name(listed, listed, "2025-01-01", "2025-06-30") == "favourite_flat-2025-01-01-2025-06-30"
    changed = RunSpec(listed.name, listed.strategy, {"max_odds": 5}, listed.staking, listed.bankroll)
    name = default_run_name(listed, changed, "2025-01-01", "2025-06-30")
    assert name.startswith("favourite_flat-2025-01-01-2025-06-30-") and len(name) == 43
    assert name != default_run_name(listed, RunSpec(listed.name, listed.strategy, {"max_odds": 6}, listed.staking,
                                                    listed.bankroll), "2025-01-01", "2025-06-30")
    long = RunSpec("x" * 63, "favourite_flat")
    assert NAME.match(default_run_name(long, long, "2025-01-01", "2025-06-30"))


def test_roi_to_date_is_profit_over_turnover_so_far_per_run():
    """The comparison's chart: runs of different bankrolls on one axis. By hand: run a stakes 2 and loses it (−100 %),
    then stakes 2 and makes 3 (1 / 4 = +25 %); run b first bets on day two (blank before), 1 for +0.5 (+50 %), and
    keeps its ROI on a day it has no bet."""
    from backtests.report import comparison_png, roi_to_date

    daily = pd.DataFrame({"run_name": ["a", "a", "a", "b"],
                          "race_date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 2)],
                          "stake": [2, 2, 0, 1], "pnl": [-2, 3, 0, 0.5]})
    curves = roi_to_date(daily)
    assert curves["a"].tolist() == [-1.0, 0.25, 0.25]
    assert pd.isna(curves["b"].iloc[0]) and curves["b"].iloc[1:].tolist() == [0.5, 0.5]
    assert comparison_png(curves).startswith(b"\x89PNG\r\n\x1a\n")
