"""``read_copy`` (binary COPY into Arrow by the ADBC driver) returns the frame the CSV reader it replaced returned,
and what ``pd.read_sql`` returns; it fails loudly."""
import io

import adbc_driver_manager
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.frames import RUNNERS_SQL, _floats, load_runners
from paddock.pgcopy import bound_query, read_copy
from tests.integration.conftest import HISTORY_END, HISTORY_START

pytestmark = pytest.mark.integration
TEXT = ("runner_key", "race_key", "horse_key", "jockey_key", "trainer_key", "track_key", "status", "track_code",
        "surface", "going", "race_class")


def csv_reader(engine, sql: str, params: dict) -> pd.DataFrame:
    """The loader before ADBC, kept as the oracle: COPY … CSV into pandas' parser, text columns forced to object."""
    raw = engine.raw_connection()
    try:
        stream = io.BytesIO()
        raw.cursor().copy_expert(f"COPY ({bound_query(engine, sql, params)}) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                 stream)
        raw.commit()
    finally:
        raw.close()
    stream.seek(0)
    return pd.read_csv(stream, low_memory=False, true_values=["t"], false_values=["f"],
                       dtype=dict.fromkeys(TEXT, object))


def test_the_runners_frame_equals_the_csv_readers_and_a_row_by_row_read(history, engine):
    window = {"start": HISTORY_START, "end": HISTORY_END}
    loaded = load_runners(engine, HISTORY_START, HISTORY_END)
    sql = RUNNERS_SQL.format(schema="marts")
    before = _floats(csv_reader(engine, sql, window))
    assert len(loaded) == len(before) > 40_000
    assert before[["finish_position", "win_payout"]].isna().any().all()  # the nulls are compared too
    pd.testing.assert_frame_equal(loaded[before.columns], before)  # dtypes included
    with engine.connect() as conn:
        fetched = _floats(pd.read_sql_query(sa.text(sql.replace("%(start)s", ":start").replace("%(end)s", ":end")),
                                            conn, params=window))
    fetched = fetched.astype({c: loaded[c].dtype for c in fetched if fetched[c].dtype == object
                              and loaded[c].dtype != object})  # psycopg2 gives Python objects for nullable columns
    pd.testing.assert_frame_equal(loaded[fetched.columns], fetched, check_dtype=False)


def test_postgres_types_arrive_as_the_csv_reader_gave_them(engine):
    frame = read_copy(engine, """
        SELECT g AS n, g::smallint AS small, CASE WHEN g = 1 THEN 2.5::numeric END AS money,
               CASE WHEN g = 1 THEN 7 END AS maybe, CASE WHEN g = 1 THEN 'x' END AS note, g = 1 AS flag,
               date '2024-01-02' + g AS day, timestamptz '2024-01-02 03:04:05+02' AS at
        FROM generate_series(1, 2) AS g WHERE %(on)s ORDER BY g""", {"on": True})
    assert frame.dtypes.astype(str).to_dict() == {
        "n": "int64", "small": "int64", "money": "float64", "maybe": "float64", "note": "object", "flag": "bool",
        "day": "datetime64[ns]", "at": "datetime64[ns, UTC]"}
    assert frame["money"].iloc[0] == 2.5 and np.isnan(frame["money"].iloc[1]) and frame["maybe"].iloc[0] == 7
    missing = frame["note"].iloc[1]
    assert frame["note"].iloc[0] == "x" and isinstance(missing, float) and np.isnan(missing)  # read_csv's NaN, not None
    assert frame["day"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-04")]
    assert frame["at"].iloc[0] == pd.Timestamp("2024-01-02 01:04:05", tz="UTC")


def test_bound_parameters_and_empty_results(engine):
    frame = read_copy(engine, "SELECT %(text)s AS quoted, 1 AS n WHERE %(keep)s", {"text": "it's; DROP", "keep": True})
    assert frame.to_dict("records") == [{"quoted": "it's; DROP", "n": 1}]
    empty = read_copy(engine, "SELECT 1 AS n WHERE %(keep)s", {"keep": False})
    assert empty.empty and list(empty.columns) == ["n"]


def test_a_failing_query_raises_the_database_error_and_the_next_read_works(engine):
    with pytest.raises(adbc_driver_manager.ProgrammingError, match="no_such_table") as raised:
        read_copy(engine, "SELECT * FROM marts.no_such_table WHERE 1 = %(one)s", {"one": 1})
    assert raised.value.sqlstate == "42P01"  # undefined_table, PostgreSQL's own error
    assert read_copy(engine, "SELECT %(v)s::int AS v", {"v": 7}).to_dict("records") == [{"v": 7}]


def test_the_schema_must_be_a_plain_identifier(engine):
    with pytest.raises(ValueError, match="not a plain identifier"):
        load_runners(engine, HISTORY_START, HISTORY_END, schema="marts.x; drop table y")
