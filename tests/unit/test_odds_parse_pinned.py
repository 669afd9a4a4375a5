"""``parse_odds`` pinned to the rows it yielded before it was rewritten for speed (issue 17): the simulator's payloads
(four sports, both odds formats, decoded as floats and as the client decodes them, ``parse_float=Decimal``) by a
digest of every cell's type and value, and small hand-written payloads with the shapes real feeds send — suspended
1.0 prices, a market missing a side, whole-number lines, duplicates, bytes that were not UTF-8, unreadable prices —
row by row, written out by hand."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal

import pandas as pd
import pytest

from ingestion.odds_api.parse import ODDS_COLUMNS, parse_odds
from ingestion.odds_api.sim_model import SPORTS
from ingestion.odds_api.simulator import OddsApiSimulator

DTYPES = ["object"] * 7 + ["Int64", "object", "datetime64[ns, UTC]", "datetime64[ns, UTC]"]


def cell(value):
    """A cell as (type, text): Decimal('3') and Decimal('3.0') differ, as do None and NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return repr(value)
    return f"{type(value).__name__}:{value.isoformat() if isinstance(value, pd.Timestamp) else value}"


def rows(frame: pd.DataFrame) -> list[tuple]:
    assert list(frame.columns) == ODDS_COLUMNS
    return [tuple(cell(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


def digest(frame: pd.DataFrame) -> str:
    lines = [repr([str(t) for t in frame.dtypes])] + [repr(r) for r in rows(frame)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def simulator_body(sport: str, odds_format: str, at: datetime) -> bytes:
    sim = OddsApiSimulator(api_key="k", clock=lambda: at)
    status, _, body = sim.handle(f"/v4/sports/{sport}/odds", {
        "apiKey": "k", "regions": "us,eu", "markets": "h2h,spreads,totals", "oddsFormat": odds_format})
    assert status == 200
    return body


PINNED = {  # (sport, format): (rows, digest) as the parser before the rewrite yielded them
    ("americanfootball_nfl", "decimal"): (720, "197bb9748d1e677e"),
    ("americanfootball_nfl", "american"): (720, "0124d592de02da45"),
    ("basketball_nba", "decimal"): (1440, "0391d04c8bbf8be1"),
    ("basketball_nba", "american"): (1440, "b830154960bcc683"),
    ("icehockey_nhl", "decimal"): (1080, "7fd7e2b9465af558"),
    ("icehockey_nhl", "american"): (1080, "8f5d67b2fe8f9183"),
    ("soccer_epl", "decimal"): (1260, "e7b4a397dbe8643e"),
    ("soccer_epl", "american"): (1260, "73a62f72c7d29d94"),
}


@pytest.mark.parametrize("sport", sorted(SPORTS))
@pytest.mark.parametrize("odds_format", ["decimal", "american"])
def test_simulator_payloads_parse_to_the_pinned_rows(sport, odds_format):
    body = simulator_body(sport, odds_format, datetime(2026, 6, 1, 12, 7, tzinfo=timezone.utc))
    frame = parse_odds(json.loads(body), odds_format)
    assert [str(t) for t in frame.dtypes] == DTYPES
    assert (len(frame), digest(frame)) == PINNED[(sport, odds_format)]
    # as the client decodes a response (prices keep the digits sent) and with the format inferred: the same rows
    assert rows(parse_odds(json.loads(body, parse_float=Decimal))) == rows(frame)


HOME, AWAY = "Bodø/Glimt", 'Atl\ufffdtico, "B"'  # AWAY: a byte that was not UTF-8 (decoded as U+FFFD), CSV-hostile
T0, T1 = pd.Timestamp("2026-06-01T12:00:00Z"), pd.Timestamp("2026-06-01T12:01:00Z")
NA, NAT, D = pd.NA, pd.NaT, Decimal
SHAPES = [{
    "id": "h-1", "sport_key": "basketball_nba", "sport_title": "NBA", "commence_time": "2026-06-01T18:00:00Z",
    "home_team": HOME, "away_team": AWAY, "bookmakers": [
        {"key": "pinnacle", "title": "Pinnacle", "last_update": "2026-06-01T12:00:00Z", "markets": [
            {"key": "h2h", "last_update": "2026-06-01T08:01:00-04:00", "outcomes": [  # suspended: 1.0 both sides
                {"name": HOME, "price": 1.0}, {"name": AWAY, "price": 1}]},
            {"key": "spreads", "outcomes": [  # whole-number lines, as int and as float
                {"name": HOME, "price": 1.91, "point": -3}, {"name": AWAY, "price": 1.91, "point": 3.0}]},
            {"key": "totals", "outcomes": [{"name": "Over", "price": 1.95, "point": 210}]},  # the Under is missing
        ]},
        {"key": "betmgm", "markets": [  # no title, no last_update
            {"key": "h2h", "outcomes": [{"name": HOME, "price": 2.1}, {"name": HOME, "price": 2.1},  # a duplicate
                                        {"name": AWAY, "price": "abc"}, {"name": "Draw"}]},
            {"key": "team_totals", "outcomes": [{"name": "Over", "price": "1.87", "point": 112.5,
                                                 "description": HOME}]},
        ]},
    ]}]
SHAPE_ROWS = [
    ("h-1", "pinnacle", "Pinnacle", "h2h", HOME, None, None, NA, D("1.0000"), T0, T1),
    ("h-1", "pinnacle", "Pinnacle", "h2h", AWAY, None, None, NA, D("1.0000"), T0, T1),
    ("h-1", "pinnacle", "Pinnacle", "spreads", HOME, None, D("-3"), -110, D("1.9100"), T0, T0),
    ("h-1", "pinnacle", "Pinnacle", "spreads", AWAY, None, D("3.0"), -110, D("1.9100"), T0, T0),
    ("h-1", "pinnacle", "Pinnacle", "totals", "Over", None, D("210"), -105, D("1.9500"), T0, T0),
    ("h-1", "betmgm", None, "h2h", HOME, None, None, 110, D("2.1000"), NAT, NAT),
    ("h-1", "betmgm", None, "h2h", HOME, None, None, 110, D("2.1000"), NAT, NAT),
    ("h-1", "betmgm", None, "h2h", AWAY, None, None, NA, None, NAT, NAT),
    ("h-1", "betmgm", None, "h2h", "Draw", None, None, NA, None, NAT, NAT),
    ("h-1", "betmgm", None, "team_totals", "Over", HOME, D("112.5"), -115, D("1.8700"), NAT, NAT),
]
AMERICAN = [dict(SHAPES[0], id="h-2", bookmakers=[{"key": "fanduel", "title": "FanDuel", "markets": [
    {"key": "h2h", "last_update": "2026-06-01T12:00:00Z", "outcomes": [
        {"name": "A", "price": -110}, {"name": "B", "price": 150}, {"name": "C", "price": 50},
        {"name": "D", "price": 150.5}, {"name": "E", "price": None}, {"name": "F", "price": True},
        {"name": "G", "price": -100.0}]}]}])]
AMERICAN_ROWS = [
    ("h-2", "fanduel", "FanDuel", "h2h", name, None, None, american, decimal_price, None, T0)  # no book time at all
    for name, american, decimal_price in [("A", -110, D("1.9091")), ("B", 150, D("2.5000")), ("C", 50, None),
                                          ("D", NA, None), ("E", NA, None), ("F", NA, None),
                                          ("G", -100, D("2.0000"))]
]


NO_BOOK_TIME = [*DTYPES[:9], "object", DTYPES[10]]  # a column without any timestamp stays object (None)


@pytest.mark.parametrize("payload,odds_format,expected,dtypes", [
    (SHAPES, "decimal", SHAPE_ROWS, DTYPES), (SHAPES, None, SHAPE_ROWS, DTYPES),
    (AMERICAN, "american", AMERICAN_ROWS, NO_BOOK_TIME)], ids=["decimal", "inferred", "american"])
def test_hand_written_shapes_parse_to_the_rows_written_out(payload, odds_format, expected, dtypes):
    frame = parse_odds(payload, odds_format)
    assert rows(frame) == [tuple(cell(v) for v in row) for row in expected]
    assert [str(t) for t in frame.dtypes] == dtypes


def test_a_payload_without_last_updates_keeps_null_timestamps():
    frame = parse_odds([dict(SHAPES[0], bookmakers=SHAPES[0]["bookmakers"][1:])], "decimal")
    assert frame["bookmaker_last_update"].isna().all() and frame["market_last_update"].isna().all()
    assert len(frame) == 5
