"""Strategy monitoring of sports events: ``home_flat`` on one simulator fetch of NBA odds, priced from the odds marts
that ``dbt build`` makes of it; triggers checked against the fetched payload itself."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.live.monitoring import MonitorReport, evaluate, monitor
from backtests.store import RunSpec
from ingestion.http import RetryPolicy
from ingestion.odds_api.client import OddsApiClient
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.odds_api.storage import store_snapshot
from tests.dbt_build import dbt_build

pytestmark = pytest.mark.integration

SPORTS_SEED = 20261121
SPORTS_NOW = datetime(2023, 3, 15, 16, 0, tzinfo=timezone.utc)  # this module's clock: before every other module's


@pytest.fixture(scope="module")
def sports(engine, tmp_path_factory):
    """One simulator fetch of NBA odds at this module's own fixed clock, then the odds marts built by ``dbt build``
    (with their tests, as Dagster runs them). Other modules fetch at the real now or at later fixed times (the
    simulator lists five days ahead), so the events upcoming on this clock are exactly this fetch's, without deleting
    anyone else's rows."""
    now = SPORTS_NOW
    sim = OddsApiSimulator(seed=SPORTS_SEED, clock=lambda: now)
    client = OddsApiClient("sim-key", base_url=sim.start(), retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
                           sleep=lambda s: None)
    try:
        result = client.odds("basketball_nba", regions=("us", "eu"), markets=("h2h",))
        store_snapshot(engine, "basketball_nba", result.data, now, None, result.request_id)
    finally:
        client.close()
        sim.stop()
    target = str(tmp_path_factory.mktemp("dbt-monitor-odds"))
    dbt_build(target, "--indirect-selection", "cautious", "--select", "path:models/staging/odds",
              "path:models/marts/odds", "--full-refresh")
    yield {"now": now, "events": result.data}
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM marts.strategy_triggers WHERE run_name = 'home'"))


def test_home_flat_backs_the_home_side_of_upcoming_events_at_the_best_price(sports, engine):
    """Expected from the fetched payload itself: every event starting after now, today or tomorrow (UTC), backed
    on the home team at the highest h2h price any book quotes for it (the simulator quotes American odds)."""
    def american(a: float) -> float:
        return 1 + a / 100 if a > 0 else 1 + 100 / -a

    now, report = sports["now"], MonitorReport()
    until = pd.Timestamp(now.date() + timedelta(days=2), tz="UTC")
    expected = {}
    for event in sports["events"]:
        commence = pd.Timestamp(event["commence_time"])
        prices = [american(o["price"]) for b in event["bookmakers"] for m in b["markets"] if m["key"] == "h2h"
                  for o in m["outcomes"] if o["name"] == event["home_team"]]
        if now < commence < until and prices:
            expected[event["id"]] = (event["home_team"], round(float(max(prices)), 2))
    assert len(expected) >= 2
    runs = {"home": RunSpec("home", "home_flat", staking={"method": "flat", "flat_stake": 5}),
            "ev": RunSpec("ev", "ev_vs_sharp")}
    triggers = evaluate(engine, now, runs, report=report)
    got = {r.event_key: (r.selection, float(r.odds)) for r in triggers.itertuples()}
    assert got == expected
    assert set(triggers["market"]) == {"sports"} and set(triggers["sport"]) == {"basketball_nba"}
    assert set(triggers["stake"]) == {Decimal("5.00")} and triggers["odds_source"].str.startswith("best:").all()
    assert report.skipped == {"ev": "ev_vs_sharp is not monitored (it needs every book's quotes)"}
    assert report.events >= len(expected) and report.races == 0  # no racing run: cards are not even read
    first = monitor(engine, now, {"home": runs["home"]})
    again = monitor(engine, now + timedelta(minutes=5), {"home": runs["home"]})
    assert (first.inserted, again.inserted, again.updated) == (len(expected), 0, len(expected))
