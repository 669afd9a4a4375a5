"""The dbt assets run dbt inside the run process (``orchestration.defs.dbt.in_process``): their events, and failures.

Each test has a database of its own, so the manifest parsed for the session's warehouse must not be reused for it
(relation names carry the database): one process, several warehouses, as the test suite itself runs.
"""
from __future__ import annotations

import os

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.warehouse import ensure_warehouse_once
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.deployment import fresh_database

pytestmark = pytest.mark.integration

STG_EVENTS = dg.AssetKey(["staging", "stg_events"])


@pytest.fixture
def own_warehouse(runtime_env):
    """A private database; the dbt connection settings the asset exports are put back afterwards."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PADDOCK_PG_")}
    urls = []

    def make(name: str, *, tables: bool) -> str:
        url = fresh_database(runtime_env, name)
        if tables:
            engine = sa.create_engine(url)
            ensure_warehouse_once(engine)
            engine.dispose()
        urls.append(url)
        return url

    yield make
    for key in [k for k in os.environ if k.startswith("PADDOCK_PG_")]:
        del os.environ[key]
    os.environ.update(saved)


def build_stg_events(url: str) -> dg.ExecuteInProcessResult:
    # the odds views the signals read are their own dbt assets (built in each poll's run); reads dbt's manifest,
    # which the session fixture prepares
    from orchestration.defs.dbt.assets import dbt_odds_signal_inputs

    return dg.materialize([dbt_odds_signal_inputs], selection=[STG_EVENTS], raise_on_error=False,
                          resources={"warehouse": WarehouseResource(database_url=url)},
                          instance=dg.DagsterInstance.ephemeral())


def test_a_model_and_its_tests_become_a_materialization_and_checks(own_warehouse):
    url = own_warehouse("inproc_events", tables=True)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a status no test accepts: the accepted_values test warns, the rest pass
        conn.execute(sa.text("INSERT INTO raw.events (id, sport, commence_time, home_team, away_team, status) "
                             "VALUES ('inproc-1', 'basketball_nba', now(), 'Home', 'Away', 'postponed')"))
    result = build_stg_events(url)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [STG_EVENTS]
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    failed = {name for name, passed in checks.items() if not passed}
    assert failed == {"accepted_values_stg_events_status__scheduled__live__final__cancelled"}
    assert checks["not_null_stg_events"] and checks["unique_stg_events_event_id"]
    with engine.connect() as conn:  # built in this database, not the session's warehouse
        assert conn.execute(sa.text("SELECT status FROM staging.stg_events")).scalars().all() == ["postponed"]
    engine.dispose()


def test_a_model_that_cannot_build_fails_the_step_naming_it(own_warehouse):
    url = own_warehouse("inproc_empty", tables=False)  # no raw tables: the view's source does not exist
    result = build_stg_events(url)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "model.paddock.stg_events" in str(failure.event_specific_data.error)


def test_one_not_null_check_per_model_counts_each_column_that_holds_nulls(own_warehouse):
    """``not_null_columns`` (dbt_project/tests/generic): a model's not-null columns in one test. Two of stg_events'
    six hold a null here (raw.events' own NOT NULL dropped in this private database): the check fails with one
    failing row per such column, not per null value, and the other tests of the model still pass."""
    url = own_warehouse("inproc_nulls", tables=True)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE raw.events ALTER COLUMN home_team DROP NOT NULL, "
                             "ALTER COLUMN away_team DROP NOT NULL"))
        conn.execute(sa.text("INSERT INTO raw.events (id, sport, commence_time, home_team, away_team, status) VALUES "
                             "('nulls-1', 'basketball_nba', now(), NULL, NULL, 'scheduled'), "
                             "('nulls-2', 'basketball_nba', now(), NULL, 'Away', 'scheduled'), "
                             "('nulls-3', 'basketball_nba', now(), 'Home', 'Away', 'scheduled')"))
    engine.dispose()
    result = build_stg_events(url)
    assert not result.success  # the check's severity is error
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = {name for name, e in evaluations.items() if not e.passed}
    assert failed == {"not_null_stg_events"}
    assert evaluations["not_null_stg_events"].metadata["dagster_dbt/failed_row_count"].value == 2


def test_a_model_edited_after_the_parse_is_parsed_again(runtime_env, tmp_path):
    """A run forked from the code server's forkserver starts with the manifest parsed already
    (``orchestration.run_worker_preload``): an edit made to the project since must still reach its dbt commands, as
    it does with the dbt CLI, which parses every time. A copy of the project, so the edit stays in this test."""
    import shutil

    from paddock.dbt_prep import DBT_DIR
    from paddock.dbt_runner import _manifest

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    target = tmp_path / "target"
    first = _manifest(project, target)
    assert _manifest(project, target) is first  # nothing changed: the parse is kept
    model = project / "models" / "staging" / "odds" / "stg_events.sql"
    model.write_text(model.read_text() + "\n-- edited after the parse\n")
    edited = _manifest(project, target)
    assert edited is not first
    assert "-- edited after the parse" in edited.nodes["model.paddock.stg_events"].raw_code
    assert "-- edited after the parse" not in first.nodes["model.paddock.stg_events"].raw_code
