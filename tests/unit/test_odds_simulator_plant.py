"""Arbitrage planted on demand in the Odds API simulator: absent before its time, findable from it, over HTTP too."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from ingestion.odds_api.sim_model import ARB_FRACTION, SPORTS
from ingestion.odds_api.simulator import OddsApiSimulator

NOW = datetime(2025, 1, 10, 12, 0, tzinfo=timezone.utc)
KEY = "plant-key"


@pytest.fixture
def sim():
    clock = {"now": NOW}
    with OddsApiSimulator(seed=7, api_key=KEY, clock=lambda: clock["now"]) as s:
        s.clock_state = clock
        yield s


def _fresh_event(sim: OddsApiSimulator, sport: str = "basketball_nba") -> str:
    """An upcoming event without the built-in planted arbitrage."""
    events = [e for e in sim.market.events(SPORTS[sport], NOW) if e["commence"] > NOW + timedelta(hours=1)]
    return next(e["id"] for e in events if sim.market.u("arb", e["id"]) >= ARB_FRACTION)


def _arbitrage_ids(sim: OddsApiSimulator) -> set[str]:
    url = f"{sim.base_url}/v4/sports/basketball_nba/odds?apiKey={KEY}&regions=us,eu&markets=h2h&oddsFormat=decimal"
    with urllib.request.urlopen(url, timeout=5) as response:
        data = json.load(response)
    found = set()
    for event in data:
        best: dict[str, float] = {}
        for book in event["bookmakers"]:
            for o in book["markets"][0]["outcomes"]:
                best[o["name"]] = max(best.get(o["name"], 0.0), o["price"])
        if sum(1 / p for p in best.values()) < 1:
            found.add(event["id"])
    return found


def test_plant_appears_at_its_time_and_is_listed(sim):
    event_id = _fresh_event(sim)
    planted = sim.plant(event_id, at=NOW + timedelta(minutes=5))
    assert planted["sport"] == "basketball_nba"
    assert event_id not in _arbitrage_ids(sim)
    assert event_id not in {a["event_id"] for a in sim.arbitrage("basketball_nba")}
    sim.clock_state["now"] = NOW + timedelta(minutes=5)
    assert event_id in _arbitrage_ids(sim)
    assert event_id in {a["event_id"] for a in sim.arbitrage("basketball_nba")}


def test_plant_over_http_and_refusals(sim):
    event_id = _fresh_event(sim, "icehockey_nhl")

    def post(body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(f"{sim.base_url}/_sim/arbitrage", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    assert post({"event_id": event_id}) == (200, {"event_id": event_id, "sport": "icehockey_nhl",
                                                   "at": "2025-01-10T12:00:00Z"})
    assert event_id in {a["event_id"] for a in sim.arbitrage("icehockey_nhl")}
    assert post({"event_id": "no-such-event"})[0] == 422
    soccer = next(e["id"] for e in sim.market.events(SPORTS["soccer_epl"], NOW))
    assert post({"event_id": soccer})[0] == 422  # three-way: no planted form
