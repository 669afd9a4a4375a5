"""The cell-by-cell COPY text reference (test helper).

``paddock.pgcopy.copy_rows`` converts whole columns for speed; this slow, obvious per-value version is what the tests hold the
vectorized writer to, so it lives with the tests rather than in the production module nobody else calls it from.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd

from paddock.pgcopy import NULL


def cell(value: object, pg_type: str) -> str:
    """One value as COPY text: the reference the vectorized writer must agree with (tested cell by cell)."""
    if value is None or (not isinstance(value, (str, bytes, dict, list)) and pd.isna(value)):
        return NULL
    if pg_type == "integer":
        return str(int(value))
    if pg_type == "timestamptz":
        ts = pd.Timestamp(value)
        return (ts.tz_localize(timezone.utc) if ts.tzinfo is None else ts).isoformat()
    if pg_type == "date":
        return value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return str(value)
