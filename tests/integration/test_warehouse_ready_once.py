"""The warehouse DDL runs once per process and database, never on every sensor tick (issue 13, the simulated race day).

Sensors call ``WarehouseResource.ready_engine()`` on each tick; its DDL re-granted every marts table and collided with
dbt replacing tables ("tuple concurrently updated" failed a strategy-monitor tick). Its own database, so dropping a
table here touches no other module.
"""
import pytest
import sqlalchemy as sa

from orchestration.defs.warehouse.resources import WarehouseResource

DATABASE = "warehouse_ready_once_test"


def _recreate(admin_url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()


@pytest.fixture
def url(runtime_env):
    _recreate(runtime_env["DATABASE_URL"])
    yield sa.make_url(runtime_env["DATABASE_URL"]).set(database=DATABASE).render_as_string(hide_password=False)
    _recreate(runtime_env["DATABASE_URL"])


def _has_table(engine: sa.Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one()


def test_second_tick_issues_no_ddl_and_a_new_database_is_prepared(runtime_env, url):
    resource = WarehouseResource(database_url=url)
    engine = resource.ready_engine()
    assert _has_table(engine, "raw.races") and _has_table(engine, "ops.fetch_log")
    with engine.begin() as conn:  # if a later call ran the DDL again, it would recreate this table
        conn.execute(sa.text("DROP TABLE ops.fetch_log"))
    resource.ready_engine()
    assert not _has_table(engine, "ops.fetch_log")
    engine.dispose()

    _recreate(runtime_env["DATABASE_URL"])  # same URL, new database: prepared again
    engine = resource.ready_engine()
    assert _has_table(engine, "ops.fetch_log")
    engine.dispose()


def test_a_new_process_issues_no_ddl_until_the_layout_changes(runtime_env, url, monkeypatch):
    """Each Dagster run is a new process: it must not re-run the DDL (its ALTER TABLE deadlocked with a concurrent
    odds load) unless the code's layout differs from the one recorded in the database."""
    from ingestion import warehouse

    resource = WarehouseResource(database_url=url)
    engine = resource.ready_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE ops.fetch_log"))
    monkeypatch.setattr(warehouse, "_READY", set())  # as a fresh run process sees it
    resource.ready_engine()
    assert not _has_table(engine, "ops.fetch_log")
    monkeypatch.setattr(warehouse, "_READY", set())
    monkeypatch.setattr(warehouse, "ddl_fingerprint", lambda: "a-changed-layout")
    resource.ready_engine()
    assert _has_table(engine, "ops.fetch_log")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ops.warehouse_layout")).scalar_one() == 2
    engine.dispose()


def test_marts_tables_missing_the_grant_get_it(runtime_env, url):
    from ingestion.bi_access import ROLE, ensure_bi_reader

    engine = WarehouseResource(database_url=url).ready_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE marts.grant_probe (x int)"))
        conn.exec_driver_sql(f"REVOKE SELECT ON marts.grant_probe FROM {ROLE}")
    ensure_bi_reader(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT has_table_privilege('{ROLE}', 'marts.grant_probe', 'SELECT')")).scalar_one()
    engine.dispose()
