"""``paddock status`` on a small seeded warehouse, with exact figures.

The seeded warehouse is its own database on the session's embedded server, so rows other test modules load into the
shared warehouse cannot change the counts.
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa
from rich.console import Console

from paddock import status as st

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture(scope="module")
def seeded(runtime_env):
    from ingestion.warehouse import ensure_warehouse

    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS status_test"))
        conn.execute(sa.text("CREATE DATABASE status_test"))
    engine = sa.create_engine(sa.make_url(runtime_env["DATABASE_URL"]).set(database="status_test"))
    ensure_warehouse(engine)
    fetches = [  # site, fetched_at, status, error, meta
        ("demo", NOW - 30 * H, 200, None, None),
        ("demo", NOW - 2 * H, 500, "HTTP 500", None),
        ("demo", NOW - 1 * H, 304, None, None),
        ("demo", NOW - 10 * M, None, "ReadTimeout", None),
        ("the-odds-api", NOW - 3 * H, 200, None, '{"x-requests-remaining": "480"}'),
        ("the-odds-api", NOW - 1 * H, 200, None, '{"x-requests-remaining": "460"}'),
        ("the-odds-api", NOW - 30 * M, 401, "HTTP 401", None),
        ("the-odds-api", NOW - 20 * M, 429, "HTTP 429", None),
        ("the-odds-api", NOW - 5 * M, 500, "HTTP 500", None),
        ("the-odds-api", NOW + 1 * H, 200, None, '{"x-requests-remaining": "10"}'),  # after "now": not seen
    ]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ops.fetch_log (site, fetched_at, status, error, meta) "
                             "VALUES (:site, :at, :status, :error, CAST(:meta AS jsonb))"),
                     [dict(zip(("site", "at", "status", "error", "meta"), f)) for f in fetches])
        conn.execute(sa.text("INSERT INTO raw.races (race_id, _source, _partition) "
                             "SELECT 'r' || i, 'synthetic', DATE '2026-03-09' FROM generate_series(1, 19) i"))
        conn.execute(sa.text("INSERT INTO quarantine.races (_source, _partition, record, reasons) "
                             "VALUES ('synthetic', DATE '2026-03-09', '{}', ARRAY['race_id_not_null'])"))
        conn.execute(sa.text("CREATE TABLE marts.fct_races (race_id text, _loaded_at timestamptz)"))
        conn.execute(sa.text("INSERT INTO marts.fct_races VALUES ('a', :a), ('b', :b)"),
                     {"a": NOW - 5 * H, "b": NOW - 4 * H})
        conn.execute(sa.text("CREATE TABLE marts.dim_tracks (track_code text)"))
        conn.execute(sa.text("INSERT INTO marts.dim_tracks VALUES ('BEL'), ('CD'), ('SA')"))
        conn.execute(sa.text("CREATE VIEW marts.tracks_view AS SELECT * FROM marts.dim_tracks"))
    yield engine
    engine.dispose()


def test_sources_quota_quarantine_and_marts(seeded):
    sources = {s.source: s for s in st.source_health(seeded, NOW)}
    assert sources["demo"] == st.SourceHealth("demo", NOW - H, NOW - 10 * M, 3, pytest.approx(1 / 3), 1)
    assert sources["the-odds-api"] == st.SourceHealth("the-odds-api", NOW - H, NOW - 5 * M, 5, 0.4, 3)
    assert st.odds_quota_remaining(seeded, NOW) == 460

    shares = {q.table: q for q in st.quarantine_shares(seeded)}
    assert (shares["races"].published, shares["races"].quarantined, shares["races"].share) == (19, 1, 0.05)
    assert shares["runners"].share is None  # nothing loaded yet

    assert st.mart_freshness(seeded) == [  # tables only: a view is always current
        st.MartFreshness("dim_tracks", 3, None, None),
        st.MartFreshness("fct_races", 2, "_loaded_at", NOW - 4 * H),
    ]
    assert st.database_bytes(seeded) > 1_000_000


def test_dagster_runs_sensors_schedules_and_materializations(seeded):
    @dg.asset(key=["marts", "fct_races"])
    def fct_races():
        return None

    @dg.op
    def boom():
        raise RuntimeError("boom")

    @dg.job
    def broken_job():
        boom()

    @dg.sensor(job=broken_job, default_status=dg.DefaultSensorStatus.RUNNING)
    def watcher():
        return None

    schedule = dg.ScheduleDefinition(name="nightly", job=broken_job, cron_schedule="0 7 * * *")
    defs = dg.Definitions(assets=[fct_races], jobs=[broken_job], sensors=[watcher], schedules=[schedule])

    with dg.instance_for_test() as instance:
        assert dg.materialize([fct_races], instance=instance).success
        assert not broken_job.execute_in_process(instance=instance, raise_on_error=False).success
        now = datetime.now(timezone.utc)
        result = st.collect(seeded, instance=instance, definitions=defs, now=now)

    jobs = {j.job: j for j in result.jobs}
    assert (jobs["broken_job"].runs_24h, jobs["broken_job"].failed_24h, jobs["broken_job"].last_success) == (1, 1, None)
    assert now - jobs["broken_job"].last_failure < timedelta(minutes=5)
    materialize_job = jobs.pop("__ephemeral_asset_job__")  # the job `dg.materialize` runs in
    assert materialize_job.failed_24h == 0 and materialize_job.last_success is not None and set(jobs) == {"broken_job"}
    assert [(i.name, i.kind, i.status, i.last_tick) for i in result.instigators] == [
        ("nightly", "schedule", "STOPPED", None), ("watcher", "sensor", "RUNNING", None)]
    marts = {m.table: m for m in result.marts}
    assert marts["fct_races"].materialized_at is not None and marts["dim_tracks"].materialized_at is None
    assert "broken_job: 1 failed run(s) in 24 h" in result.problems()


def test_problems_and_rendering_at_the_seeded_time(seeded):
    result = st.collect(seeded, now=NOW)
    assert result.problems() == [
        "the-odds-api: 3 failed fetches in a row",
        "demo: 33% of fetches succeeded in 24 h",
        "the-odds-api: 40% of fetches succeeded in 24 h",
    ]
    payload = json.loads(json.dumps(result.to_json()))
    assert payload["odds_quota_remaining"] == 460
    assert payload["quarantine"][[q["table"] for q in payload["quarantine"]].index("races")]["share"] == 0.05
    assert payload["sources"][0]["last_success"] == (NOW - H).isoformat()

    from paddock.cli_status import render

    console = Console(record=True, width=220)
    render(result, console)
    text = console.export_text()
    assert "3 problem(s)" in text and "odds API credits left 460" in text
    assert "the-odds-api" in text and "40.0%" in text and "5.0%" in text and "fct_races" in text


def test_paddock_status_json_on_the_session_warehouse(runtime_env):
    done = subprocess.run([sys.executable, "-m", "paddock.cli", "status", "--json"], env=os.environ.copy(),
                          capture_output=True, text=True, timeout=180)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    payload = json.loads(done.stdout)
    assert set(payload) >= {"generated_at", "database_bytes", "odds_quota_remaining", "sources", "quarantine",
                            "marts", "jobs", "instigators", "problems"}
    assert (done.returncode == 1) == bool(payload["problems"])
    sensors = {i["name"]: i["status"] for i in payload["instigators"]}
    assert sensors["odds_polling_sensor"] == "RUNNING" and sensors["history_job_schedule"] == "RUNNING"
