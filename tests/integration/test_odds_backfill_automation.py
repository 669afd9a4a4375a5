"""A backfilled day rebuilds the odds marts the way a live poll does, under the same automation condition.

``ops/odds_backfill`` writes the raw odds tables the live poll writes, so the odds staging models depend on it and
the automation sensor requests the odds models after a backfill partition lands. Its thousands of never-materialized
daily partitions (and an hours-long backfill run) must not count as "a dependency is missing / in progress": that
would hold back every live rebuild — the control evaluations below check nothing is requested without cause.
"""
import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.automation import ODDS_BACKFILL_KEY

pytestmark = pytest.mark.integration

SIGNAL_INPUTS = {"staging/stg_events", "staging/stg_odds", "staging/stg_odds_snapshots", "marts/fct_odds"}
RAW = [dg.AssetKey(["raw", t]) for t in ("odds", "events", "odds_snapshots")] + [dg.AssetKey(["ops", "fetch_log"])]


def test_a_backfilled_day_requests_the_odds_models_and_nothing_waits_on_its_other_days():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    odds = sorted(k for k in graph.get_all_asset_keys()
                  if graph.get(k).group_name == "odds" and graph.get(k).automation_condition is not None)
    readers = {k.to_user_string() for k in odds if ODDS_BACKFILL_KEY in graph.get(k).parent_keys}
    assert readers == {"staging/stg_events", "staging/stg_odds", "staging/stg_odds_snapshots"}

    instance = dg.DagsterInstance.ephemeral()
    for key in [*odds, *RAW]:  # everything built once; only the backfill has never run
        instance.report_runless_asset_event(dg.AssetMaterialization(key))
    selection = dg.AssetSelection.assets(*odds)
    first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=selection)
    idle = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=selection,
                                             cursor=first.cursor)
    assert (first.total_requested, idle.total_requested) == (0, 0)  # missing backfill days hold nothing back

    instance.report_runless_asset_event(dg.AssetMaterialization(ODDS_BACKFILL_KEY, partition="2025-02-10"))
    after = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=selection,
                                              cursor=idle.cursor)
    requested = {r.key.to_user_string() for r in after.results if r.true_subset.size}
    assert requested == SIGNAL_INPUTS  # what arbitrage and value bets read: their run ends before the other marts

    for key in requested:  # that run succeeded: the marts no signal reads follow on the next tick
        instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey.from_user_string(key)))
    then = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=selection,
                                             cursor=after.cursor)
    followers = {r.key.to_user_string() for r in then.results if r.true_subset.size}
    assert followers == {k.to_user_string() for k in odds} - SIGNAL_INPUTS - {"staging/stg_fetch_log"}
    quiet = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=selection,
                                              cursor=then.cursor)
    assert quiet.total_requested == 0  # requested once, not again on every tick
