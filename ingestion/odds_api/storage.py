"""Write Odds API fetches to the warehouse: events upserted, raw snapshots + normalized odds COPYed, one transaction.

Idempotent by construction: a snapshot's id is derived from (event, request_id) — or (event, snapshot_time) when
there is no request id — and a reload first deletes that snapshot's rows, like the project loader replaces a
partition. Readers never see half a fetch; loading the same fetch twice leaves the same rows.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import pandas as pd
import sqlalchemy as sa

from ingestion.clock import utcnow
from ingestion.errors import ParseError
from ingestion.loader import quarantine_records
from ingestion.odds_api.parse import parse_events, parse_odds, parse_scores
from ingestion.odds_api.schema import ODDS_COPY_COLUMNS, SNAPSHOT_COPY_COLUMNS
from ingestion.odds_api.tiers import fetch_tier as tier_for
from ingestion.odds_api.tiers import hours_until
from paddock.pgcopy import copy_rows  # the project's one COPY writer
from quality.gate import GateFailure
from quality.suites_odds import OddsGateResult, gate_odds

ODDS_API_SOURCE = "the-odds-api"

_UPSERT_EVENTS = """
    INSERT INTO raw.events (id, sport, sport_title, commence_time, home_team, away_team)
    VALUES {values}
    ON CONFLICT (id) DO UPDATE SET
        sport = EXCLUDED.sport,
        sport_title = coalesce(EXCLUDED.sport_title, raw.events.sport_title),
        commence_time = EXCLUDED.commence_time,
        home_team = EXCLUDED.home_team,
        away_team = EXCLUDED.away_team,
        updated_at = now()
"""

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


def _payload_json(event: Any) -> str:
    """One event as the JSONB snapshot stores it (keys sorted). orjson is several times faster than ``json`` on the
    bulk path's hundred megabytes; what it refuses (integers beyond 64 bits, strings with lone surrogates) goes
    through ``json``, so such an event fails or loads exactly as it did before."""
    try:
        return orjson.dumps(event, default=_json_default, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(event, default=_json_default, sort_keys=True)


def snapshot_id(event_id: str, snapshot_time: datetime, request_id: str | None) -> str:
    """Stable id of one event in one fetch; the same fetch always maps to the same id."""
    basis = f"{event_id}|req:{request_id}" if request_id else f"{event_id}|t:{snapshot_time.isoformat()}"
    return hashlib.md5(basis.encode()).hexdigest()


def _require_utc(ts: datetime) -> pd.Timestamp:
    if ts.tzinfo is None:
        raise ParseError(ts, "snapshot_time (must be timezone-aware)")
    return pd.Timestamp(ts).tz_convert("UTC")


@dataclass(frozen=True)
class Fetch:
    """One /odds response (or one tote board shaped like one) and how it was taken."""

    sport: str
    payload: list
    snapshot_time: datetime
    fetch_tier: str | None = None  # None: derived per event from its hours until commence
    request_id: str | None = None
    odds_format: str | None = None
    source: str = ODDS_API_SOURCE  # quarantine._source and the data-quality log's source


@dataclass(frozen=True)
class StoreResult:
    written: dict[str, int]
    gate: OddsGateResult


def _frames(fetch: Fetch) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """(snapshots, odds with snapshot ids, event rows) of one fetch."""
    at = _require_utc(fetch.snapshot_time)
    parsed = parse_events(fetch.payload)
    odds = parse_odds(fetch.payload, fetch.odds_format, events=parsed)  # the events parsed once per fetch
    events = parsed.to_dict("records")
    ids = {e["id"]: snapshot_id(e["id"], at.to_pydatetime(), fetch.request_id) for e in events}
    snapshots = pd.DataFrame([
        {
            "snapshot_id": ids[row["id"]], "event_id": row["id"], "sport": row["sport_key"] or fetch.sport,
            "payload": _payload_json(raw), "snapshot_time": at,
            "bookmaker_count": len(raw.get("bookmakers") or []),
            "fetch_tier": fetch.fetch_tier or tier_for(hours_until(row["commence_time"], at)),
            "hours_until_commence": round(hours_until(row["commence_time"], at), 4), "request_id": fetch.request_id,
            "source": fetch.source,
        }
        for raw, row in zip(fetch.payload, events)
    ], columns=list(SNAPSHOT_COPY_COLUMNS))
    odds = odds.assign(snapshot_id=odds["event_id"].map(ids), snapshot_time=at, _source=fetch.source,
                       _request_id=fetch.request_id)
    event_rows = [
        {**{k: row[k] for k in ("id", "sport_title", "home_team", "away_team")}, "sport": row["sport_key"] or fetch.sport,
         "commence_time": row["commence_time"].to_pydatetime()}
        for row in events
    ]
    return snapshots, odds, event_rows


_PREVIOUS_POINTS = """
    SELECT DISTINCT ON (event_id, bookmaker, market, outcome, description)
           event_id, bookmaker, market, outcome, description, point AS previous_point
    FROM raw.odds
    WHERE event_id = ANY(%s) AND market IN ('spreads', 'totals') AND point IS NOT NULL AND snapshot_time < %s
    ORDER BY event_id, bookmaker, market, outcome, description, snapshot_time DESC
"""


def _lock_and_previous_points(cursor, batch: str, event_ids: list[str],
                              before: pd.Timestamp) -> pd.DataFrame | None:
    """Take the batch's lock (two loads of one batch wait for each other) and read the points the line-jump rule
    compares with, in one round trip; None when the batch has no events."""
    lock = "SELECT pg_advisory_xact_lock(hashtext(%s))"
    if not event_ids:
        cursor.execute(lock, (f"odds_snapshot|{batch}",))
        return None
    cursor.execute(f"{lock};{_PREVIOUS_POINTS}", (f"odds_snapshot|{batch}", event_ids, before.to_pydatetime()))
    return pd.DataFrame(cursor.fetchall(),
                        columns=["event_id", "bookmaker", "market", "outcome", "description", "previous_point"])


def store_fetches(engine: sa.Engine, fetches: Sequence[Fetch], *, now: datetime | None = None,
                  reject_soft: bool | None = None,
                  also: Callable[[sa.Connection, OddsGateResult], None] | None = None) -> StoreResult:
    """Gate and load several fetches in one transaction: events upserted, snapshots and published odds COPYed,
    rejected prices into ``quarantine.odds`` with reasons, every rule's outcome into ``ops.data_quality_log``.

    A batch whose valid share falls below the suite's floor publishes nothing (its quarantine and log are still
    written) and raises :class:`quality.gate.GateFailure`: a broken feed must not leak half its prices. ``also`` runs
    in the same transaction after the rows (whatever the gate decided), so a caller's bookkeeping — a backfill plan's
    rows marked done or rejected — commits with them or not at all."""
    now = now or utcnow()
    parts = [_frames(f) for f in fetches]
    snapshots = pd.concat([p[0] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    odds = pd.concat([p[1] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    event_rows = {row["id"]: row for p in parts for row in p[2]}
    snap_ids = list(snapshots["snapshot_id"]) if len(snapshots) else []
    batch = _batch_key(fetches)
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        first = min((_require_utc(f.snapshot_time) for f in fetches), default=pd.Timestamp(now))
        previous = _lock_and_previous_points(cursor, batch, list(event_rows), first)
        gated = gate_odds(odds.drop(columns=["_source", "_request_id"]) if len(odds) else _empty_odds(), now,
                          previous_points=previous, reject_soft=reject_soft)
        rejects = odds.loc[gated.quarantined.index, ["_source", "_request_id"]] if len(odds) else None
        # the fixed statements of a batch in one round trip: a poll's fetch is small, so round trips were its cost
        statements = [cursor.mogrify("DELETE FROM quarantine.odds WHERE _scope = ANY(%s)", (snap_ids,)),
                      cursor.mogrify("DELETE FROM ops.data_quality_log WHERE table_name = 'odds' AND run_id = %s",
                                     (batch,)),
                      _log_quality(cursor, gated, fetches, batch, first)]
        if not gated.critical_failure:
            statements += [_upsert_events(cursor, list(event_rows.values())),
                           cursor.mogrify("DELETE FROM raw.odds WHERE snapshot_id = ANY(%s)", (snap_ids,)),
                           cursor.mogrify("DELETE FROM raw.odds_snapshots WHERE snapshot_id = ANY(%s)", (snap_ids,))]
        cursor.execute(b";\n".join(s for s in statements if s))
        written = {"events": 0, "odds_snapshots": 0, "odds": 0,
                   "quarantined_odds": _copy_quarantine(cursor, gated.quarantined, rejects),
                   "flagged_odds": int(gated.published["validation_notes"].notna().sum())}
        if not gated.critical_failure:
            written["events"] = len(event_rows)
            written["odds_snapshots"] = copy_rows(cursor, "raw.odds_snapshots", SNAPSHOT_COPY_COLUMNS, snapshots)
            written["odds"] = copy_rows(cursor, "raw.odds", ODDS_COPY_COLUMNS,
                                        gated.published.reindex(columns=list(ODDS_COPY_COLUMNS)))
        cursor.close()
        if also is not None:
            also(conn, gated)
    if gated.critical_failure:
        raise GateFailure(gated.gate)
    return StoreResult(written, gated)


def store_snapshot(engine: sa.Engine, sport: str, payload: list, snapshot_time: datetime,
                   fetch_tier: str | None = None, request_id: str | None = None, odds_format: str | None = None,
                   ) -> dict[str, int]:
    """Load one /odds response (see :func:`store_fetches`); returns the rows written per table."""
    fetch = Fetch(sport, payload, snapshot_time, fetch_tier, request_id, odds_format)
    return store_fetches(engine, [fetch]).written


def _empty_odds() -> pd.DataFrame:
    return pd.DataFrame(columns=[c for c in ODDS_COPY_COLUMNS if c not in ("is_valid", "validation_notes")])


def _batch_key(fetches: Sequence[Fetch]) -> str:
    """The data-quality log's run id: the request id of a single fetch, else first..last#digest of all of them
    (starting with the first request id, so a caller's prefix still finds its entries)."""
    keys = sorted(f.request_id or f"{f.sport}|{_require_utc(f.snapshot_time).isoformat()}" for f in fetches)
    if len(keys) == 1:
        return keys[0]
    return f"{keys[0]}..{keys[-1]}#{hashlib.md5(chr(10).join(keys).encode()).hexdigest()[:12]}"


_Q_COLUMNS = {"_source": "text", "_partition": "date", "_scope": "text", "_run_id": "text", "record": "jsonb",
              "reasons": "text[]"}


def _copy_quarantine(cursor, rejected: pd.DataFrame, meta: pd.DataFrame | None) -> int:
    if rejected.empty or meta is None:
        return 0
    q = quarantine_records(rejected)
    q.insert(0, "_run_id", meta["_request_id"].to_numpy())
    q.insert(0, "_scope", rejected["snapshot_id"].to_numpy())
    q.insert(0, "_partition", pd.to_datetime(rejected["snapshot_time"], utc=True).dt.date.to_numpy())
    q.insert(0, "_source", meta["_source"].to_numpy())
    return copy_rows(cursor, "quarantine.odds", _Q_COLUMNS, q)


def _values(cursor, rows: list[tuple], placeholders: str) -> bytes:
    return b",".join(cursor.mogrify(placeholders, row) for row in rows)


def _upsert_events(cursor, events: list[dict]) -> bytes:
    """One INSERT .. ON CONFLICT for every event of the batch (b"" when there is none)."""
    rows = [(e["id"], e["sport"], e["sport_title"], e["commence_time"], e["home_team"], e["away_team"])
            for e in events]
    if not rows:
        return b""
    return _UPSERT_EVENTS.encode().replace(b"{values}", _values(cursor, rows, "(%s, %s, %s, %s, %s, %s)"))


def _log_quality(cursor, gated: OddsGateResult, fetches: Sequence[Fetch], batch: str, day: pd.Timestamp) -> bytes:
    """The INSERT of every rule's outcome into ops.data_quality_log, as one statement."""
    sources = ",".join(sorted({f.source for f in fetches})) or ODDS_API_SOURCE
    rows = [
        (batch, sources, "odds", day.date(), day.date(), "odds", o.name, o.severity, bool(o.success), o.evaluated,
         o.unexpected_count, json.dumps({"sample": [str(v) for v in o.unexpected_sample], "error": o.error,
                                         "observed": o.observed}, default=str))
        for o in gated.gate.results
    ]
    if not rows:
        return b""
    return (b"INSERT INTO ops.data_quality_log (run_id, source, table_name, partition_start, partition_end, suite, "
            b"expectation, severity, success, evaluated, unexpected, details) VALUES "
            + _values(cursor, rows, "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, CAST(%s AS jsonb))"))


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
