"""The strategy triggers where a bettor looks for them: ``strategy_monitor_sensor`` reports a materialization of the
external asset ``marts/strategy_triggers`` whose metadata is the table of the next picks, and reports it again only
when that table changes (every tick moves ``last_seen_at``; a materialization every five minutes would bury the
history). On a database of its own with triggers written here; no cards, so the monitor itself adds none."""
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from backtests.live.monitoring_store import ensure_trigger_table
from tests.deployment import fresh_database

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
INSERT = sa.text("""
    INSERT INTO marts.strategy_triggers (run_name, strategy, market, sport, event_key, selection, race_key, race_date,
        track_code, race_number, post_time, horse_number, horse_name, bet_type, odds, odds_source, stake, decided_at,
        first_seen_at, last_seen_at)
    VALUES (:run, 'favourite_flat', 'racing', 'horseracing', :event, :sel, :event, :day, 'BEL', :race, :post, 3,
            'Horse', 'win', :odds, 'tote', 2.00, :now, :now, :now)""")


@pytest.fixture(scope="module")
def database(runtime_env):
    url = fresh_database(runtime_env, "trigger_metadata_test")
    engine = sa.create_engine(url)
    ensure_trigger_table(engine)
    with engine.begin() as conn:
        for race in range(1, 13):  # twelve races to come, 20 min apart, and one that has already run
            conn.execute(INSERT, {"run": "favourite_flat", "event": f"BEL-20260310-{race:02d}", "sel": "3 Horse",
                                  "day": NOW.date(), "race": race, "post": NOW + timedelta(minutes=20 * race),
                                  "odds": 2 + race / 4, "now": NOW})
        conn.execute(INSERT, {"run": "favourite_flat", "event": "BEL-20260310-00", "sel": "3 Horse",
                              "day": NOW.date(), "race": 0, "post": NOW - timedelta(minutes=5), "odds": 9, "now": NOW})
    yield url, engine
    engine.dispose()


def tick(url: str, monkeypatch, cursor: str | None = None) -> dg.SensorResult:
    from orchestration.defs.monitoring import sensors
    from orchestration.defs.warehouse.resources import WarehouseResource

    monkeypatch.setattr(sensors, "utcnow", lambda: NOW)
    monkeypatch.setenv("PADDOCK_ACTIVE_STRATEGIES", "favourite_flat")
    context = dg.build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource(database_url=url)})
    return sensors.strategy_monitor_sensor(context)


def test_the_asset_shows_the_next_picks_and_is_reported_only_when_they_change(database, monkeypatch):
    url, engine = database
    first = tick(url, monkeypatch)
    [event] = first.asset_events
    assert isinstance(event, dg.AssetMaterialization)
    assert event.asset_key == dg.AssetKey(["marts", "strategy_triggers"])
    lines = event.metadata["upcoming"].value.splitlines()
    assert lines[0] == "| post_utc | run_name | race | selection | odds | odds_source | stake |"
    assert len(lines) == 2 + 10  # the ten soonest of twelve; race 0 has run and is not among them
    assert lines[2] == "| 2026-03-10 12:20 | favourite_flat | BEL R1 | 3 Horse | 2.25 | tote | 2.00 |"
    assert lines[-1].startswith("| 2026-03-10 15:20 | favourite_flat | BEL R10 |")

    again = tick(url, monkeypatch, first.cursor)
    assert again.asset_events == []  # nothing the table shows has changed

    with engine.begin() as conn:  # a pick for a race posting sooner than all of them
        conn.execute(INSERT, {"run": "favourite_flat", "event": "BEL-20260310-13", "sel": "7 Late", "day": NOW.date(),
                              "race": 13, "post": NOW + timedelta(minutes=10), "odds": 4.5, "now": NOW})
    [changed] = tick(url, monkeypatch, again.cursor).asset_events
    assert changed.metadata["upcoming"].value.splitlines()[2] == (
        "| 2026-03-10 12:10 | favourite_flat | BEL R13 | 7 Late | 4.50 | tote | 2.00 |")


def test_paddock_run_reports_the_triggers_so_the_asset_is_never_unmaterialized(database, monkeypatch):
    """The asset is written by sensor ticks only; ``paddock run`` (no daemon) evaluates the monitor once and reports
    the same materialization, so a fresh ``make run`` leaves no "Never materialized" box behind."""
    from paddock import settings
    from paddock.cli.runner import report_strategy_triggers

    _, engine = database
    monkeypatch.setattr(settings, "utcnow", lambda: NOW)
    monkeypatch.setenv("PADDOCK_ACTIVE_STRATEGIES", "favourite_flat")
    lines = []
    with dg.DagsterInstance.ephemeral() as instance:
        assert report_strategy_triggers(instance, engine=engine, log=lines.append)
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "strategy_triggers"]))
    assert event is not None and event.run_id == ""  # runless: reported, not produced by a run
    table = event.asset_materialization.metadata["upcoming"].value.splitlines()
    # R1 is among the ten soonest whether or not the other test has added its earlier pick (any order of tests)
    assert "| 2026-03-10 12:20 | favourite_flat | BEL R1 | 3 Horse | 2.25 | tote | 2.00 |" in table
    assert lines and lines[-1].startswith("strategy monitor: 0 upcoming races")


def test_a_trigger_table_without_comments_is_documented_once(database):
    """A deployment whose table predates the comments gets them on the next write (then no more DDL: the shape check
    reads the comment)."""
    _, engine = database
    with engine.begin() as conn:
        conn.exec_driver_sql("COMMENT ON TABLE marts.strategy_triggers IS NULL")
        conn.exec_driver_sql("COMMENT ON COLUMN marts.strategy_triggers.stake IS NULL")
    ensure_trigger_table(engine)
    with engine.connect() as conn:
        table, stake = conn.execute(sa.text(
            "SELECT obj_description(attrelid, 'pg_class'), col_description(attrelid, attnum) FROM pg_attribute "
            "WHERE attrelid = 'marts.strategy_triggers'::regclass AND attname = 'stake'")).one()
    assert table.startswith("Live picks of the active strategies") and stake.startswith("Stake from the run's")
