"""Parsers on the real recorded Odds API payloads in ../shared/data/odds-api (counts computed once and pinned)."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from backtests.betting.odds import decimal_from_american, to_price, whole_american
from ingestion.errors import ParseError
from ingestion.odds_api.parse import infer_odds_format, parse_events, parse_odds, parse_scores
from quality.suites_odds import gate_odds

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "odds-api"


def gated(odds: pd.DataFrame):
    """The odds gate on parsed rows, as storage runs it (one snapshot, checked at a fixed later time)."""
    at = pd.Timestamp("2026-01-01", tz="UTC")
    return gate_odds(odds.assign(snapshot_id=odds["event_id"], snapshot_time=at), at.to_pydatetime(), reject_soft=False)


def load(name: str):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"needs ../shared/data/odds-api/{name} (present in CI, absent from a user's clone)")
    return json.loads(path.read_text())


def test_multisport_h2h_counts():
    payload = load("odds-multisport-h2h.json")
    events, odds = parse_events(payload), parse_odds(payload)
    assert infer_odds_format(payload) == "american"
    assert len(events) == 28 and events["sport_key"].nunique() == 7
    assert events["sport_key"].value_counts().to_dict() == {
        "icehockey_nhl": 12, "baseball_ncaa": 6, "basketball_nba": 4, "basketball_ncaab": 2,
        "icehockey_sweden_hockey_league": 2, "cricket_ipl": 1, "icehockey_sweden_allsvenskan": 1}
    assert odds["bookmaker"].nunique() == 14
    assert odds.groupby(["event_id", "bookmaker"]).ngroups == 190
    assert odds.groupby(["event_id", "bookmaker", "market"]).ngroups == 190 and set(odds["market"]) == {"h2h"}
    assert len(odds) == 380 and odds["point"].isna().all()
    assert str(events["commence_time"].dt.tz) == "UTC"
    first = odds.iloc[0]
    assert (first.bookmaker, first.outcome, first.price_american, first.price_decimal) == (
        "betmgm", "Mississippi St Bulldogs", -160, Decimal("1.6250"))
    assert gated(odds).quarantined.empty


def test_nba_h2h_spreads_counts():
    payload = load("odds-nba-h2h-spreads.json")
    odds = parse_odds(payload)
    assert infer_odds_format(payload) == "decimal"
    assert len(parse_events(payload)) == 18 and odds["bookmaker"].nunique() == 15
    assert odds.groupby(["event_id", "bookmaker"]).ngroups == 210
    assert odds.groupby(["event_id", "bookmaker", "market"]).ngroups == 420
    assert odds["market"].value_counts().to_dict() == {"h2h": 420, "spreads": 420} and len(odds) == 840
    spreads = odds[odds.market == "spreads"]
    assert spreads["point"].notna().all() and isinstance(spreads["point"].iloc[0], Decimal)
    row = odds[(odds.bookmaker == "draftkings") & (odds.market == "h2h") & (odds.outcome == "Miami Heat")].iloc[0]
    assert (row.price_decimal, row.price_american) == (Decimal("1.6000"), -167)
    assert gated(odds).quarantined.empty


def test_scores_mlb_counts():
    scores = parse_scores(load("scores-mlb.json"))
    assert len(scores) == 30 and int(scores["completed"].sum()) == 14
    assert int(scores["scores"].notna().sum()) == 15  # 14 final + 1 in progress
    final = scores[scores.completed]
    assert final["home_score"].notna().all() and final["last_update"].notna().all()
    marlins = scores.set_index("event_id").loc["e19a60907a62bfde20a1677d70a2e9a1"]
    assert (marlins.home_score, marlins.away_score) == (6, 10)
    assert marlins.last_update == pd.Timestamp("2022-08-27T05:03:03Z")


def test_malformed_payload_names_the_field():
    payload = load("odds-nba-h2h-spreads.json")
    broken = copy.deepcopy(payload)
    del broken[3]["commence_time"]
    with pytest.raises(ParseError, match="commence_time"):
        parse_odds(broken)
    broken = copy.deepcopy(payload)
    broken[0]["bookmakers"][1]["markets"][0]["outcomes"][0]["name"] = None
    with pytest.raises(ParseError, match="name") as info:
        parse_odds(broken)
    assert "fanduel" in str(info.value)
    with pytest.raises(ParseError, match="payload"):
        parse_odds({"message": "not a list"})
    with pytest.raises(ParseError, match="completed"):
        parse_scores([dict(load("scores-mlb.json")[0], completed="yes")])


@pytest.mark.parametrize("american,decimal", [(150, "2.5000"), (-200, "1.5000"), (100, "2.0000"),
                                              (-110, "1.9091"), (-167, "1.5988")])
def test_price_conversion(american, decimal):
    """Ingestion converts with the one converter (backtests.betting.odds) at the 4 dp raw.odds stores."""
    assert to_price(decimal_from_american(american)) == Decimal(decimal)
    assert whole_american(Decimal(decimal)) == american


def test_out_of_range_price_is_quarantined_with_its_rule():
    odds = parse_odds(load("odds-multisport-h2h.json"))
    odds.loc[0, "price_american"] = 25000
    result = gated(odds)
    assert len(result.published) == len(odds) - 1 and list(result.quarantined.index) == [0]
    assert result.quarantined.loc[0, "reasons"] == ["odds.price_american_within_10000"]


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "odds_api" / "suspended-prices-team-totals.json"
SUSPENDED = ["odds.price_american_not_null", "odds.price_decimal_ge_1_01"]


def test_suspended_prices_are_rows_for_the_gate_not_a_lost_poll():
    """Books quote 1.0 on suspended lines (four such outcomes in our fixture, as in a real recorded poll): the poll
    parses, the four rows carry 1.0000 and no American form, and only they are quarantined."""
    odds = parse_odds(json.loads(FIXTURE.read_text()))
    assert len(odds) == 18 and str(odds["price_american"].dtype) == "Int64"
    suspended = odds[odds["price_decimal"] == Decimal("1.0000")]
    assert list(suspended.index) == [0, 1, 10, 11] and suspended["price_american"].isna().all()
    result = gated(odds)
    assert result.quarantined["reasons"].to_dict() == {0: SUSPENDED, 1: SUSPENDED, 10: SUSPENDED, 11: SUSPENDED}
    assert len(result.published) == 14 and result.published["validation_notes"].isna().all()


def test_each_kind_of_price_defect_is_a_row_with_what_could_be_read():
    payload = [dict(json.loads(FIXTURE.read_text())[1], bookmakers=[{"key": "betmgm", "markets": [
        {"key": "h2h", "outcomes": [{"name": "Denver Nuggets", "price": 50}, {"name": "Phoenix Suns", "price": "abc"},
                                    {"name": "Draw"}, {"name": "X", "price": 150.5}, {"name": "Y", "price": -110}]}]}])]
    odds = parse_odds(payload, "american")
    assert odds["price_american"].tolist() == [50, pd.NA, pd.NA, pd.NA, -110]
    assert odds["price_decimal"].tolist() == [None, None, None, None, Decimal("1.9091")]


def test_team_totals_keep_the_team_they_belong_to():
    odds = parse_odds(json.loads(FIXTURE.read_text()))
    totals = odds[odds["market"] == "team_totals"]
    assert totals[["outcome", "description", "point"]].values.tolist() == [
        ["Over", "Denver Nuggets", Decimal("112.5")], ["Under", "Denver Nuggets", Decimal("112.5")],
        ["Over", "Phoenix Suns", Decimal("112.5")], ["Under", "Phoenix Suns", Decimal("112.5")]]
    assert odds.loc[odds["market"] != "team_totals", "description"].isna().all()
    with pytest.raises(ParseError, match="description"):
        parse_odds([dict(json.loads(FIXTURE.read_text())[1], bookmakers=[{"key": "b", "markets": [
            {"key": "team_totals", "outcomes": [{"name": "Over", "price": 1.9, "description": ["x"]}]}]}])])


def test_real_poll_with_four_suspended_prices_loses_only_those_four():
    """The real NBA recording (840 prices) with one book's h2h suspended at 1.0 on two events: 836 publish."""
    payload = copy.deepcopy(load("odds-nba-h2h-spreads.json"))
    for event in payload[:2]:
        h2h = next(m for m in event["bookmakers"][0]["markets"] if m["key"] == "h2h")
        for outcome in h2h["outcomes"]:
            outcome["price"] = 1.0
    result = gated(parse_odds(payload))
    assert (len(result.published), len(result.quarantined)) == (836, 4)
    assert all(reasons == SUSPENDED for reasons in result.quarantined["reasons"])
