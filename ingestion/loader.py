"""The one loader: transactional partition replace with COPY.

A partition (one source, one race date) is replaced as a unit inside one transaction: its rows in every raw table and
its quarantine rows are deleted and the new rows are COPYed in. Readers see either the old partition or the new one,
never a mix; a run killed mid-load rolls back and leaves the previous data intact; re-running gives identical rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from ingestion.schema import META_COLUMNS, RAW_TABLES
from paddock.pgcopy import copy_rows

@dataclass
class PartitionPayload:
    """Everything written for one (source, race date): published rows and quarantined rows per raw table."""

    source: str
    partition: date
    scope: str = ""  # a track code when one day is loaded track by track; '' for whole-day loads
    published: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantined: dict[str, pd.DataFrame] = field(default_factory=dict)


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

