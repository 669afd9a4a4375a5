"""Fuzzing The Odds API payload parsers: any JSON (as ``json.loads`` can return it, NaN and Infinity included) gives
frames that honour the column contract or a ``ParseError`` naming the field - never a KeyError, TypeError or a
decimal-module signal leaking out of a sensor tick.

Payloads are built in the API's shape with every field drawn from valid values *and* junk, so the fuzzer gets past
the first ``isinstance`` check and reaches the price conversion; fully arbitrary JSON covers the outer shape.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingestion.errors import ParseError
from ingestion.odds_api.parse import (
    EVENT_COLUMNS, ODDS_COLUMNS, SCORE_COLUMNS, infer_odds_format, parse_events, parse_odds, parse_scores,
)

FUZZ = settings(max_examples=int(os.environ.get("PADDOCK_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=12)


def field(valid):
    """Mostly a valid value, sometimes junk JSON: the fuzzer then reaches the code after each check."""
    return st.one_of(valid, valid, valid, json_values)


prices = field(st.one_of(st.sampled_from([-110, 150, -200, 100, 2.5, 1.91, "1.5", "NaN", "Infinity", "1e999999",
                                          "-0", 1, 0, 99, -99, 1e308, float("nan"), float("inf")]),
                         st.integers(-100000, 100000), st.floats(1.0, 1000.0)))
times = field(st.sampled_from(["2026-06-06T13:04:00Z", "2026-06-06T13:04:00-04:00", "2026-06-06", "not a time",
                               "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", 0, 1e20, True]))
outcomes = st.fixed_dictionaries({"name": field(st.sampled_from(["Home", "Away", "Draw"])), "price": prices},
                                 optional={"point": field(st.sampled_from([-3.5, 0, 7.5, "2.5", "x"]))})
markets = st.fixed_dictionaries({"key": field(st.sampled_from(["h2h", "spreads", "totals"])),
                                 "outcomes": field(st.lists(field(outcomes), max_size=3))},
                                optional={"last_update": times})
books = st.fixed_dictionaries({"key": field(st.sampled_from(["pinnacle", "betmgm"])),
                               "markets": field(st.lists(field(markets), max_size=2))},
                              optional={"title": json_values, "last_update": times})
scores = st.fixed_dictionaries({"name": field(st.sampled_from(["Home", "Away"])),
                                "score": field(st.sampled_from(["3", "0", "", None, "3.5", 2]))})
events = st.fixed_dictionaries({
    "id": field(st.sampled_from(["e1", "e2"])), "sport_key": field(st.just("basketball_nba")),
    "commence_time": times, "home_team": field(st.just("Home")), "away_team": field(st.just("Away")),
    "bookmakers": field(st.lists(field(books), max_size=2)),
}, optional={"completed": field(st.booleans()), "scores": field(st.lists(field(scores), max_size=2)),
             "last_update": times})
payloads = st.one_of(st.lists(field(events), max_size=3), json_values)

VALID = [{"id": "e1", "sport_key": "basketball_nba", "commence_time": "2026-06-06T13:04:00Z", "home_team": "Home",
          "away_team": "Away", "completed": True, "scores": [{"name": "Home", "score": "101"}],
          "bookmakers": [{"key": "pinnacle", "markets": [{"key": "h2h", "outcomes": [
              {"name": "Home", "price": -110}, {"name": "Away", "price": 150}]}]}]}]


def with_price(price):
    payload = [dict(VALID[0])]
    payload[0]["bookmakers"] = [{"key": "pinnacle", "markets": [{"key": "h2h", "outcomes": [
        {"name": "Home", "price": price}]}]}]
    return payload


@FUZZ
@given(payloads, st.sampled_from([None, "american", "decimal"]))
@example(with_price("abc"), None)
@example(with_price("NaN"), "decimal")
@example(with_price("Infinity"), "decimal")
@example(with_price("1e999999"), "decimal")
@example(with_price(float("inf")), "american")
@example(with_price("1.0000000000000000000000000001"), "decimal")
@example([["not", "an", "event"]], None)
@example([dict(VALID[0], bookmakers=[["junk"]])], None)
def test_odds_payload_gives_typed_frame_or_parse_error(payload, odds_format):
    try:
        frame = parse_odds(payload, odds_format)
    except ParseError:
        return
    assert list(frame.columns) == ODDS_COLUMNS
    # a price that cannot be read is a row with nulls (quarantined by the gate), never a crash or a lost poll
    assert all(p is None or (isinstance(p, Decimal) and p.is_finite()) for p in frame["price_decimal"])
    assert str(frame["price_american"].dtype) == "Int64"
    for american, decimal_price in zip(frame["price_american"], frame["price_decimal"]):
        if american is not pd.NA and decimal_price is not None and decimal_price > 1:
            assert american <= -100 or american >= 100


@FUZZ
@given(payloads)
@example(with_price("abc"))
@example([5])
@example([dict(VALID[0], bookmakers=with_price("1e999999")[0]["bookmakers"])])
def test_odds_format_inference_never_crashes(payload):
    try:
        assert infer_odds_format(payload) in ("american", "decimal")
    except ParseError:
        pass


@FUZZ
@given(payloads)
@example([dict(VALID[0], scores=[{"name": ["unhashable"], "score": "1"}])])
@example([dict(VALID[0], scores=[{"name": "Home", "score": float("inf")}])])
@example([dict(VALID[0], away_team=[], completed=False)])
def test_scores_and_events_payloads(payload):
    try:
        frame = parse_scores(payload)
        assert list(frame.columns) == SCORE_COLUMNS and frame["completed"].map(type).eq(bool).all()
    except ParseError:
        pass
    try:
        assert list(parse_events(payload).columns) == EVENT_COLUMNS
    except ParseError:
        pass


def test_the_valid_payload_parses_to_exact_values():
    """The fuzzer's seed really is valid: otherwise every case above could pass by raising."""
    odds, scores = parse_odds(VALID), parse_scores(VALID)
    assert odds[["outcome", "price_american", "price_decimal"]].values.tolist() == [
        ["Home", -110, Decimal("1.9091")], ["Away", 150, Decimal("2.5000")]]
    assert scores.loc[0, "home_score"] == 101 and scores.loc[0, "away_score"] is not None
