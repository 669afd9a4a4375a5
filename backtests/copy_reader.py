"""Read a query result into pandas through ``COPY (query) TO STDOUT`` instead of row-by-row fetching.

A backtest over ten years of US racing reads millions of runner rows. Fetching them as Python tuples
(``pd.read_sql``) builds one object per cell before pandas sees any of it; CSV over COPY lets PostgreSQL format the
rows in its own process while pandas' C parser reads the stream in this one (a pipe between a writer thread and
the parser, so the two overlap instead of running one after the other). Parameters are bound by the driver
(``cursor.mogrify``), never formatted into the SQL by hand.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa

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
