"""The limits issue 17 measures odds ingest against: the rows the store path wrote, COPYed back without Python.

Used by ``benchmarks.odds_ingest``: the same rows, exported once as CSV (untimed), deleted and COPYed back into
raw.odds itself (same indexes, foreign key and WAL) in CHUNK_ROWS-line transactions, or one fetch per transaction
as the poll path commits; and into a TEMP table without any of those, which shows what they cost on their own.
"""
from __future__ import annotations

import io
import tempfile
import time

import sqlalchemy as sa

from ingestion.odds_api.schema import ODDS_COPY_COLUMNS

CHUNK_ROWS = 100_000
PREFIX = "bench-odds-"  # the event ids odds_ingest gives its rows, so cleanup touches nothing else


def _sized_chunks(spool, size: int = CHUNK_ROWS):
    spool.seek(0)
    while lines := [line for _, line in zip(range(size), spool)]:
        yield lines


def _fetch_chunks(spool):
    """The spooled CSV one fetch at a time: each line starts with its fetch's snapshot time, which is cut off."""
    spool.seek(0)
    key, lines = None, []
    for line in spool:
        first, rest = line.split(",", 1)
        if lines and first != key:
            yield lines
            lines = []
        key = first
        lines.append(rest)
    if lines:
        yield lines


def _copy_chunks(raw, cursor, chunks, table: str, columns: str) -> tuple[float, int, int]:
    """(seconds, rows, transactions): a timed COPY of each chunk of CSV lines into ``table``, one transaction each."""
    elapsed, rows, count = 0.0, 0, 0
    for lines in chunks:
        chunk = io.StringIO("".join(lines))
        started = time.perf_counter()
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", chunk)
        raw.commit()
        elapsed += time.perf_counter() - started
        rows, count = rows + len(lines), count + 1
    return elapsed, rows, count


def timed_plain_copies(engine: sa.Engine, per_fetch: bool = False) -> dict[str, tuple[float, int, int]]:
    """Export what the store path wrote as CSV (untimed); COPY it back into raw.odds itself (after deleting it: same
    indexes, foreign key and WAL) and, unless ``per_fetch``, into a TEMP table LIKE raw.odds INCLUDING DEFAULTS
    (none of those). ``per_fetch`` COPYs one fetch per transaction, as the poll path commits; else CHUNK_ROWS."""
    columns = ", ".join(ODDS_COPY_COLUMNS)
    key = "snapshot_time::text, " if per_fetch else ""  # a fetch's rows share its snapshot time
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as spool:
            cursor.copy_expert(f"COPY (SELECT {key}{columns} FROM raw.odds AS o WHERE event_id LIKE '{PREFIX}%' "
                               "ORDER BY o.snapshot_time) TO STDOUT WITH (FORMAT csv, NULL '\\N')", spool)
            cursor.execute("DELETE FROM raw.odds WHERE event_id LIKE %s", (PREFIX + "%",))
            raw.commit()
            if per_fetch:
                return {"raw.odds": _copy_chunks(raw, cursor, _fetch_chunks(spool), "raw.odds", columns)}
            cursor.execute("CREATE TEMP TABLE bench_odds_copy (LIKE raw.odds INCLUDING DEFAULTS)")
            raw.commit()
            out = {"raw.odds": _copy_chunks(raw, cursor, _sized_chunks(spool), "raw.odds", columns),
                   "temp": _copy_chunks(raw, cursor, _sized_chunks(spool), "bench_odds_copy", columns)}
        cursor.execute("DROP TABLE bench_odds_copy")
        raw.commit()
        cursor.close()
    finally:
        raw.close()
    return out
