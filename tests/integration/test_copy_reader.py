"""``read_copy`` (COPY … TO STDOUT into pandas' CSV parser) returns what ``pd.read_sql`` returns, fails loudly."""
import pandas as pd
import psycopg2.errors
import pytest
import sqlalchemy as sa

from backtests.frames import RUNNERS_SQL, TEXT_DTYPES, _floats, load_runners
from paddock.pgcopy import read_copy
from tests.integration.conftest import HISTORY_END, HISTORY_START

pytestmark = pytest.mark.integration


def test_the_runners_frame_equals_a_row_by_row_read(history, engine):
    window = {"start": HISTORY_START, "end": HISTORY_END}
    copied = load_runners(engine, HISTORY_START, HISTORY_END)
    sql = RUNNERS_SQL.format(schema="marts").replace("%(start)s", ":start").replace("%(end)s", ":end")
    with engine.connect() as conn:
        fetched = _floats(pd.read_sql_query(sa.text(sql), conn, params=window))
    assert len(copied) == len(fetched) > 40_000
    fetched = fetched.astype({c: copied[c].dtype for c in fetched if fetched[c].dtype == object
                              and copied[c].dtype != object})  # psycopg2 gives Python objects for nullable columns
    pd.testing.assert_frame_equal(copied[fetched.columns], fetched, check_dtype=False)
    assert set(TEXT_DTYPES) <= set(copied.columns)


def test_bound_parameters_and_empty_results(engine):
    frame = read_copy(engine, "SELECT %(text)s AS quoted, 1 AS n WHERE %(keep)s", {"text": "it's; DROP", "keep": True})
    assert frame.to_dict("records") == [{"quoted": "it's; DROP", "n": 1}]
    empty = read_copy(engine, "SELECT 1 AS n WHERE %(keep)s", {"keep": False})
    assert empty.empty and list(empty.columns) == ["n"]


def test_a_failing_query_raises_the_database_error(engine):
    with pytest.raises(psycopg2.errors.UndefinedTable, match="no_such_table"):
        read_copy(engine, "SELECT * FROM marts.no_such_table WHERE 1 = %(one)s", {"one": 1})


def test_the_schema_must_be_a_plain_identifier(engine):
    with pytest.raises(ValueError, match="not a plain identifier"):
        load_runners(engine, HISTORY_START, HISTORY_END, schema="marts.x; drop table y")


def test_a_parse_error_midway_leaves_no_copy_running(engine):
    """The reader gives up on a row it cannot convert; the writer stops, the connection goes back to the pool clean."""
    with pytest.raises(ValueError):
        read_copy(engine, "SELECT CASE WHEN g < 50000 THEN g::text ELSE 'x' END AS n FROM generate_series(1, 60000) g "
                          "WHERE %(on)s", {"on": True}, dtype={"n": "int64"})
    assert read_copy(engine, "SELECT %(v)s::int AS v", {"v": 7}).to_dict("records") == [{"v": 7}]
