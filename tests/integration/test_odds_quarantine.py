"""The odds gate in storage: rejected prices land in quarantine.odds with reasons, every rule in ops.data_quality_log,
reloads replace instead of duplicating, and a mostly broken batch publishes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ingestion.odds_api.storage import Fetch, store_fetches, store_snapshot
from quality.gate import GateFailure

pytestmark = pytest.mark.integration

AT = datetime(2026, 2, 1, 18, 0, tzinfo=timezone.utc)
FUTURE = datetime.now(timezone.utc) + timedelta(hours=1)  # the gate judges timestamps against the wall clock


def _event(event_id: str, prices: list[tuple[str, list[tuple[str, float]]]], updated: datetime = AT) -> dict:
    return {
        "id": event_id, "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": (AT + timedelta(hours=5)).isoformat(), "home_team": "Home", "away_team": "Away",
        "bookmakers": [
            {"key": book, "title": book, "last_update": (updated - timedelta(minutes=1)).isoformat(),
             "markets": [{"key": "h2h", "outcomes": [{"name": n, "price": p} for n, p in outcomes]}]}
            for book, outcomes in prices
        ],
    }


def _payload() -> list[dict]:
    return [
        _event("q-ev-1", [("pinnacle", [("Home", 1.91), ("Away", 1.91)]),
                          ("bovada", [("Home", 1.005), ("Away", 12.0)]),  # 1.005 < 1.01: hard
                          ("betfair", [("Home", 2.08), ("Away", 2.02)])]),  # -2.4 % overround: soft note
        _event("q-ev-2", [("pinnacle", [("Home", 1.80), ("Away", 2.05)])], updated=FUTURE),  # a clock error
    ]


def _rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_rejected_prices_are_quarantined_once_with_reasons(engine):
    for _ in range(2):  # loading the same fetch twice must not duplicate anything
        written = store_snapshot(engine, "basketball_nba", _payload(), AT, None, "q-req-1", odds_format="decimal")
    assert written == {"events": 2, "odds_snapshots": 2, "odds": 5, "quarantined_odds": 3, "flagged_odds": 3}
    quarantined = _rows(engine, "SELECT _source, _partition::text, _run_id, record->>'bookmaker', "
                                "record->>'outcome', reasons FROM quarantine.odds WHERE _run_id = 'q-req-1' "
                                "ORDER BY 4, 5")
    assert quarantined == [
        ("the-odds-api", "2026-02-01", "q-req-1", "bovada", "Home",
         ["odds.price_decimal_ge_1_01", "odds.price_american_within_10000"]),
        ("the-odds-api", "2026-02-01", "q-req-1", "pinnacle", "Away", ["odds.last_update_not_in_future"]),
        ("the-odds-api", "2026-02-01", "q-req-1", "pinnacle", "Home", ["odds.last_update_not_in_future"]),
    ]
    notes = _rows(engine, "SELECT o.bookmaker, o.outcome, o.validation_notes FROM raw.odds o JOIN raw.odds_snapshots s "
                          "USING (snapshot_id) WHERE o.event_id = 'q-ev-1' AND s.request_id = 'q-req-1' "
                          "AND o.validation_notes IS NOT NULL ORDER BY 1, 2")  # this load's (the batch test's too)
    assert notes == [("betfair", "Away", "odds.overround_in_range"), ("betfair", "Home", "odds.overround_in_range"),
                     ("bovada", "Away", "odds.both_sides_present")]
    log = dict(_rows(engine, "SELECT expectation, unexpected FROM ops.data_quality_log WHERE run_id = 'q-req-1' "
                             "AND NOT success"))
    assert log == {"odds.price_decimal_ge_1_01": 1, "odds.price_american_within_10000": 1,
                   "odds.last_update_not_in_future": 2,
                   "odds.both_sides_present": 1, "odds.overround_in_range": 2}
    assert _rows(engine, "SELECT count(*) FROM ops.data_quality_log WHERE run_id = 'q-req-1'") == [(14,)]  # every rule, once


def test_a_broken_feed_publishes_nothing(engine):
    broken = [_event(f"q-bad-{i}", [("bovada", [("Home", 1.001), ("Away", 1.002)])]) for i in range(5)]
    with pytest.raises(GateFailure, match="odds.valid_share_ge_0_5"):
        store_fetches(engine, [Fetch("basketball_nba", broken, AT, None, "q-req-bad", "decimal")])
    assert _rows(engine, "SELECT count(*) FROM raw.events WHERE id LIKE 'q-bad-%'") == [(0,)]
    assert _rows(engine, "SELECT count(*) FROM quarantine.odds WHERE _run_id = 'q-req-bad'") == [(10,)]


def test_batches_gate_once_and_match_single_loads(engine):
    fetches = [Fetch("basketball_nba", _payload(), AT + timedelta(minutes=k), None, f"q-batch-{k}", "decimal")
               for k in range(3)]
    result = store_fetches(engine, fetches)
    assert result.written == {"events": 2, "odds_snapshots": 6, "odds": 15, "quarantined_odds": 9, "flagged_odds": 9}
    assert result.gate.gate.summary["evaluated"] == 24
