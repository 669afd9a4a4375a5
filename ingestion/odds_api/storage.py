"""Write Odds API fetches to the warehouse: events upserted, raw snapshots + normalized odds COPYed, one transaction.

Idempotent by construction: a snapshot's id is derived from (event, request_id) — or (event, snapshot_time) when
there is no request id — and a reload first deletes that snapshot's rows, like the project loader replaces a
partition. Readers never see half a fetch; loading the same fetch twice leaves the same rows.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ingestion.errors import ParseError
from ingestion.loader import copy_rows  # the project's one COPY writer
from ingestion.odds_api.parse import parse_events, parse_odds, parse_scores
from ingestion.odds_api.schema import ODDS_COPY_COLUMNS, SNAPSHOT_COPY_COLUMNS
from ingestion.odds_api.tiers import fetch_tier as tier_for
from ingestion.odds_api.tiers import hours_until
from ingestion.odds_api.validate import flag_odds

_UPSERT_EVENT = sa.text("""
    INSERT INTO raw.events (id, sport, sport_title, commence_time, home_team, away_team)
    VALUES (:id, :sport, :sport_title, :commence_time, :home_team, :away_team)
    ON CONFLICT (id) DO UPDATE SET
        sport = EXCLUDED.sport,
        sport_title = coalesce(EXCLUDED.sport_title, raw.events.sport_title),
        commence_time = EXCLUDED.commence_time,
        home_team = EXCLUDED.home_team,
        away_team = EXCLUDED.away_team,
        updated_at = now()
""")

_UPSERT_SCORES = sa.text("""
    INSERT INTO raw.events (id, sport, sport_title, commence_time, home_team, away_team, status, scores, completed,
                            last_update)
    VALUES (:id, :sport, :sport_title, :commence_time, :home_team, :away_team, :status, CAST(:scores AS jsonb),
            :completed, :last_update)
    ON CONFLICT (id) DO UPDATE SET
        status = EXCLUDED.status, scores = EXCLUDED.scores, completed = EXCLUDED.completed,
        last_update = EXCLUDED.last_update, commence_time = EXCLUDED.commence_time, updated_at = now()
    WHERE raw.events.last_update IS NULL OR EXCLUDED.last_update IS NULL
       OR EXCLUDED.last_update >= raw.events.last_update
""")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def snapshot_id(event_id: str, snapshot_time: datetime, request_id: str | None) -> str:
    """Stable id of one event in one fetch; the same fetch always maps to the same id."""
    basis = f"{event_id}|req:{request_id}" if request_id else f"{event_id}|t:{snapshot_time.isoformat()}"
    return hashlib.md5(basis.encode()).hexdigest()


def _require_utc(ts: datetime) -> pd.Timestamp:
    if ts.tzinfo is None:
        raise ParseError(ts, "snapshot_time (must be timezone-aware)")
    return pd.Timestamp(ts).tz_convert("UTC")


def store_snapshot(
    engine: sa.Engine,
    sport: str,
    payload: list,
    snapshot_time: datetime,
    fetch_tier: str | None = None,
    request_id: str | None = None,
    odds_format: str | None = None,
) -> dict[str, int]:
    """Load one /odds response. ``fetch_tier=None`` derives each event's tier from its hours until commence."""
    at = _require_utc(snapshot_time)
    events = parse_events(payload)
    odds = flag_odds(parse_odds(payload, odds_format))
    ids = {e: snapshot_id(e, at.to_pydatetime(), request_id) for e in events["id"]}
    snapshots = pd.DataFrame([
        {
            "snapshot_id": ids[row["id"]], "event_id": row["id"], "sport": row["sport_key"] or sport,
            "payload": json.dumps(raw, default=_json_default, sort_keys=True), "snapshot_time": at,
            "bookmaker_count": len(raw.get("bookmakers") or []),
            "fetch_tier": fetch_tier or tier_for(hours_until(row["commence_time"], at)),
            "hours_until_commence": round(hours_until(row["commence_time"], at), 4), "request_id": request_id,
        }
        for raw, row in zip(payload, events.to_dict("records"))
    ], columns=list(SNAPSHOT_COPY_COLUMNS))
    odds = odds.assign(snapshot_id=odds["event_id"].map(ids), snapshot_time=at)
    odds = odds.reindex(columns=list(ODDS_COPY_COLUMNS))
    event_rows = [
        {**{k: row[k] for k in ("id", "sport_title", "home_team", "away_team")}, "sport": row["sport_key"] or sport,
         "commence_time": row["commence_time"].to_pydatetime()}
        for row in events.to_dict("records")
    ]
    with engine.begin() as conn:
        lock_key = request_id or f"{sport}|{at.isoformat()}"
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"odds_snapshot|{lock_key}"})
        if event_rows:
            conn.execute(_UPSERT_EVENT, event_rows)
        cursor = conn.connection.cursor()
        snap_ids = list(ids.values())
        cursor.execute("DELETE FROM raw.odds WHERE snapshot_id = ANY(%s)", (snap_ids,))
        cursor.execute("DELETE FROM raw.odds_snapshots WHERE snapshot_id = ANY(%s)", (snap_ids,))
        written = {
            "events": len(event_rows),
            "odds_snapshots": copy_rows(cursor, "raw.odds_snapshots", SNAPSHOT_COPY_COLUMNS, snapshots),
            "odds": copy_rows(cursor, "raw.odds", ODDS_COPY_COLUMNS, odds),
        }
        cursor.close()
    written["invalid_odds"] = int((~odds["is_valid"]).sum()) if len(odds) else 0
    return written


def store_scores(engine: sa.Engine, payload: list) -> int:
    """Upsert a /scores response into raw.events (status, scores, completed); older updates never overwrite newer."""
    frame = parse_scores(payload)
    titles = {str(e.get("id")): e.get("sport_title") for e in payload}
    rows = [
        {
            "id": r["event_id"], "sport": r["sport_key"], "sport_title": titles.get(r["event_id"]),
            "commence_time": r["commence_time"].to_pydatetime(), "home_team": r["home_team"],
            "away_team": r["away_team"], "completed": bool(r["completed"]),
            "status": "final" if r["completed"] else ("live" if r["scores"] is not None else "scheduled"),
            "scores": None if r["scores"] is None else json.dumps(r["scores"], sort_keys=True),
            "last_update": None if pd.isna(r["last_update"]) else r["last_update"].to_pydatetime(),
        }
        for r in frame.to_dict("records")
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(_UPSERT_SCORES, rows)
    return len(rows)
