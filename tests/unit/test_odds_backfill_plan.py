"""The backfill planner (pure) and the simulator's historical endpoints over HTTP on 127.0.0.1: the archive serves
what the live endpoint served at that moment, the tier schedule gives 13 moments a game, strategies pick as named."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from ingestion.http import memory_sink
from ingestion.odds_api import OddsApiClient, OddsApiError
from ingestion.odds_api.backfill_plan import (PlanRefused, build_plan, check_affordable, list_events, select_games,
                                              tier_offsets)
from ingestion.odds_api.simulator import OddsApiSimulator

NOW = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)
KEY = "plan-key"


@pytest.fixture
def client():
    clock = {"now": NOW}
    with OddsApiSimulator(seed=3, api_key=KEY, quota=1000, clock=lambda: clock["now"]) as sim:
        c = OddsApiClient(KEY, base_url=sim.base_url, sleep=lambda s: None, sink=memory_sink([]), timeout=2.0)
        c.sim, c.clock = sim, clock
        yield c
        c.close()


def test_historical_snapshot_is_what_live_served_then(client):
    at = datetime(2025, 3, 14, 18, 7, 30, tzinfo=timezone.utc)
    hist = client.historical_odds("basketball_nba", at, regions=["us", "eu"], markets=["h2h", "totals"],
                                  odds_format="decimal")
    snap = datetime(2025, 3, 14, 18, 5, tzinfo=timezone.utc)
    assert (hist.timestamp, hist.previous_timestamp, hist.next_timestamp) == (
        snap, snap - timedelta(minutes=5), snap + timedelta(minutes=5))
    assert (hist.quota.last, hist.cost) == (40, 40)  # 10 × 2 markets × 2 regions
    client.clock["now"] = snap  # the live endpoint at that moment
    live = client.odds("basketball_nba", regions=["us", "eu"], markets=["h2h", "totals"], odds_format="decimal")
    assert hist.data == live.data and len(live.data) > 0


def test_historical_events_cost_one_and_nothing_when_empty(client):
    day = datetime(2025, 3, 14, tzinfo=timezone.utc)
    events = client.historical_events("soccer_epl", day, commence_from=day, commence_to=day + timedelta(days=1))
    assert (events.quota.last, len(events.data)) == (1, 3)
    assert set(events.data[0]) == {"id", "sport_key", "sport_title", "commence_time", "home_team", "away_team"}
    none = client.historical_events("soccer_epl", day, commence_from=day - timedelta(days=9),
                                    commence_to=day - timedelta(days=8))
    assert (none.quota.last, none.data) == (0, [])


def test_bad_historical_date_is_422(client):
    with pytest.raises(OddsApiError) as err:
        client._get("/v4/historical/sports/basketball_nba/odds", {"date": "yesterday", "regions": "us"},
                    "odds_api.historical", 10)
    assert err.value.status == 422 and err.value.error_code == "INVALID_HISTORICAL_TIMESTAMP"


def test_tier_schedule_gives_thirteen_moments():
    hours = [o / timedelta(hours=1) for o in tier_offsets()]
    assert hours[:12] == [72, 48, 24, 12, 9, 6, 3, 2.5, 2, 1.5, 1, 0.5] and hours[12] == pytest.approx(5 / 60)


def _events(n=12):
    teams = ["A", "B", "C", "D", "E", "F"]
    start = datetime(2025, 3, 1, 19, tzinfo=timezone.utc)
    return pd.DataFrame([{"event_id": f"e{i:02d}", "commence_time": start + timedelta(days=i),
                          "home_team": teams[i % 2], "away_team": teams[2 + i % 2]} if i < 8 else
                         {"event_id": f"e{i:02d}", "commence_time": start + timedelta(days=i),
                          "home_team": teams[4], "away_team": teams[5]} for i in range(n)])


def test_strategies_pick_as_named():
    events = _events()
    assert list(select_games(events, "uniform", games=4)["event_id"]) == ["e00", "e04", "e07", "e11"]
    r1 = select_games(events, "random", games=3, seed=11)["event_id"].tolist()
    assert r1 == select_games(events, "random", games=3, seed=11)["event_id"].tolist() and len(set(r1)) == 3
    # A/B host C/D in the first 8 games, E hosts F in the last 4: three evenly spaced games (e00, e06, e11) miss B
    # and D, three team-weighted ones cover all six teams
    assert list(select_games(events, "uniform", games=3)["event_id"]) == ["e00", "e06", "e11"]
    assert list(select_games(events, "team_weighted", games=3)["event_id"]) == ["e00", "e01", "e08"]
    assert len(select_games(events, "uniform", sample=0.25)) == 3


def test_plan_prices_distinct_moments_and_refuses_above_quota():
    events = _events().assign(commence_time=lambda f: f["commence_time"].where(
        f["event_id"] != "e01", f["commence_time"][0] + timedelta(hours=1, minutes=30)))
    plan = build_plan("basketball_nba", date(2025, 3, 1), date(2025, 3, 2), events, games=2, markets=("h2h",))
    # games at 19:00 and 20:30 share the moments 17:30, 18:00 and 18:30 (the second game's −3, −2.5 and −2 h are the
    # first one's −1.5, −1 and −0.5 h): 26 snapshots in 23 calls of 10 credits
    assert (len(plan.snapshots), plan.calls, plan.credits) == (26, 23, 230)
    assert check_affordable(plan, 230).credits_left == 230
    with pytest.raises(PlanRefused, match="230 credits"):
        check_affordable(plan, 229)
    assert check_affordable(plan, 300, committed=70).credits_left == 300
    with pytest.raises(PlanRefused, match="71 of them held by pending plans"):  # earlier plans' calls come first
        check_affordable(plan, 300, committed=71)
    with pytest.raises(PlanRefused, match="unknown"):
        check_affordable(plan, None)


def test_list_events_pays_one_credit_per_day(client):
    events, credits = list_events(client, "basketball_nba", date(2025, 3, 1), date(2025, 3, 3))
    assert (len(events), credits, client.sim.used) == (12, 3, 3) and events["event_id"].is_unique
