"""A fingerprint of a source's raw partitions (test helper): proves a re-load or a refused load left rows unchanged.

Only the tests compare partitions before and after a load, so the query lives here, not in ``ingestion.loader``.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ingestion.schema import RAW_TABLES


def partition_checksum(engine: sa.Engine, table: str, source: str, start: date, end: date) -> tuple[int, str]:
    """(row count, md5 of data columns in a stable order) of a source's partitions; lineage columns excluded."""
    columns = list(RAW_TABLES[table])
    row_expr = "concat_ws('|', " + ", ".join(f"coalesce({c}::text, '∅')" for c in columns) + ")"
    sql = sa.text(
        f"SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM "
        f"(SELECT {row_expr} AS r FROM raw.{table} WHERE _source = :s AND _partition BETWEEN :a AND :b) t"
    )
    with engine.connect() as conn:
        count, digest = conn.execute(sql, {"s": source, "a": start, "b": end}).one()
    return int(count), digest
