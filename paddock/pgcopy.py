"""The COPY helpers every package shares: :func:`copy_rows` writes a frame, :func:`read_copy` reads a query.

Part of the ground floor (with ``paddock.db``): it imports nothing from the project, so ``ingestion`` (raw loads),
``backtests`` (run results, exotic value, the portfolio) and the tests all use this one implementation without an
import cycle.

Writing: one bulk writer for every table. Columns are converted vectorized and the CSV is written by pandas: building
it cell by cell in Python cost more than the server's COPY itself (benchmarks/odds_ingest.py).

Reading: a backtest over ten years of US racing reads millions of runner rows. Fetching them as Python tuples
(``pd.read_sql``) builds one object per cell; CSV over COPY into pandas' parser still made PostgreSQL format every
number as text and pandas parse it back (2.6× the drain of the CSV stream, ~36M Python strings at US scale). The ADBC
PostgreSQL driver (Apache Arrow) reads the result as binary COPY (:data:`COPY_OUT`, the statement it sends) straight
into Arrow columns in C++; the frame comes from Arrow in one pass per column. Parameters are bound by psycopg2
(``cursor.mogrify``), never formatted into the SQL by hand, because a COPY statement takes no bind parameters.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

NULL = r"\N"


def _column_for_copy(values: pd.Series, pg_type: str) -> pd.Series:
    """A column converted whole (no per-cell Python) so that ``to_csv`` writes what the cell-by-cell reference in
    ``tests/copy_cells.py`` would: integers without a ``.0``, timestamps as UTC instants (naive ones read as UTC),
    everything else as ``str`` does."""
    if pg_type == "integer" and not pd.api.types.is_integer_dtype(values.dtype):
        return pd.to_numeric(values).astype("Int64")
    if pg_type == "timestamptz":
        converted = pd.to_datetime(values, utc=True, format="mixed") if values.dtype == object else values
        if getattr(converted.dtype, "tz", None) is not None:
            converted = converted.dt.tz_convert(timezone.utc).dt.tz_localize(None)
        instants = converted.to_numpy(dtype="datetime64[us]")  # naive values are UTC already
        text = np.datetime_as_string(instants, unit="us", timezone="UTC").astype(object)  # numpy's C formatter
        text[np.isnat(instants)] = None
        return pd.Series(text, index=values.index)
    return values


def copy_rows(cursor, table: str, columns: Mapping[str, str], rows: pd.DataFrame) -> int:
    """COPY rows (already in column order of `columns`) into `table` as CSV; returns the number of rows."""
    if rows.empty:
        return 0
    frame = pd.DataFrame({
        name: _column_for_copy(rows.iloc[:, i], pg_type) for i, (name, pg_type) in enumerate(columns.items())
    })
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep=NULL, lineterminator="\n")
    buffer.seek(0)
    column_list = ", ".join(columns)
    cursor.copy_expert(f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", buffer)
    return len(rows)


# What the ADBC driver sends for a query (read from its library): the benchmarks drain the same statement.
COPY_OUT = "COPY ({query}) TO STDOUT (FORMAT binary)"


def bound_query(engine: sa.Engine, sql: str, params: Mapping[str, object]) -> str:
    """``sql`` with its psycopg2 ``%(name)s`` placeholders bound (quoted by the driver) as one literal statement."""
    raw = engine.raw_connection()
    try:
        return raw.cursor().mogrify(sql, dict(params)).decode()
    finally:
        raw.close()


def _column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``numeric`` arrives as its text (an opaque Arrow type over strings): parsed to float64 in C++, as the CSV
    reader did; every integer width becomes int64 (pandas turns it into float64 where nulls exist, as read_csv did).
    Types the frames never read (geometry, ranges...) pass as the driver gives them."""
    kind = column.type
    if isinstance(kind, pa.OpaqueType) and kind.type_name == "numeric":
        return pa.chunked_array([chunk.storage for chunk in column.chunks], kind.storage_type).cast(pa.float64())
    if pa.types.is_integer(kind):
        return column.cast(pa.int64())
    return column


def read_copy(engine: sa.Engine, sql: str, params: Mapping[str, object]) -> pd.DataFrame:
    """The rows of ``sql`` as the frame pandas' CSV reader gave: numbers int64/float64, booleans bool, text object
    with NaN where null, dates and timestamps datetime64[ns] (``timestamptz`` in UTC). ``float8`` arrives bit for bit
    (the CSV reader's fast parser could land one ulp off, e.g. 1810.512 for 1810.5120000000002)."""
    import adbc_driver_postgresql.dbapi as adbc  # lazily: its C++ driver loads only where a frame is read

    query = bound_query(engine, sql, params)
    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc.connect(uri) as conn, conn.cursor() as cursor:
        cursor.execute(query)
        table = cursor.fetch_arrow_table()
    table = pa.table([_column(c) for c in table.itercolumns()], names=table.column_names)
    frame = table.to_pandas(coerce_temporal_nanoseconds=True, date_as_object=False)
    for name, column in zip(table.column_names, table.itercolumns()):
        if column.null_count and frame[name].dtype == object:  # Arrow's None, read_csv's NaN
            frame[name] = frame[name].where(frame[name].notna(), np.nan)
    return frame
