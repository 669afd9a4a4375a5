"""Odds storage against the real embedded PostgreSQL: one transaction, idempotent reloads, scores upserts."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ingestion.http import FetchRecord, ops_fetch_log_sink
from ingestion.odds_api.schema import ensure_odds_tables
from ingestion.odds_api.storage import store_scores, store_snapshot
from tests.conftest import shared_path

pytestmark = pytest.mark.integration

AT = datetime(2023, 12, 11, 17, 0, tzinfo=timezone.utc)


def _counts(engine, event_ids):
    with engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(f"SELECT count(*) FROM raw.{t} WHERE {c} = ANY(:ids)"), {"ids": event_ids}).scalar()
            for t, c in (("events", "id"), ("odds_snapshots", "event_id"), ("odds", "event_id"))
        )


def test_store_snapshot_is_idempotent_on_real_recording(engine):
    ensure_odds_tables(engine)
    payload = json.loads(shared_path("odds-api", "odds-nba-h2h-spreads.json").read_text())
    ids = [e["id"] for e in payload]
    first = store_snapshot(engine, "basketball_nba", payload, AT, "pregame", "req-nba-1", odds_format="decimal")
    assert first == {"events": 18, "odds_snapshots": 18, "odds": 840, "quarantined_odds": 0, "flagged_odds": 0}
    store_snapshot(engine, "basketball_nba", payload, AT, "pregame", "req-nba-1", odds_format="decimal")
    assert _counts(engine, ids) == (18, 18, 840)
    later = datetime(2023, 12, 11, 18, 0, tzinfo=timezone.utc)
    store_snapshot(engine, "basketball_nba", payload, later, None, "req-nba-2", odds_format="decimal")
    assert _counts(engine, ids) == (18, 36, 1680)
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT o.price_american, o.price_decimal, o.point, s.fetch_tier, s.bookmaker_count, s.hours_until_commence "
            "FROM raw.odds o JOIN raw.odds_snapshots s USING (snapshot_id) WHERE s.request_id = 'req-nba-1' "
            "AND o.event_id = '837bd47f179cf27d9fceb17c23a32580' AND o.bookmaker = 'draftkings' "
            "AND o.market = 'spreads' AND o.outcome = 'Charlotte Hornets'")).one()
        tiers = dict(conn.execute(sa.text(
            "SELECT fetch_tier, count(*) FROM raw.odds_snapshots WHERE request_id = 'req-nba-2' GROUP BY 1")).all())
    assert row[:3] == (-112, Decimal("1.8900"), Decimal("4.00"))
    assert row[3] == "pregame" and row[4] == 15 and row[5] == pytest.approx(7 + 10 / 60, abs=1e-3)
    assert sum(tiers.values()) == 18 and set(tiers) <= {"opening", "early", "sharp", "pregame", "closing", "live"}


def test_snapshot_without_request_id_keys_on_time(engine):
    ensure_odds_tables(engine)
    payload = json.loads(shared_path("odds-api", "odds-multisport-h2h.json").read_text())
    ids = [e["id"] for e in payload]
    for _ in range(2):
        store_snapshot(engine, "upcoming", payload, AT, "early", None)
    assert _counts(engine, ids) == (28, 28, 380)


def test_scores_upsert_marks_final_and_keeps_newest(engine):
    ensure_odds_tables(engine)
    payload = json.loads(shared_path("odds-api", "scores-mlb.json").read_text())
    assert store_scores(engine, payload) == 30
    stale = [dict(e, last_update="2022-08-26T00:00:00Z", completed=False) for e in payload if e["completed"]]
    store_scores(engine, stale)  # older updates must not regress finals
    with engine.connect() as conn:
        status = dict(conn.execute(sa.text(
            "SELECT status, count(*) FROM raw.events WHERE id = ANY(:ids) GROUP BY 1"),
            {"ids": [e["id"] for e in payload]}).all())
        marlins = conn.execute(sa.text(
            "SELECT scores, completed FROM raw.events WHERE id = 'e19a60907a62bfde20a1677d70a2e9a1'")).one()
    assert status == {"final": 14, "live": 1, "scheduled": 15}
    assert marlins == ({"Miami Marlins": 6, "Los Angeles Dodgers": 10}, True)


def test_ops_fetch_log_sink_writes_redacted_rows(engine):
    sink = ops_fetch_log_sink(engine)
    sink(FetchRecord(url="https://api.example/v4/sports?apiKey=TOPSECRET", site="odds-it", status=200, bytes=10,
                     ms=5, attempt=1, error="boom apiKey=TOPSECRET", parser="p", rows_parsed=3))
    with engine.connect() as conn:
        url, error, rows = conn.execute(sa.text(
            "SELECT url, error, rows_parsed FROM ops.fetch_log WHERE site = 'odds-it'")).one()
    assert "TOPSECRET" not in url + error and rows == 3
