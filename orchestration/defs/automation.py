"""The automation condition of everything that follows odds loads (odds dbt models, arbitrage, value bets).

``AutomationCondition.eager()`` forgets a dependency's update once the target is *updated*: an odds load that lands
while the dbt/arbitrage run is still going is dropped when that run finishes, and its prices wait for the next
load (up to a polling tier's interval; the poll → arbitrage benchmark lost 2 of 10 planted opportunities that way).
``eager_keeping_updates`` remembers dependency updates until the target is next *requested*, so an update that
arrives mid-run starts one more run as soon as the current one ends. Everything else is eager's: latest time window,
missing partitions, no missing or in-progress dependencies, never two runs of the target at once.

Each poll's run builds the signals' inputs and the signals itself (``odds_job``): those assets' parents are updated
in the same run, which Dagster's ``any_deps_updated`` ignores, so automation requests them only after updates from
elsewhere (the backfill, a manual load). The odds marts no signal reads follow every poll through automation.

The historical odds backfill (``ops/odds_backfill``, one partition per snapshot day since 2020) feeds the odds
staging models too, so a backfilled day rebuilds the marts like a poll does. Its partitions are mostly never
materialized and a backfill can run for hours, so it is left out of "no missing or in-progress dependencies": it
would otherwise hold every live odds rebuild back.
"""
import dagster as dg

ODDS_BACKFILL_KEY = dg.AssetKey(["ops", "odds_backfill"])
#: The poll → signal path's concurrency pool (limit 1 in dagster.yaml): the odds dbt build that feeds the signals and
#: the arbitrage and value publishes run in each poll's own run, and two polls' runs take turns at them.
ODDS_SIGNALS_POOL = "odds_signals"


def eager_keeping_updates(*, joins_parent_runs: bool = True) -> dg.AutomationCondition:
    """``joins_parent_runs=False`` (the odds marts no signal reads) waits for a parent to have *updated* instead of
    also joining the run that will update it: a run that rebuilds the signals after a backfill then holds only the
    models they read (staging and fct_odds) and ends, with the arbitrage rows, before best_odds, consensus, line
    movement and their tests are built by the next tick's run."""
    requested = (dg.AutomationCondition.newly_requested()
                 | dg.AutomationCondition.initial_evaluation()).with_label("requested")
    updated = dg.AutomationCondition.any_deps_updated() if joins_parent_runs else parents_updated()
    return (
        dg.AutomationCondition.in_latest_time_window()
        & (dg.AutomationCondition.newly_missing() | updated).since(requested)
        & ~dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets(ODDS_BACKFILL_KEY))
        & ~dg.AutomationCondition.any_deps_in_progress().ignore(dg.AssetSelection.assets(ODDS_BACKFILL_KEY))
        & ~dg.AutomationCondition.in_progress()
    ).with_label("eager_keeping_updates")


def parents_updated() -> dg.AutomationCondition:
    """Dagster's ``any_deps_updated`` without its "or will be requested on this tick"."""
    return dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated() & ~dg.AutomationCondition.executed_with_root_target()
    ).with_label("parents_updated")
