"""An odds load that lands while the downstream run is still going must start one more run when that run ends.

Real Dagster evaluation (``dg.evaluate_automation_conditions``) on an ephemeral instance; "in progress" is a real run
of the downstream asset held open in a thread while the upstream asset is materialized again. Plain ``eager()`` (the
contrast asset) forgets that update when its run finishes; ``eager_keeping_updates`` does not.
"""
import threading

import dagster as dg

from orchestration.defs.automation import eager_keeping_updates

started, release = threading.Event(), threading.Event()


@dg.asset
def odds():
    return 1


@dg.asset(deps=[odds], automation_condition=eager_keeping_updates())
def signals():
    started.set()
    assert release.wait(60), "the test never released the run"


@dg.asset(deps=[odds], automation_condition=dg.AutomationCondition.eager())
def plain_eager():
    return 1


def test_an_update_during_the_run_is_not_dropped():
    instance = dg.DagsterInstance.ephemeral()
    assets = [odds, signals, plain_eager]
    result = dg.evaluate_automation_conditions(defs=assets, instance=instance)
    assert result.total_requested == 0  # nothing has happened yet

    assert dg.materialize([odds], instance=instance).success
    result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(signals.key) == 1 and result.get_num_requested(plain_eager.key) == 1

    outcome = {}
    run = threading.Thread(target=lambda: outcome.update(
        ok=dg.materialize([signals, plain_eager], instance=instance, selection=[signals, plain_eager]).success))
    run.start()
    assert started.wait(60)
    # the daemon's next tick sees its request handled (an update landing before it is read by the run anyway)
    result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
    assert result.total_requested == 0
    assert dg.materialize([odds], instance=instance).success  # new odds land mid-run
    result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(signals.key) == 0  # never two runs of the target at once
    release.set()
    run.join(60)
    assert outcome == {"ok": True}

    result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(signals.key) == 1  # the mid-run odds still get their run
    assert result.get_num_requested(plain_eager.key) == 0  # what eager() did: dropped until the next load
    result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
    assert result.get_num_requested(signals.key) == 0  # and only once


def test_odds_models_and_signals_use_it():
    from orchestration.definitions import defs
    from paddock.dbt_prep import prepare_manifest

    prepare_manifest()  # the definitions read dbt's manifest; in any order this may be the first test to need it

    graph = defs().resolve_asset_graph()
    keys = [dg.AssetKey(["marts", "fct_odds"]), dg.AssetKey(["marts", "arbitrage_opportunities"]),
            dg.AssetKey(["marts", "value_bets"])]
    assert {graph.get(k).automation_condition.get_label() for k in keys} == {"eager_keeping_updates"}
