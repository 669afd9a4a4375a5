"""``marts/strategy_triggers`` as an asset the UI shows, although no run materializes it.

The table is written by ``strategy_monitor_sensor`` inside its tick (see ``sensors.py`` for why no run), so it is an
external asset: the sensor reports a materialization with the upcoming picks as a table whenever what they show
changes, and the asset page is where a bettor finds today's picks. It declares no upstream assets on purpose: the
jobs that select ``downstream()`` of the cards and odds marts would then include an asset no run can materialize,
which Dagster rejects when it resolves those jobs.
"""
import dagster as dg

STRATEGY_TRIGGERS = dg.AssetKey(["marts", "strategy_triggers"])

strategy_triggers = dg.AssetSpec(
    key=STRATEGY_TRIGGERS, group_name="backtests", kinds={"python", "postgres"},
    description="Today's and tomorrow's picks of the active strategies (PADDOCK_ACTIVE_STRATEGIES, default every run "
                "of strategies.yaml) on the race cards and upcoming sports events: one row per run, race and "
                "selection, written by strategy_monitor_sensor every five minutes (no run).",
)
