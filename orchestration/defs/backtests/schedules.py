"""Jobs for the backtests: one partition per named run (what a UI backfill of ``backtest`` launches), then the
comparison. Backtests read history but never run on a schedule: a new strategy is a decision, not a cron."""
import dagster as dg

from orchestration.defs.backtests.assets import backtest, strategy_comparison
from orchestration.defs.backtests.partitions import strategy_partitions

backtest_job = dg.define_asset_job(
    name="backtest_job", selection=[backtest], partitions_def=strategy_partitions,
    description="Run one named backtest (a partition of marts/backtest) over the history window.",
)
strategy_comparison_job = dg.define_asset_job(
    name="strategy_comparison_job", selection=[strategy_comparison],
    description="Rank every stored backtest run by ROI, Sharpe and drawdown.",
)
