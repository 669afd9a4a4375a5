"""The COPY helpers every package shares: :func:`copy_rows` writes a frame, :func:`read_copy` reads a query.

Part of the ground floor (with ``paddock.db``): it imports nothing from the project, so ``ingestion`` (raw loads),
``backtests`` (run results, exotic value, the portfolio) and the tests all use this one implementation without an
import cycle.

Writing: one bulk writer for every table. Columns are converted vectorized and the CSV is written by pandas: building
it cell by cell in Python cost more than the server's COPY itself (benchmarks/odds_ingest.py).

Reading: a backtest over ten years of US racing reads millions of runner rows. Fetching them as Python tuples
(``pd.read_sql``) builds one object per cell before pandas sees any of it; CSV over COPY lets PostgreSQL format the
rows in its own process while pandas' C parser reads the stream in this one (a pipe between a writer thread and
the parser, so the two overlap instead of running one after the other). Parameters are bound by the driver
(``cursor.mogrify``), never formatted into the SQL by hand.
"""
from __future__ import annotations

import io
import os
import threading
from collections.abc import Mapping
from datetime import timezone

import numpy as np
import pandas as pd
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


BOOL_WORDS = {"true_values": ["t"], "false_values": ["f"]}  # PostgreSQL's CSV spelling of booleans


def read_copy(engine: sa.Engine, sql: str, params: Mapping[str, object], **read_csv) -> pd.DataFrame:
    """``sql`` uses psycopg2 ``%(name)s`` placeholders; extra keyword arguments go to ``pd.read_csv``."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        query = cursor.mogrify(sql, dict(params)).decode()
        read_fd, write_fd = os.pipe()
        failure: list[BaseException] = []

        def produce() -> None:
            with os.fdopen(write_fd, "wb") as sink:
                try:
                    cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", sink)
                except BaseException as exc:  # re-raised in the reading thread, with the query's own error
                    failure.append(exc)

        writer = threading.Thread(target=produce, name="copy-reader", daemon=True)
        writer.start()
        try:
            with os.fdopen(read_fd, "rb") as source:  # closing it stops a writer whose reader gave up (EPIPE)
                try:
                    frame = pd.read_csv(source, low_memory=False, **BOOL_WORDS, **read_csv)
                except pd.errors.EmptyDataError:
                    frame = pd.DataFrame()
        finally:
            writer.join()  # never close the connection under a COPY still streaming
        if failure:
            raise failure[0]
        raw.commit()
        return frame
    finally:
        raw.close()
