"""Every sensor and schedule of ``orchestration.definitions``, evaluated as the daemon would on a real instance and a
real warehouse holding data that makes them ask for runs; every run they ask for is checked against its job's real
config schema (``dg.validate_run_config``), and the card and tote runs are executed in process.

Issue 13: a sensor sent ``{"ops": {"odds_scores": ...}}`` to a job whose op is ``raw__odds_scores`` and failed
every tick, and four sensors had never been evaluated by any test. Every schedule is evaluated by a loop over the
repository; a new sensor fails ``test_nothing_is_left_unevaluated`` until it is added here. The clock is frozen at
a date no other module uses (each sensor module's ``utcnow``), and the odds events have a sport of their own, so
rows of other modules never count.
"""
from __future__ import annotations

import importlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.racecards.demo_site import DemoSite, day_batch
from orchestration.defs.odds.resources import OddsPollingResource
from orchestration.defs.racecards.resources import RaceCardSiteResource
from tests.conftest import forget_odds
from tests.exchange_streams import write_market

pytestmark = pytest.mark.integration

TRACK, SEED = "BEL", 7
DAY = datetime(2026, 4, 17).date()  # BEL races that Friday; no other module loads this meeting
SPORT = "allsensors_nba"
SENSOR_MODULES = ("odds", "racecards", "alerts", "monitoring")
# Sensors that launch no runs by design (they write or send within the tick); every other one must ask for a run.
NO_RUNS = {"alerts_sensor", "strategy_monitor_sensor"}
COVERED_SENSORS = {"race_cards_mart_sensor", "race_card_refresh_sensor", "tote_odds_sensor", "odds_polling_sensor",
                   "odds_scores_sensor", "ledger_file_sensor", "odds_automation_sensor", "exchange_files_sensor",
                   *NO_RUNS}


def validate(repo: dg.RepositoryDefinition, job_name: str, request: dg.RunRequest) -> None:
    """The requested run's config against the job's real schema (raises DagsterInvalidConfigError)."""
    job = repo.get_job(job_name)
    dg.validate_run_config(job, request.run_config or {})
    if request.partition_key is not None:
        assert request.partition_key in job.partitions_def.get_partition_keys(), request.partition_key


@pytest.fixture(scope="module")
def world(runtime_env, engine, tmp_path_factory):
    from orchestration.definitions import defs

    posts = day_batch(SEED, TRACK, DAY).races.set_index("race_id")["post_time"].sort_values()
    now = posts.iloc[0].to_pydatetime() - timedelta(minutes=5)  # race 1 in its last ten minutes, the rest within 2 h
    ledger = tmp_path_factory.mktemp("ledger") / "ledger.csv"
    ledger.write_text("placed_at,event,selection,odds,stake\n")
    landing = tmp_path_factory.mktemp("exchange")
    write_market(landing / "1.700000001", "1.700000001", now - timedelta(days=1))
    with pytest.MonkeyPatch.context() as mp, DemoSite(seed=SEED, clock=lambda: now) as site, \
            dg.instance_for_test() as instance:
        mp.setenv("ODDS_API_KEY", "all-sensors-test")  # resolved with the jobs' resources, never called
        mp.setenv("PADDOCK_LEDGER_FILE", str(ledger))
        mp.setenv("PADDOCK_EXCHANGE_DIR", str(landing))
        mp.setenv("PADDOCK_DEMO_SITE_URL", site.base_url)
        for name in SENSOR_MODULES:
            mp.setattr(importlib.import_module(f"orchestration.defs.{name}.sensors"), "utcnow", lambda: now)
        definitions = defs()
        repo = definitions.get_repository_def()
        resources = {**definitions.resources,
                     "odds_polling": OddsPollingResource(sports=SPORT),
                     "racecard_site": RaceCardSiteResource(min_delay_s=0.0, max_attempts=1)}
        add_odds_events(engine, now)
        yield {"defs": definitions, "repo": repo, "instance": instance, "resources": resources, "now": now,
               "posts": posts}
    forget_odds(engine, event_ids=list(posts.index), sports=[SPORT])  # the odds run built the fact from them
    with engine.begin() as conn:
        for table in ("card_races", "card_runners"):
            conn.execute(sa.text(f"DELETE FROM raw.{table} WHERE _source = 'demo' AND race_date = :d"), {"d": DAY})


def add_odds_events(engine, now: datetime) -> None:
    """One event starting in an hour (closing tier, never polled) and one that started an hour ago (unsettled)."""
    with engine.begin() as conn:
        for event_id, hours in (("allsensors-soon", 1), ("allsensors-started", -1)):
            conn.execute(sa.text(
                "INSERT INTO raw.events (id, sport, commence_time, home_team, away_team) "
                "VALUES (:id, :sport, :t, 'Home', 'Away') ON CONFLICT (id) DO NOTHING"),
                {"id": event_id, "sport": SPORT, "t": now + timedelta(hours=hours)})


def tick(world, name: str, cursor: str | None = None):
    """One evaluation as the daemon runs it (``evaluate_tick``: an exception fails the tick, it is not a skip)."""
    sensor = world["repo"].get_sensor_def(name)
    context = dg.build_sensor_context(instance=world["instance"], cursor=cursor, repository_def=world["repo"],
                                      resources=world["resources"])
    data = sensor.evaluate_tick(context)
    for request in data.run_requests or []:
        validate(world["repo"], request.job_name or sensor.job_name, request)
    return data


def schedule_tick(world, name: str, at: datetime):
    schedule = world["repo"].get_schedule_def(name)
    with dg.build_schedule_context(instance=world["instance"], scheduled_execution_time=at,
                                   repository_def=world["repo"], resources=world["resources"]) as context:
        data = schedule.evaluate_tick(context)
    for request in data.run_requests or []:
        validate(world["repo"], schedule.job_name, request)
    return data


def execute(world, job_name: str, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    """The requested run in this process, with the request's asset selection as the daemon's run has it (Dagster
    refuses a resource override beside a selection: such a run keeps the site's default politeness)."""
    job = world["repo"].get_job(job_name)
    resources = None if request.asset_selection else {"racecard_site": world["resources"]["racecard_site"]}
    return job.execute_in_process(run_config=request.run_config or {}, instance=world["instance"],
                                  partition_key=request.partition_key, tags=request.tags,
                                  asset_selection=request.asset_selection, resources=resources,
                                  raise_on_error=False)


def test_the_race_day_sensors_and_schedules_ask_for_valid_runs_that_execute(world, engine):
    repo, now = world["repo"], world["now"]
    # the run-status sensor starts from "now" in the instance's event log: its first tick only sets the cursor
    first = tick(world, "race_cards_mart_sensor")
    assert first.run_requests == []

    # 06:00 at the track: today's and tomorrow's cards; today's is executed, so the card tables hold the meeting
    zone = ZoneInfo("America/New_York")
    morning = next(s.name for s in repo.schedule_defs if s.name.startswith("race_cards_morning_")
                   and TRACK in (s.description or ""))
    cards = schedule_tick(world, morning, datetime.combine(DAY, datetime.min.time(), zone).replace(hour=6))
    today = next(r for r in cards.run_requests if r.run_key == f"card:{DAY.isoformat()}:{TRACK}:06h")
    tomorrow = next(r for r in cards.run_requests if r.run_key.endswith(f":{TRACK}:06h") and r is not today)
    assert execute(world, "race_cards_job", today).success
    loaded_last = execute(world, "race_cards_job", tomorrow)
    assert loaded_last.success

    # both loads, one rebuild (keyed by the newest); the next tick has nothing new
    mart = tick(world, "race_cards_mart_sensor", first.cursor)
    assert [(r.job_name or repo.get_sensor_def("race_cards_mart_sensor").job_name, r.run_key)
            for r in mart.run_requests] == [("race_cards_mart_job", f"mart:{loaded_last.run_id}")]
    assert tick(world, "race_cards_mart_sensor", mart.cursor).run_requests == []

    refresh = tick(world, "race_card_refresh_sensor")
    assert [r.run_key for r in refresh.run_requests] == [f"card:{DAY.isoformat()}:{TRACK}:T-10m"]

    tote = tick(world, "tote_odds_sensor")
    tiers = {r.tags["tier"] for r in tote.run_requests}
    assert tiers == {"racing_final", "racing_closing"}
    final = next(r for r in tote.run_requests if r.tags["tier"] == "racing_final")
    assert final.run_config["ops"]["odds_snapshots"]["config"]["tote_races"] == [world["posts"].index[0]]
    automation = repo.get_sensor_def("odds_automation_sensor").asset_selection
    before = dg.evaluate_automation_conditions(defs=world["defs"], instance=world["instance"],
                                               asset_selection=automation)
    assert execute(world, "odds_job", final).success
    # what the poll's run built (its prices, the signals' inputs, the signals) is not built again by automation
    after = dg.evaluate_automation_conditions(defs=world["defs"], instance=world["instance"],
                                              asset_selection=automation, cursor=before.cursor)
    polled = repo.get_job("odds_job").asset_layer.selected_asset_keys
    assert {k.to_user_string() for k in polled if after.get_num_requested(k)} == set()
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT fetch_tier FROM raw.odds_snapshots WHERE event_id = :r"),
                              {"r": world["posts"].index[0]}).scalars().all()
    assert stored == ["racing_final"]


def test_the_odds_sensors_ask_for_valid_runs(world):
    polling = tick(world, "odds_polling_sensor")
    # the closing poll of the event starting in an hour, and discovery: the sport knows nothing 5 days out
    assert [(r.tags["sport"], r.tags["tier"]) for r in polling.run_requests] == [(SPORT, "closing"),
                                                                                 (SPORT, "discovery")]
    scores = tick(world, "odds_scores_sensor")
    assert [r.run_config for r in scores.run_requests] == [
        {"ops": {"raw__odds_scores": {"config": {"sports": [SPORT]}}}}]


def test_the_other_sensors_and_schedules_evaluate(world):
    repo, now = world["repo"], world["now"]
    assert tick(world, "ledger_file_sensor").run_requests[0].run_key.startswith("ledger.csv:")
    landed = tick(world, "exchange_files_sensor")
    assert [r.partition_key for r in landed.run_requests] == [(now - timedelta(days=1)).date().isoformat()]
    assert tick(world, "exchange_files_sensor", landed.cursor).run_requests == []  # nothing new: no second run
    for name in NO_RUNS:
        assert tick(world, name).run_requests == []  # raises if the evaluation fails (it must not be a skip)
    for schedule in repo.schedule_defs:  # every schedule, so a new one is covered without editing this module
        data = schedule_tick(world, schedule.name, now.replace(hour=0, minute=0, second=0, microsecond=0))
        assert data.run_requests, schedule.name


def test_the_odds_automation_sensor_requests_the_odds_marts_after_a_load(world):
    """The automation sensor is evaluated the way the daemon does, on this instance: after raw odds land, the odds
    models (and only targets of this sensor) are requested."""
    instance, repo = world["instance"], world["repo"]
    sensor = repo.get_sensor_def("odds_automation_sensor")
    first = dg.evaluate_automation_conditions(defs=world["defs"], instance=instance,
                                              asset_selection=sensor.asset_selection)
    for key in (["raw", "events"], ["raw", "odds_snapshots"], ["raw", "odds"], ["ops", "fetch_log"]):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key))
    result = dg.evaluate_automation_conditions(defs=world["defs"], instance=instance,
                                               asset_selection=sensor.asset_selection, cursor=first.cursor)
    targets = sensor.asset_selection.resolve(repo.asset_graph)
    requested = {k.to_user_string() for k in targets if result.get_num_requested(k)}
    assert {"staging/stg_odds_snapshots", "staging/stg_events", "staging/stg_odds"} <= requested
    assert result.total_requested == len(requested)  # nothing outside the odds and arbitrage groups


def test_nothing_is_left_unevaluated(world):
    """Schedules are all evaluated by ``test_the_other_sensors_and_schedules_evaluate``; sensors are named here."""
    assert {s.name for s in world["repo"].sensor_defs} == COVERED_SENSORS, "evaluate the new sensor in this module"


DDL_AUDIT = """
CREATE TABLE IF NOT EXISTS public.tick_ddl_audit (tag text, query text);
CREATE OR REPLACE FUNCTION public.tick_ddl_audit() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.tick_ddl_audit VALUES (tg_tag, current_query()); END $$;
CREATE EVENT TRIGGER tick_ddl_audit ON ddl_command_start EXECUTE FUNCTION public.tick_ddl_audit();
"""


def test_no_sensor_or_schedule_tick_issues_ddl(world, engine, monkeypatch):
    """Issue 18: DDL on a tick took ALTER locks on raw tables every 30 s. A Postgres event trigger records every DDL
    command (``CREATE … IF NOT EXISTS`` that changes nothing included) while each sensor and schedule ticks, as a
    code server that has not prepared the warehouse itself yet (its per-process memo empty) would run them."""
    import ingestion.warehouse
    from backtests.live.monitoring_store import ensure_trigger_table

    # The strategy monitor's table is made by its first tick on a fresh warehouse, once (checked before any DDL); the
    # audit is of every tick after that. Made here, so the check holds whichever module ran first on this database.
    ensure_trigger_table(engine)
    monkeypatch.setattr(ingestion.warehouse, "_READY", set())
    with engine.begin() as conn:
        conn.exec_driver_sql(DDL_AUDIT)
    try:
        for name in sorted(COVERED_SENSORS - {"odds_automation_sensor"}):  # automation evaluates no user code
            tick(world, name)
        for schedule in world["repo"].schedule_defs:
            schedule_tick(world, schedule.name, world["now"].replace(hour=0, minute=0, second=0, microsecond=0))
        with engine.connect() as conn:
            seen = conn.execute(sa.text("SELECT tag, left(query, 120) FROM public.tick_ddl_audit")).all()
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP EVENT TRIGGER IF EXISTS tick_ddl_audit; "
                                 "DROP FUNCTION IF EXISTS public.tick_ddl_audit(); "
                                 "DROP TABLE IF EXISTS public.tick_ddl_audit")
    assert seen == [], "\n".join(map(str, seen))
