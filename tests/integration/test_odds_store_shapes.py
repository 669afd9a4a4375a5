"""The shapes real feeds send, through ``store_fetches`` into PostgreSQL (the payloads of the parse pin, written out
by hand there): suspended 1.0 prices and unreadable ones quarantined, a duplicate kept once, lines missing a side
noted, whole-number lines stored as numbers, names with a replaced non-UTF-8 byte, a comma and quotes kept exactly,
an outcome removed in the next poll, and a reload that changes nothing."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ingestion.odds_api.schema import ensure_odds_tables
from ingestion.odds_api.storage import Fetch, store_fetches
from tests.unit.test_odds_parse_pinned import AWAY, HOME, SHAPES

pytestmark = pytest.mark.integration

AT = datetime(2026, 6, 1, 12, 30, tzinfo=timezone.utc)
SUSPENDED = ["odds.price_american_not_null", "odds.price_decimal_ge_1_01"]
UNREADABLE = ["odds.price_decimal_not_null", "odds.price_american_not_null"]
ONE_SIDED = "odds.both_sides_present"
DUPLICATE = "odds.unique_snapshot_id_bookmaker_market_outcome_description_key_point_key"


def _rows(engine, sql: str, request: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), {"r": request})]


PUBLISHED = ("SELECT o.bookmaker, o.market, o.outcome, o.description, o.point, o.price_american, o.price_decimal, "
             "o.validation_notes FROM raw.odds o JOIN raw.odds_snapshots s USING (snapshot_id) "
             "WHERE s.request_id = :r ORDER BY 1, 2, 3, 5")
QUARANTINED = ("SELECT record->>'bookmaker', record->>'outcome', reasons FROM quarantine.odds WHERE _run_id = :r "
               "ORDER BY 1, 2, 3")


def test_real_shapes_load_as_the_gate_decides(engine):
    ensure_odds_tables(engine)
    for _ in range(2):  # a reload replaces, never duplicates
        result = store_fetches(engine, [Fetch("basketball_nba", SHAPES, AT, request_id="shape-1",
                                              odds_format="decimal")], now=AT)
    assert result.written == {"events": 1, "odds_snapshots": 1, "odds": 5, "quarantined_odds": 5, "flagged_odds": 3}
    assert _rows(engine, PUBLISHED, "shape-1") == [
        ("betmgm", "h2h", HOME, None, None, 110, Decimal("2.1000"), ONE_SIDED),
        ("betmgm", "team_totals", "Over", HOME, Decimal("112.50"), -115, Decimal("1.8700"), ONE_SIDED),
        ("pinnacle", "spreads", AWAY, None, Decimal("3.00"), -110, Decimal("1.9100"), None),
        ("pinnacle", "spreads", HOME, None, Decimal("-3.00"), -110, Decimal("1.9100"), None),
        ("pinnacle", "totals", "Over", None, Decimal("210.00"), -105, Decimal("1.9500"), ONE_SIDED)]
    assert _rows(engine, QUARANTINED, "shape-1") == [
        ("betmgm", AWAY, UNREADABLE), ("betmgm", HOME, [DUPLICATE]), ("betmgm", "Draw", UNREADABLE),
        ("pinnacle", AWAY, SUSPENDED), ("pinnacle", HOME, SUSPENDED)]
    assert _rows(engine, "SELECT payload->>'away_team', bookmaker_count FROM raw.odds_snapshots "
                         "WHERE request_id = :r", "shape-1") == [(AWAY, 2)]


def test_an_outcome_removed_in_the_next_poll_leaves_its_line_one_sided(engine):
    later = copy.deepcopy(SHAPES)
    later[0]["bookmakers"] = later[0]["bookmakers"][:1]
    markets = later[0]["bookmakers"][0]["markets"] = later[0]["bookmakers"][0]["markets"][1:]  # no suspended h2h
    markets[0]["outcomes"] = markets[0]["outcomes"][:1]  # the away side of the spread is gone
    store_fetches(engine, [Fetch("basketball_nba", SHAPES, AT, request_id="shape-2a", odds_format="decimal")], now=AT)
    store_fetches(engine, [Fetch("basketball_nba", later, AT + timedelta(minutes=5), request_id="shape-2b",
                                 odds_format="decimal")], now=AT + timedelta(minutes=5))
    spreads_rows = [r for r in _rows(engine, PUBLISHED, "shape-2b") if r[1] == "spreads"]
    assert spreads_rows == [("pinnacle", "spreads", HOME, None, Decimal("-3.00"), -110, Decimal("1.9100"), ONE_SIDED)]
