"""The read-only BI role: reads every mart (also ones created after the grant), writes nothing, sees no raw data."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError


@pytest.fixture(scope="module")
def bi_engine(engine):
    from ingestion.warehouse import ensure_warehouse

    ensure_warehouse(engine)
    with engine.begin() as conn:  # a mart created after the role was set up, as dbt would
        conn.exec_driver_sql("DROP TABLE IF EXISTS marts.bi_probe")
        conn.exec_driver_sql("CREATE TABLE marts.bi_probe AS SELECT 1 AS x")
    url = engine.url.set(username="bi_reader", password=None)
    bi = sa.create_engine(url)
    yield bi
    bi.dispose()


def run(bi_engine, sql: str):
    with bi_engine.begin() as conn:
        return conn.execute(sa.text(sql)).all()


def test_reads_marts_including_tables_created_later(bi_engine):
    assert run(bi_engine, "SELECT x FROM marts.bi_probe") == [(1,)]


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM raw.races",
    "SELECT count(*) FROM quarantine.runners",
    "SELECT count(*) FROM ops.data_quality_log",
    "INSERT INTO marts.bi_probe VALUES (2)",
    "CREATE TABLE marts.bi_write (x int)",
    "CREATE TABLE public.bi_write (x int)",
    "DELETE FROM marts.bi_probe",
])
def test_everything_else_is_denied(bi_engine, sql):
    with pytest.raises(ProgrammingError, match="permission denied"):
        run(bi_engine, sql)
