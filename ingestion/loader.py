"""The one loader: transactional partition replace with COPY.

A partition (one source, one race date) is replaced as a unit inside one transaction: its rows in every raw table and
its quarantine rows are deleted and the new rows are COPYed in. Readers see either the old partition or the new one,
never a mix; a run killed mid-load rolls back and leaves the previous data intact; re-running gives identical rows.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ingestion.schema import META_COLUMNS, RAW_TABLES

NULL = r"\N"


@dataclass
class PartitionPayload:
    """Everything written for one (source, race date): published rows and quarantined rows per raw table."""

    source: str
    partition: date
    scope: str = ""  # a track code when one day is loaded track by track; '' for whole-day loads
    published: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantined: dict[str, pd.DataFrame] = field(default_factory=dict)


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
    """COPY rows (already in column order of `columns`) into `table` as CSV: the project's one bulk writer.

    Columns are converted vectorized and the CSV is written by pandas: building it cell by cell in Python cost more
    than the server's COPY itself (benchmarks/odds_ingest.py)."""
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


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()
    if pd.isna(value):
        return None
    return str(value)


def quarantine_records(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn gate rejects into (record JSON, reasons array literal); the source's `_original` wins when present."""
    records, reasons = [], []
    for row in rows.to_dict("records"):
        why = row.pop("reasons", []) or []
        original = row.pop("_original", None)
        record = original if isinstance(original, dict) else row
        records.append(json.dumps(record, default=_json_default, sort_keys=True))
        reasons.append("{" + ",".join(json.dumps(str(r)) for r in why) + "}")
    return pd.DataFrame({"record": records, "reasons": reasons})


def replace_partition(engine: sa.Engine, payload: PartitionPayload, run_id: str, *, raw: bool = True) -> dict[str, int]:
    """Replace one (source, date) partition in raw.* and quarantine.* in a single transaction; returns rows written.

    With ``raw=False`` only the quarantine side is replaced: a batch that failed the gate must not touch published data.
    """
    loaded_at = datetime.now(timezone.utc)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        key = {"s": payload.source, "p": payload.partition, "c": payload.scope}
        where = "WHERE _source = %(s)s AND _partition = %(p)s AND _scope = %(c)s"
        for table, columns in RAW_TABLES.items():
            cursor.execute(f"DELETE FROM quarantine.{table} {where}", key)
            if raw:
                cursor.execute(f"DELETE FROM raw.{table} {where}", key)
            frame = payload.published.get(table)
            if raw and frame is not None and not frame.empty:
                rows = frame.reindex(columns=list(columns)).copy()
                rows["_source"], rows["_partition"], rows["_scope"] = payload.source, payload.partition, payload.scope
                rows["_loaded_at"], rows["_run_id"] = loaded_at, run_id
                written[table] = copy_rows(cursor, f"raw.{table}", {**columns, **META_COLUMNS}, rows)
            else:
                written[table] = 0
            rejects = payload.quarantined.get(table)
            if rejects is not None and not rejects.empty:
                q = quarantine_records(rejects)
                q.insert(0, "_run_id", run_id)
                q.insert(0, "_scope", payload.scope)
                q.insert(0, "_partition", payload.partition)
                q.insert(0, "_source", payload.source)
                q_columns = {"_source": "text", "_partition": "date", "_scope": "text", "_run_id": "text",
                             "record": "jsonb", "reasons": "text[]"}
                written[f"quarantine.{table}"] = copy_rows(cursor, f"quarantine.{table}", q_columns, q)
        cursor.close()
    return written

