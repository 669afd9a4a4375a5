"""A job that rebuilds everything downstream of the normalized odds: the dbt odds marts and the signals.

Automation keeps these fresh after each sensor-launched odds run; the job is what `paddock run` and a manual refresh use.
The sports backtests on recorded snapshots (``marts/odds_backtest``) are downstream too but left out: a backtest is
launched by someone who chose its run and window, never as part of a refresh.
"""
import dagster as dg

from orchestration.defs.backtests.odds import ODDS_BACKTEST_KEY

# What the odds models read: the polled tables and the fetch log (for fetch_health).
ODDS_INPUTS = dg.AssetSelection.assets(
    *(dg.AssetKey(["raw", t]) for t in ("events", "odds_snapshots", "odds")), dg.AssetKey(["ops", "fetch_log"])
)

odds_marts_job = dg.define_asset_job(
    name="odds_marts_job",
    selection=ODDS_INPUTS.downstream() - ODDS_INPUTS - dg.AssetSelection.assets(ODDS_BACKTEST_KEY),
    description="Rebuild the odds marts (line movement, best odds, consensus, ...) and the arbitrage / value signals.",
)
