"""``marts.strategy_triggers``: one row per (run, race or event, selection), upserted so that repeated monitor ticks
update odds, stake and ``last_seen_at`` but never duplicate a trigger or move its ``first_seen_at``.

``odds`` is NULL for a multi-horse pick (``bet_type`` ``trifecta_box`` ...): a pool bet's price is the dividend,
fixed only when the pool closes, and the tote publishes no price for a combination before that. A modelled price
(Harville from the win board) would be read as a price one could take, by people and by CLV alike, so the row says
"no price yet" instead; ``odds_source`` is ``pool``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from paddock.table_docs import document_table

TRIGGER_TYPES = {
    "run_name": "text NOT NULL", "strategy": "text NOT NULL", "market": "text NOT NULL", "sport": "text NOT NULL",
    "event_key": "text NOT NULL", "selection": "text NOT NULL", "race_key": "text", "race_date": "date",
    "track_code": "text", "race_number": "integer", "post_time": "timestamptz", "horse_number": "integer",
    "horse_name": "text", "bet_type": "text", "odds": "numeric(12,2)", "odds_source": "text NOT NULL",
    "confidence": "numeric", "stake": "numeric(16,2) NOT NULL", "decided_at": "timestamptz NOT NULL",
    "first_seen_at": "timestamptz NOT NULL", "last_seen_at": "timestamptz NOT NULL",
}
TRIGGER_KEY = ("run_name", "event_key", "selection")
UPDATED_ON_CONFLICT = ("odds", "odds_source", "confidence", "stake", "decided_at", "last_seen_at", "post_time")


# current = columns of multi-horse picks, the post-time index, and the comments of paddock.table_docs (a table
# created before those were written is upgraded once, like one without the columns)
CURRENT_SHAPE = sa.text("""
    SELECT to_regclass('marts.strategy_triggers_post_idx') IS NOT NULL AND count(*) = 2
           AND obj_description(to_regclass('marts.strategy_triggers'), 'pg_class') IS NOT NULL
    FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = 'strategy_triggers'
      AND (column_name = 'bet_type' OR (column_name = 'odds' AND is_nullable = 'YES'))
""")


def ensure_trigger_table(engine: sa.Engine) -> None:
    """Create or upgrade the table only when it is missing or old: the monitor writes on every sensor tick, and DDL
    there (even ``IF NOT EXISTS``) takes locks that collide with readers and dbt (issue 18: no DDL on a tick)."""
    with engine.connect() as conn:
        if conn.execute(CURRENT_SHAPE).scalar():
            return
    body = ", ".join(f"{c} {t}" for c, t in TRIGGER_TYPES.items())
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.strategy_triggers'))"))
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS marts")
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS marts.strategy_triggers ({body}, "
                             f"PRIMARY KEY ({', '.join(TRIGGER_KEY)}))")
        # tables created before multi-horse picks were stored: nullable odds and the bet type
        conn.exec_driver_sql("ALTER TABLE marts.strategy_triggers ALTER COLUMN odds DROP NOT NULL, "
                             "ADD COLUMN IF NOT EXISTS bet_type text")
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS strategy_triggers_post_idx "
                             "ON marts.strategy_triggers (post_time)")
        document_table(conn, "marts.strategy_triggers")


def write_triggers(engine: sa.Engine, triggers: pd.DataFrame) -> tuple[int, int]:
    """Upsert on (run_name, event_key, selection); returns (inserted, updated). ``first_seen_at`` is never moved."""
    ensure_trigger_table(engine)
    if triggers.empty:
        return 0, 0
    columns = [c for c in TRIGGER_TYPES if c not in ("first_seen_at", "last_seen_at")]
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPDATED_ON_CONFLICT)
    statement = sa.text(
        f"INSERT INTO marts.strategy_triggers ({names}, first_seen_at, last_seen_at) "
        f"VALUES ({values}, :decided_at, :decided_at) "
        f"ON CONFLICT ({', '.join(TRIGGER_KEY)}) DO UPDATE SET {updates} "
        "RETURNING (xmax = 0) AS inserted")  # xmax = 0: the row was inserted, not updated
    rows = [{c: _plain(v) for c, v in row.items()} for row in triggers[columns].to_dict("records")]
    with engine.begin() as conn:
        inserted = sum(bool(conn.execute(statement, row).scalar()) for row in rows)
    return inserted, len(rows) - inserted


def _plain(value):
    """numpy / pandas scalars → Python values the driver adapts."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value, tz="UTC").to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_triggers(engine: sa.Engine, run_names: list[str] | None = None) -> pd.DataFrame:
    ensure_trigger_table(engine)
    query = "SELECT * FROM marts.strategy_triggers"
    params = {}
    if run_names:
        query += " WHERE run_name = ANY(:names)"
        params["names"] = list(run_names)
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(query + " ORDER BY post_time, run_name, event_key, selection"), conn,
                                 params=params)


# The bettor's view of the triggers (what the Dagster asset shows): the next picks to place, soonest post first.
UPCOMING = sa.text("""
    SELECT to_char(post_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS post_utc, run_name,
           coalesce(track_code || ' R' || race_number, sport) AS race, selection, odds, odds_source, stake
    FROM marts.strategy_triggers WHERE post_time > :now
    ORDER BY post_time, run_name, event_key, selection LIMIT :n""")


def upcoming_triggers(engine: sa.Engine, now, limit: int = 10) -> tuple[list[dict], list[str]]:
    """The first ``limit`` triggers still to run at ``now`` (rows, column names), soonest post first. Read after
    :func:`write_triggers` (which creates the table), so a tick issues no second round of DDL."""
    with engine.connect() as conn:
        result = conn.execute(UPCOMING, {"now": now, "n": limit})
        return [dict(r) for r in result.mappings()], list(result.keys())
