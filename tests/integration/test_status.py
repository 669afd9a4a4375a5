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

from ingestion.ledger import read_ledger
from ingestion.ledger_store import SOURCE as LEDGER_SOURCE, store_ledger
from orchestration.defs.ledger.assets import DEFAULT_LEDGER as EXAMPLE_LEDGER
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
        # a dark day's race card answers 404: an answer, not a failure (neither a failed streak nor a low rate)
        ("card-site", NOW - 3 * H, 200, None, None),
        ("card-site", NOW - 2 * H, 404, "HTTP 404", None),
        ("card-site", NOW - 1 * H, 404, "HTTP 404", None),
        ("card-site", NOW - 30 * M, 404, "HTTP 404", None),
    ]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ops.fetch_log (site, fetched_at, status, error, meta) "
                             "VALUES (:site, :at, :status, :error, CAST(:meta AS jsonb))"),
                     [dict(zip(("site", "at", "status", "error", "meta"), f)) for f in fetches])
        conn.execute(sa.text("INSERT INTO raw.races (race_id, _source, _partition) "
                             "SELECT 'r' || i, 'synthetic', DATE '2026-03-09' FROM generate_series(1, 19) i"))
        conn.execute(sa.text("INSERT INTO quarantine.races (_source, _partition, record, reasons) "
                             "VALUES ('synthetic', DATE '2026-03-09', '{}', ARRAY['race_id_not_null'])"))
        # a second, small source whose parser broke: 1 of 3 rows quarantined, hidden in the table-wide 2 of 22
        conn.execute(sa.text("INSERT INTO raw.races (race_id, _source, _partition) "
                             "VALUES ('h1', 'hkjc', DATE '2026-03-09'), ('h2', 'hkjc', DATE '2026-03-09')"))
        conn.execute(sa.text("INSERT INTO quarantine.races (_source, _partition, record, reasons) "
                             "VALUES ('hkjc', DATE '2026-03-09', '{}', ARRAY['race_id_not_null'])"))

        conn.execute(sa.text("CREATE TABLE marts.fct_races (race_id text, _loaded_at timestamptz)"))
        conn.execute(sa.text("INSERT INTO marts.fct_races VALUES ('a', :a), ('b', :b)"),
                     {"a": NOW - 5 * H, "b": NOW - 4 * H})
        conn.execute(sa.text("CREATE TABLE marts.dim_tracks (track_code text)"))
        conn.execute(sa.text("INSERT INTO marts.dim_tracks VALUES ('BEL'), ('CD'), ('SA')"))
        conn.execute(sa.text("CREATE VIEW marts.tracks_view AS SELECT * FROM marts.dim_tracks"))
    # the example ledger: its 2 deliberately malformed rows of 11 are the user's to fix, shown but not a problem
    store_ledger(engine, read_ledger(EXAMPLE_LEDGER), EXAMPLE_LEDGER.name, "seed")
    yield engine
    engine.dispose()


def test_sources_quota_quarantine_and_marts(seeded):
    sources = {s.source: s for s in st.source_health(seeded, NOW)}
    assert sources["demo"] == st.SourceHealth("demo", NOW - H, NOW - 10 * M, 3, pytest.approx(1 / 3), 1)
    assert sources["the-odds-api"] == st.SourceHealth("the-odds-api", NOW - H, NOW - 5 * M, 5, 0.4, 3)
    assert sources["card-site"] == st.SourceHealth("card-site", NOW - 30 * M, None, 4, 1.0, 0)
    assert st.odds_quota_remaining(seeded, NOW) == 460

    shares = {(q.table, q.source): q for q in st.quarantine_shares(seeded)}
    synthetic, hkjc = shares["races", "synthetic"], shares["races", "hkjc"]
    assert (synthetic.published, synthetic.quarantined, synthetic.share) == (19, 1, 0.05)
    assert (hkjc.published, hkjc.quarantined, hkjc.share) == (2, 1, pytest.approx(1 / 3))
    ledger = shares["ledger_bets", LEDGER_SOURCE]
    assert (ledger.published, ledger.quarantined, ledger.judged) == (9, 2, False)
    assert shares["runners", None].share is None  # nothing loaded yet

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
    assert result.problems() == [  # not the 404s of card-site, not the 18.2 % of the user's ledger, not synthetic's 5 %
        "the-odds-api: 3 failed fetches in a row",
        "demo: 33% of fetches succeeded in 24 h",
        "the-odds-api: 40% of fetches succeeded in 24 h",
        "races (hkjc): 33.3% of rows quarantined",
    ]
    payload = json.loads(json.dumps(result.to_json()))
    assert payload["odds_quota_remaining"] == 460
    shares = {(q["table"], q["source"]): q["share"] for q in payload["quarantine"]}
    assert shares["races", "synthetic"] == 0.05
    assert payload["sources"][0]["source"] == "card-site" and payload["sources"][0]["last_success"] == (NOW - 30 * M).isoformat()

    from paddock.cli.status_report import render

    console = Console(record=True, width=220)
    render(result, console)
    text = console.export_text()
    assert "4 problem(s)" in text and "odds API credits left 460" in text
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


def record_tick(instance, name: str, status: str, at: datetime, error: str | None = None) -> None:
    """A sensor tick stored the way the daemon stores one (Dagster has no public API to write ticks; its own tests
    use these records too)."""
    from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteInstigatorOrigin, RemoteRepositoryOrigin
    from dagster._core.scheduler.instigation import (InstigatorState, InstigatorStatus, InstigatorType, TickData,
                                                     TickStatus)
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster._utils.error import SerializableErrorInfo

    origin = RemoteInstigatorOrigin(RemoteRepositoryOrigin(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(python_file=__file__)), "__repository__"), name)
    state = next((s for s in instance.all_instigator_state() if s.instigator_name == name), None)
    if state is None:
        state = instance.add_instigator_state(InstigatorState(origin, InstigatorType.SENSOR, InstigatorStatus.RUNNING))
    instance.create_tick(TickData(
        instigator_origin_id=state.instigator_origin_id, instigator_name=name, instigator_type=InstigatorType.SENSOR,
        status=TickStatus[status], timestamp=at.timestamp(), selector_id=state.selector_id, run_ids=[],
        skip_reason="nothing new" if status == "SKIPPED" else None,
        error=SerializableErrorInfo(error, [], "DagsterInvalidConfigError") if error else None))


def test_a_sensor_failing_its_ticks_is_a_problem(seeded):
    @dg.op
    def noop():
        return None

    @dg.job
    def quiet_job():
        noop()

    @dg.sensor(job=quiet_job, default_status=dg.DefaultSensorStatus.RUNNING)
    def flaky():
        return None

    @dg.sensor(job=quiet_job, default_status=dg.DefaultSensorStatus.RUNNING)
    def broken():
        return None

    defs = dg.Definitions(jobs=[quiet_job], sensors=[flaky, broken])
    now = datetime.now(timezone.utc)
    with dg.instance_for_test() as instance:
        # flaky failed once 2 h ago and has succeeded since: shown, not a problem; broken fails every tick
        for minutes, status in ((120, "FAILURE"), (60, "SUCCESS"), (1, "SKIPPED")):
            record_tick(instance, "flaky", status, now - minutes * M, "boom" if status == "FAILURE" else None)
        for minutes in (3, 2, 1):
            record_tick(instance, "broken", "FAILURE", now - minutes * M,
                        "Error in config for job odds_scores_job\n  Received unexpected config entry \"odds_scores\"")
        record_tick(instance, "broken", "FAILURE", now - 25 * H, "older than the window")
        result = st.collect(seeded, instance=instance, definitions=defs, now=now)

    sensors = {i.name: i for i in result.instigators}
    assert (sensors["flaky"].failed_ticks_24h, sensors["flaky"].last_tick_status, sensors["flaky"].failing) == (
        1, "SKIPPED", False)
    assert (sensors["broken"].failed_ticks_24h, sensors["broken"].last_tick_status, sensors["broken"].failing) == (
        3, "FAILURE", True)
    assert "broken (sensor): 3 failed tick(s) in 24 h, last tick failure: Error in config for job odds_scores_job" \
        in result.problems()
    assert not [p for p in result.problems() if p.startswith("flaky")]


@pytest.fixture
def empty_warehouse(runtime_env):
    """A warehouse database of its own with nothing fetched, quarantined or built: a healthy start."""
    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS status_cli_test WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE status_cli_test"))
    admin.dispose()
    return sa.make_url(runtime_env["DATABASE_URL"]).set(database="status_cli_test").render_as_string(False)


def test_paddock_status_exits_1_when_a_sensor_fails_its_ticks(empty_warehouse, tmp_path):
    """The real CLI and the real definitions on a Dagster instance of its own (a private DAGSTER_HOME): exit 0 while
    healthy, exit 1 naming the sensor once its ticks fail."""
    from paddock import db

    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": empty_warehouse, **db.libpq_params(empty_warehouse)}
    env.pop("DAGSTER_POSTGRES_URL", None)  # the CLI would otherwise point at the session's instance

    def status() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "paddock.cli", "status", "--json"], env=env, capture_output=True,
                              text=True, timeout=300)

    healthy = status()
    assert healthy.returncode == 0, healthy.stdout[-3000:] + healthy.stderr[-3000:]
    assert json.loads(healthy.stdout)["problems"] == []

    with dg.DagsterInstance.from_config(str(home)) as instance:
        record_tick(instance, "odds_scores_sensor", "FAILURE", datetime.now(timezone.utc) - M,
                    "Error in config for job odds_scores_job")
    failing = status()
    assert failing.returncode == 1, failing.stderr[-3000:]
    assert json.loads(failing.stdout)["problems"] == [
        "odds_scores_sensor (sensor): 1 failed tick(s) in 24 h, last tick failure: Error in config for job "
        "odds_scores_job"]
