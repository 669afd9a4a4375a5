"""The Dagster storage dagster.yaml names (paddock/dagster_storage.py) keeps a connection open per storage: the same
work that opens a PostgreSQL session per query through the stock dagster-postgres storage opens a handful, and a
server restart costs no failed query.

Counted by PostgreSQL itself (``pg_stat_database.sessions``) on a database of the test's own, so neighbours on the
session's server do not count.
"""
import time

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from paddock import db
from tests.deployment import fresh_database

pytestmark = pytest.mark.integration
LOOKS = 60  # storage reads, as a daemon makes a few of every loop


def sessions(engine, database: str) -> int:
    """Sessions opened on ``database`` so far, once every ended one has reported (read through the session's
    warehouse engine: ``pg_stat_database`` covers every database of the server)."""
    time.sleep(1.5)  # a backend reports its session's end within a second (PGSTAT_MIN_INTERVAL)
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT sessions FROM pg_stat_database WHERE datname = :d"),
                            {"d": database}).scalar_one()


def instance_on(storage: dict, home) -> dg.DagsterInstance:
    """A Dagster instance from a dagster.yaml holding ``storage``, as every paddock process loads one."""
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump({"storage": storage, "telemetry": {"enabled": False}}))
    return dg.DagsterInstance.from_config(str(home))


def work(instance: dg.DagsterInstance) -> None:
    """A run stored, then read back LOOKS times with the instigators and the run's events, as a daemon loop does."""
    try:
        run = instance.create_run_for_job(dg.GraphDefinition("nothing").to_job())
        for _ in range(LOOKS):
            assert instance.get_run_by_id(run.run_id).run_id == run.run_id
            instance.all_instigator_state()
            instance.get_records_for_run(run.run_id)
    finally:
        instance.dispose()


def storage_config(kind: str, url: str) -> dict:
    """dagster.yaml's ``storage:`` for the stock dagster-postgres storage or the repo's pooled one, on ``url``."""
    if kind == "stock":
        return {"postgres": {"postgres_url": url}}
    return {"custom": {"module": "paddock.dagster_storage", "class": "PooledPostgresStorage",
                       "config": {"postgres_url": url}}}


def test_the_same_work_opens_a_session_per_query_stock_and_one_per_storage_pooled(runtime_env, engine, tmp_path):
    opened = {}
    for kind in ("stock", "pooled"):
        database = f"pool_{kind}"
        instance = instance_on(storage_config(kind, fresh_database(runtime_env, database)), tmp_path / kind)
        before = sessions(engine, database)  # creating the tables took sessions of its own
        work(instance)
        opened[kind] = sessions(engine, database) - before
    assert opened["stock"] >= 3 * LOOKS, opened  # the control: one session per query, each counted
    assert opened["pooled"] <= 3, opened  # one per storage, kept


def test_a_server_restart_costs_no_failed_query(runtime_env, tmp_path):
    import pgserver

    url = fresh_database(runtime_env, "pool_restart")
    instance = instance_on(storage_config("pooled", url), tmp_path / "home")
    try:
        run = instance.create_run_for_job(dg.GraphDefinition("nothing").to_job())
        assert db.stop_embedded()
        pgserver.get_server(db.state_dir() / "postgres", cleanup_mode=None).ensure_postgres_running()
        assert instance.get_run_by_id(run.run_id).run_id == run.run_id  # the dead pooled connection replaced
    finally:
        instance.dispose()
