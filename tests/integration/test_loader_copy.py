"""The vectorized COPY writer stores exactly what the cell-by-cell reference (``_cell``) says, type by type."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from paddock.pgcopy import NULL, copy_rows
from tests.copy_cells import cell as _cell

pytestmark = pytest.mark.integration

COLUMNS = {"n": "integer", "price": "numeric", "at": "timestamptz", "day": "date", "name": "text", "ok": "boolean",
           "share": "double precision"}
HK = timezone(timedelta(hours=8))


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "n": [7.0, None, 3.0],
        "price": [Decimal("9.70"), None, Decimal("1.0100")],
        "at": [datetime(2024, 3, 5, 17, 30), datetime(2024, 3, 5, 20, 0, 0, 123456, tzinfo=HK), None],
        "day": [date(2024, 3, 5), None, pd.Timestamp("2024-03-06")],
        "name": ['O\'Brien, "Joe"', None, "line\nbreak"],
        "ok": [True, False, None],
        "share": [0.1, np.nan, 1 / 3],
    })


def test_copy_rows_round_trips_every_type(engine):
    frame = _frame()
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE copy_probe (n integer, price numeric, at timestamptz, day date, "
                             "name text, ok boolean, share double precision)")
        cursor = conn.connection.cursor()
        assert copy_rows(cursor, "copy_probe", COLUMNS, frame) == 3
        stored = conn.exec_driver_sql("SELECT * FROM copy_probe ORDER BY n NULLS LAST, day").all()
    assert stored[0] == (3, Decimal("1.0100"), None, date(2024, 3, 6), "line\nbreak", None, pytest.approx(1 / 3))
    assert stored[1] == (7, Decimal("9.70"), datetime(2024, 3, 5, 17, 30, tzinfo=timezone.utc), date(2024, 3, 5),
                         'O\'Brien, "Joe"', True, 0.1)
    assert stored[2][:3] == (None, None, datetime(2024, 3, 5, 12, 0, 0, 123456, tzinfo=timezone.utc))
    assert stored[2][3:6] == (None, None, False) and stored[2][6] is None


def test_reference_cells_agree_on_nulls():
    frame = _frame()
    assert [_cell(v, "integer") for v in frame["n"]] == ["7", NULL, "3"]
    assert _cell(frame["at"][0], "timestamptz") == "2024-03-05T17:30:00+00:00"


def test_loaded_frame_with_copy_matches_sql_count(engine):
    frame = pd.DataFrame({"n": np.arange(10_000), "name": [f"r{i}" for i in range(10_000)]})
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE copy_many (n integer, name text)")
        copy_rows(conn.connection.cursor(), "copy_many", {"n": "integer", "name": "text"}, frame)
        total = conn.execute(sa.text("SELECT count(*), sum(n), max(name) FROM copy_many")).one()
    assert tuple(total) == (10_000, 49_995_000, "r9999")
