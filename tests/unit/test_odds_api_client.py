"""The Odds API client against the local simulator over real HTTP on 127.0.0.1 (sleep injected, clock fixed)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ingestion.errors import ParseError
from ingestion.http import memory_sink
from ingestion.odds_api import OddsApiAuthError, OddsApiClient, OddsApiError, odds_cost, scores_cost
from ingestion.odds_api.parse import parse_odds, parse_scores
from ingestion.odds_api.simulator import OddsApiSimulator

NOW = datetime(2025, 1, 10, 12, 0, tzinfo=timezone.utc)
KEY = "s3cr3t-key-123"


@pytest.fixture
def sim():
    clock = {"now": NOW}
    with OddsApiSimulator(seed=7, api_key=KEY, quota=500, clock=lambda: clock["now"]) as s:
        s.clock_state = clock
        yield s


@pytest.fixture
def client(sim):
    sleeps, records = [], []
    c = OddsApiClient(KEY, base_url=sim.base_url, sleep=sleeps.append, sink=memory_sink(records), timeout=1.0)
    c.sleeps, c.records = sleeps, records
    yield c
    c.close()


def test_cost_is_markets_times_regions_and_historical_times_ten():
    assert odds_cost(["h2h"], ["us"]) == 1
    assert odds_cost(["h2h", "spreads", "totals"], ["us", "eu"]) == 6
    assert odds_cost(["h2h", "spreads"], ["us"], historical=True) == 20
    assert (scores_cost(None), scores_cost(3)) == (1, 2)


def test_quota_headers_decrease_by_cost(client):
    assert client.sports().quota.last == 0
    first = client.odds("basketball_nba", regions=["us", "eu"], markets=["h2h", "spreads", "totals"])
    assert (first.quota.last, first.quota.used, first.quota.remaining) == (6, 6, 494) and first.cost == 6
    second = client.scores("basketball_nba", days_from=2)
    assert (second.quota.last, second.quota.remaining) == (2, 492)
    hist = client.historical_odds("basketball_nba", NOW - timedelta(hours=3, minutes=2), markets=["h2h"])
    assert (hist.quota.last, hist.quota.remaining) == (10, 482) and client.last_quota == hist.quota
    assert hist.timestamp == NOW - timedelta(hours=3, minutes=5) and hist.next_timestamp == hist.timestamp + timedelta(minutes=5)
    assert client.records[-1].meta["x-requests-remaining"] == "482"
    assert all(KEY not in r.url for r in client.records)


def test_odds_payload_parses_with_books_markets_and_vig(client, sim):
    data = client.odds("basketball_nba", regions=["us", "eu"], markets=["h2h", "spreads", "totals"]).data
    odds = parse_odds(data, "american")
    assert len(data) >= 8 and odds["bookmaker"].nunique() == 10 and "pinnacle" in set(odds["bookmaker"])
    assert set(odds["market"]) == {"h2h", "spreads", "totals"} and len(odds) == len(data) * 10 * 3 * 2
    h2h = odds[odds.market == "h2h"].assign(ip=lambda f: f.price_decimal.map(lambda d: 1 / d))
    overround = h2h.groupby(["event_id", "bookmaker"])["ip"].sum().map(float) - 1
    planted = {(a["event_id"], a["bookmaker"]) for a in sim.arbitrage("basketball_nba")}
    normal = overround[[k not in planted for k in overround.index]]
    assert normal.between(0.01, 0.09).all()  # margins 2.5–7 % plus noise and rounding


def test_planted_arbitrage_is_findable(client, sim):
    data = client.odds("basketball_nba", regions=["us", "eu"], markets=["h2h"], odds_format="decimal").data
    found = set()
    for event in data:
        best: dict[str, tuple[Decimal, str]] = {}
        for book in event["bookmakers"]:
            for o in book["markets"][0]["outcomes"]:
                if o["name"] not in best or o["price"] > best[o["name"]][0]:
                    best[o["name"]] = (o["price"], book["key"])
        if sum(1 / p for p, _ in best.values()) < 1:
            found.add(event["id"])
    planted = {a["event_id"] for a in sim.arbitrage("basketball_nba")}
    assert planted and found == planted


def test_401_is_a_clear_error_without_the_key(sim):
    c = OddsApiClient("wrong-key-999", base_url=sim.base_url, sleep=lambda s: None)
    with pytest.raises(OddsApiAuthError) as info:
        c.sports()
    msg = str(info.value)
    assert "401" in msg and "INVALID_KEY" in msg and "ODDS_API_KEY" in msg and "wrong-key-999" not in msg
    assert len(sim.requests) == 1  # not retried


def test_429_is_retried_honouring_retry_after(client, sim):
    sim.inject("status", status=429, retry_after=3, count=2)
    result = client.odds("icehockey_nhl")
    assert client.sleeps == [3.0, 3.0] and result.quota.last == 1 and len(sim.requests) == 3
    assert [r.status for r in client.records] == [429, 429, 200]


def test_500_retries_then_gives_up_with_status(client, sim):
    sim.inject("status", status=500, count=10)
    with pytest.raises(OddsApiError) as info:
        client.scores("soccer_epl")
    assert info.value.status == 500 and "5 attempt" in str(info.value) and KEY not in str(info.value)


def test_slow_response_times_out_then_retries(client, sim):
    sim.inject("slow", seconds=1.6)
    assert client.sports().data and len(client.sleeps) == 1 and "Timeout" in client.records[0].error


def test_malformed_json_is_a_parse_error(client, sim):
    sim.inject("malformed")
    with pytest.raises(ParseError):
        client.odds("basketball_nba")


def test_bad_params_are_422_not_retried(client, sim):
    with pytest.raises(OddsApiError) as info:
        client.odds("basketball_nba", regions=["mars"])
    assert info.value.status == 422 and info.value.error_code == "INVALID_REGION" and len(sim.requests) == 1


def test_odds_many_caps_concurrency(client, sim):
    sports = ["basketball_nba", "americanfootball_nfl", "soccer_epl", "icehockey_nhl"]
    results = client.odds_many(sports, markets=["h2h", "totals"])
    assert set(results) == set(sports) and all(r.quota.last == 2 for r in results.values())
    epl = parse_odds(results["soccer_epl"].data, "american")
    assert set(epl.groupby(["event_id", "bookmaker"]).size()) == {5}  # 3-way h2h + over/under


def test_prices_drift_with_the_clock_and_scores_appear(client, sim):
    before = client.odds("basketball_nba", markets=["h2h"]).data
    sim.clock_state["now"] = NOW + timedelta(hours=6)
    after = client.odds("basketball_nba", markets=["h2h"]).data
    common = {e["id"] for e in before} & {e["id"] for e in after}
    price = lambda d: {(e["id"], b["key"], o["name"]): o["price"] for e in d if e["id"] in common  # noqa: E731
                       for b in e["bookmakers"] for o in b["markets"][0]["outcomes"]}
    assert common and price(before) != price(after)
    scores = parse_scores(client.scores("basketball_nba", days_from=1).data)
    assert scores["completed"].any() and scores.loc[scores.completed, "home_score"].notna().all()
    assert (scores.loc[scores.completed, "home_score"] != scores.loc[scores.completed, "away_score"]).all()


def test_empty_key_rejected_up_front():
    with pytest.raises(OddsApiAuthError):
        OddsApiClient("")


def test_simulator_is_deterministic_for_seed_and_clock(sim):
    with OddsApiSimulator(seed=7, api_key=KEY, clock=lambda: NOW) as twin:
        a = OddsApiClient(KEY, base_url=sim.base_url).odds("americanfootball_nfl", markets=["spreads"]).data
        b = OddsApiClient(KEY, base_url=twin.base_url).odds("americanfootball_nfl", markets=["spreads"]).data
    assert a == b and a
