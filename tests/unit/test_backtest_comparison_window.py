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
    assert comparison_markdown(table).splitlines()[2].startswith(
        "| favourite_flat-2025-01-01-2025-06-30 | favourite_flat | 2025-01-01..2025-06-30 | 800 | 5.00% |")


def test_one_window_adds_no_warning():
    table = comparison(runs(("a", "s", date(2024, 1, 1), date(2024, 6, 30), 40, 40, 1, 0.025, 0.01, 0.04, 0.1,
                             -0.1, 0.3, False)))
    assert verdict(table)["verdict"] == "a leads on ROI (2.5%); ROI confidence interval above zero for: a"


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
