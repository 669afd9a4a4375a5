"""Smoke + snapshot test of the Dagster graph: an accidental change to keys, lineage or checks shows up here."""
from pathlib import Path

import dagster as dg
import pytest

from backtests.exchange.runs import load_exchange_specs


@pytest.fixture(scope="module")
def definitions():
    from paddock.dbt_prep import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs

    return defs()


EXPECTED_ASSETS = sorted([
    "raw/races", "raw/runners", "raw/dividends",
    "staging/stg_races", "staging/stg_runners", "staging/stg_dividends",
    "marts/dim_tracks", "marts/dim_horses", "marts/dim_jockeys", "marts/dim_trainers",
    "marts/fct_races", "marts/fct_runners", "marts/fct_dividends", "marts/data_quality_report",
    "marts/horse_stats", "marts/jockey_stats", "marts/trainer_stats", "marts/jockey_trainer_stats",
    # odds: polled snapshots -> dbt odds staging -> odds marts
    "raw/events", "raw/odds_snapshots", "raw/odds", "raw/odds_scores", "ops/fetch_log", "ops/odds_backfill",
    "staging/stg_events", "staging/stg_odds_snapshots", "staging/stg_odds", "staging/stg_fetch_log",
    "marts/fct_odds", "marts/odds_line_movement", "marts/opening_closing_lines", "marts/best_odds",
    "marts/consensus_prices", "marts/odds_movement_alerts", "marts/fetch_health",
    # signals downstream of the odds marts
    "marts/arbitrage_opportunities", "marts/value_bets", "marts/exotic_value",
    # race cards and results scraped per date x track
    "raw/card_races", "raw/card_runners", "raw/race_results",
    "staging/stg_race_cards", "staging/stg_card_runners", "marts/race_cards",
    # backtests: one partition per named run, then the comparison
    "marts/backtest", "marts/exchange_backtest", "marts/odds_backtest", "marts/strategy_comparison",
    "marts/strategy_triggers",
    # the user's own bets: ledger file -> settled portfolio
    "raw/ledger_bets", "marts/portfolio",
    # Betfair exchange history: raw exchange tables -> staging -> exchange and greyhound marts
    "raw/exchange_markets", "raw/exchange_runners", "raw/exchange_prices",
    "staging/stg_exchange_markets", "staging/stg_exchange_runners", "staging/stg_exchange_prices",
    "marts/exchange_markets", "marts/exchange_runners", "marts/exchange_price_movement",
    "marts/exchange_bsp_movement_stats", "marts/exchange_favourite_stats", "marts/greyhound_trap_stats",
])


def test_asset_keys_snapshot(definitions):
    graph = definitions.resolve_asset_graph()
    assert sorted(k.to_user_string() for k in graph.get_all_asset_keys()) == EXPECTED_ASSETS


def test_lineage_runs_from_raw_through_staging_to_marts_and_stats(definitions):
    graph = definitions.resolve_asset_graph()
    key = dg.AssetKey
    assert key(["raw", "runners"]) in graph.get(key(["staging", "stg_runners"])).parent_keys
    assert key(["staging", "stg_runners"]) in graph.get(key(["marts", "fct_runners"])).parent_keys
    assert key(["marts", "fct_runners"]) in graph.get(key(["marts", "horse_stats"])).parent_keys
    upstream_of_stats = graph.upstream_key_iterator(key(["marts", "jockey_trainer_stats"]))
    assert {key(["raw", "runners"]), key(["raw", "races"])} <= set(upstream_of_stats)


def test_groups_are_defs_folders_and_dbt_domains(definitions):
    """A group in the UI names where its code lives: an orchestration/defs/<folder>/ or a dbt domain
    (models/<layer>/<domain>/), never a label of its own."""
    from orchestration import defs as defs_package
    from paddock.dbt_prep import DBT_DIR

    folders = {p.name for p in Path(defs_package.__file__).parent.iterdir() if (p / "__init__.py").exists()}
    domains = {p.name for layer in ("staging", "marts") for p in (DBT_DIR / "models" / layer).iterdir() if p.is_dir()}
    graph = definitions.resolve_asset_graph()
    nodes = [graph.get(k) for k in graph.get_all_asset_keys()]
    # dagster's "default" only for a table dbt reads that no code here defines (ops/fetch_log, written by the fetcher)
    assert [n.key.to_user_string() for n in nodes if n.group_name == "default"] == ["ops/fetch_log"]
    assert not graph.get(dg.AssetKey(["ops", "fetch_log"])).is_materializable
    groups = {n.group_name for n in nodes} - {"default"}
    assert groups - folders - domains == set()
    assert {"history", "ledger", "odds", "results", "stats"} <= groups


def test_groups_partitions_and_checks(definitions):
    graph = definitions.resolve_asset_graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["raw/races"] == "history" and groups["staging/stg_races"] == "results"
    assert groups["marts/fct_runners"] == "results" and groups["marts/horse_stats"] == "stats"
    assert groups["raw/odds"] == "odds" and groups["marts/best_odds"] == "odds"
    assert {groups[f"marts/{name}"] for name in ("backtest", "exchange_backtest", "odds_backtest",
                                                 "strategy_comparison", "strategy_triggers")} == {"backtests"}
    assert groups["raw/ledger_bets"] == groups["marts/portfolio"] == "ledger"
    assert ("raw/ledger_bets", "ledger_rows_parse") in {(c.asset_key.to_user_string(), c.name)
                                                        for c in graph.asset_check_keys}
    assert graph.get(dg.AssetKey(["marts", "backtest"])).partitions_def.get_partition_keys()[:2] == [
        "favourite_flat", "longshot_flat"]
    # a UI backfill of backtest partitions must not look for a race-date partition named after a strategy
    mapping = graph.get_partition_mapping(dg.AssetKey(["marts", "backtest"]), dg.AssetKey(["marts", "fct_runners"]))
    assert isinstance(mapping, dg.AllPartitionMapping)
    # exchange backtests: one partition per named exchange run, lineage from every market date of the raw markets
    exchange = dg.AssetKey(["marts", "exchange_backtest"])
    assert graph.get(exchange).partitions_def.get_partition_keys() == list(load_exchange_specs())
    assert isinstance(graph.get_partition_mapping(exchange, dg.AssetKey(["raw", "exchange_markets"])),
                      dg.AllPartitionMapping)
    # sports backtests on recorded snapshots: one partition per odds run, after the odds marts, never automated
    odds = graph.get(dg.AssetKey(["marts", "odds_backtest"]))
    assert odds.partitions_def.get_partition_keys() == ["ev_vs_pinnacle", "home_underdogs"]
    assert odds.parent_keys == {dg.AssetKey(["marts", "fct_odds"])} and odds.automation_condition is None
    assert graph.get(dg.AssetKey(["marts", "fct_odds"])).partitions_def is None  # keyed by snapshot time, not date
    # the historical backfill: one partition per UTC day of snapshot times, in the odds group
    backfill = graph.get(dg.AssetKey(["ops", "odds_backfill"]))
    assert groups["ops/odds_backfill"] == "odds" and isinstance(backfill.partitions_def, dg.DailyPartitionsDefinition)
    assert backfill.partitions_def.get_first_partition_key() == "2020-06-06"
    assert graph.get(dg.AssetKey(["raw", "runners"])).partitions_def is not None
    assert graph.get(dg.AssetKey(["marts", "fct_runners"])).partitions_def is not None
    assert graph.get(dg.AssetKey(["marts", "horse_stats"])).partitions_def is None
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert {("raw/races", "races_quality_gate"), ("raw/runners", "runners_quality_gate"),
            ("raw/dividends", "dividends_quality_gate")} <= checks
    assert any(a == "marts/fct_runners" and "one_winner_per_race" in n for a, n in checks)
    assert ("raw/odds", "odds_quality_gate") in checks
    assert graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["raw", "odds"]), "odds_quality_gate")).blocking


def test_job_and_schedule(definitions):
    job = definitions.resolve_job_def("history_job")
    assert job.partitions_def is not None
    schedule = definitions.resolve_schedule_def("history_job_schedule")
    assert schedule.cron_schedule == "0 7 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_odds_models_and_signals_follow_new_odds_by_automation(definitions):
    graph = definitions.resolve_asset_graph()
    for key in (["marts", "fct_odds"], ["marts", "arbitrage_opportunities"], ["marts", "value_bets"]):
        assert graph.get(dg.AssetKey(key)).automation_condition is not None, key
    assert graph.get(dg.AssetKey(["marts", "horse_stats"])).automation_condition is None
    assert dg.AssetKey(["marts", "fct_odds"]) in graph.get(dg.AssetKey(["marts", "arbitrage_opportunities"])).parent_keys
    tote = definitions.resolve_sensor_def("tote_odds_sensor")
    assert tote.default_status == dg.DefaultSensorStatus.RUNNING and tote.minimum_interval_seconds == 30
    sensor = definitions.resolve_sensor_def("odds_automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.minimum_interval_seconds == 30
    # each poll's run carries its prices to the signals: the models they read, then arbitrage and value bets
    odds_job = definitions.resolve_job_def("odds_job").asset_layer.selected_asset_keys
    assert {k.to_user_string() for k in odds_job} == {
        "raw/events", "raw/odds_snapshots", "raw/odds", "staging/stg_events", "staging/stg_odds_snapshots",
        "staging/stg_odds", "marts/fct_odds", "marts/arbitrage_opportunities", "marts/value_bets"}
    pools = {node.name: node.definition.pool for node in definitions.resolve_job_def("odds_job").graph.node_dict.values()}
    assert pools == {"odds_snapshots": None, "dbt_odds_signal_inputs": "odds_signals",
                     "marts__arbitrage_opportunities": "odds_signals", "marts__value_bets": "odds_signals"}


def test_the_repo_instance_runs_one_step_of_a_pool_at_a_time(runtime_env):
    """Two odds polls' runs at once (a sport's and the tote's) must not build the same views and publish the same
    signals together: the pool their steps share has a limit of one in the instance every deployment uses."""
    from paddock.db import PROJECT_ROOT

    with dg.DagsterInstance.from_config(str(PROJECT_ROOT)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_every_job_runs_its_steps_in_the_run_process(definitions):
    """A process per step re-imports the code location (~6 s each): no job, the automation's included, pays it."""
    jobs = definitions.get_repository_def().get_all_jobs()
    assert {job.name: job.executor_def.name for job in jobs if job.executor_def.name != "in_process"} == {}
    assert "__ASSET_JOB" in {job.name for job in jobs}


def test_the_backfill_spends_credits_only_when_launched(definitions):
    """The odds group is the automation sensor's target: the backfill asset has no condition, and no job a sensor or
    schedule launches selects it, so the simulated race day never pays for history."""
    graph = definitions.resolve_asset_graph()
    key = dg.AssetKey(["ops", "odds_backfill"])
    assert graph.get(key).automation_condition is None
    assert {k.to_user_string() for k in graph.get(key).child_keys} == {  # the raw tables' readers: same as a poll
        "staging/stg_events", "staging/stg_odds_snapshots", "staging/stg_odds"}
    selecting = [job.name for job in definitions.resolve_all_job_defs() if not job.name.startswith("__")
                 and key in job.asset_layer.selected_asset_keys]
    assert selecting == []
    odds_backtest = dg.AssetKey(["marts", "odds_backtest"])  # nor do the backtests on that history run unasked
    assert [job.name for job in definitions.resolve_all_job_defs() if not job.name.startswith("__")
            and odds_backtest in job.asset_layer.selected_asset_keys] == ["odds_backtest_job"]
    assert dg.AssetKey(["raw", "odds"]) in definitions.resolve_job_def("odds_job").asset_layer.selected_asset_keys


def test_race_cards_are_partitioned_by_date_and_track(definitions):
    graph = definitions.resolve_asset_graph()
    partitions = graph.get(dg.AssetKey(["raw", "card_races"])).partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert sorted(d.name for d in partitions.partitions_defs) == ["date", "track"]
    assert graph.get(dg.AssetKey(["raw", "race_results"])).partitions_def == partitions


def test_alerts_sensor_launches_nothing_and_is_gated_by_the_environment(definitions):
    sensor = definitions.resolve_sensor_def("alerts_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING  # ALERT_ENABLED decides whether it sends
    assert not sensor.targets and sensor.required_resource_keys == {"warehouse", "alerts"}


def test_strategy_monitor_sensor_runs_by_default_and_launches_nothing(definitions):
    sensor = definitions.resolve_sensor_def("strategy_monitor_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 300
    assert not sensor.targets and sensor.required_resource_keys == {"warehouse"}

