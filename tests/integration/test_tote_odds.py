"""Racing tote odds over real HTTP from the demo site: tiers by minutes to post, due logic, and the rows in raw.odds."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from ingestion.http import Fetcher, RetryPolicy
from ingestion.racecards import parse
from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.pipeline import load_card
from ingestion.racecards.tote_odds import load_tote_state, plan_tote_polls, poll_tote, tote_tier

pytestmark = pytest.mark.integration

SEED, TRACK, DAY = 7, "BEL", date(2026, 6, 27)  # a meeting no other module loads


class Clock:
    now = None

    def __call__(self):
        return self.now


@pytest.mark.parametrize("minutes,expected", [
    (121, None), (120, ("racing_closing", 60)), (10.5, ("racing_closing", 60)), (10, ("racing_final", 30)),
    (0.5, ("racing_final", 30)), (0, None), (-3, None),
])
def test_tiers_by_minutes_to_post(minutes, expected):
    assert tote_tier(minutes) == expected


@pytest.fixture(scope="module")
def world(engine):
    clock = Clock()
    truth = day_batch(SEED, TRACK, DAY)
    posts = truth.races.set_index("race_id")["post_time"]
    clock.now = posts.min().to_pydatetime() - timedelta(hours=6)
    with DemoSite(seed=SEED, clock=clock) as site:
        fetcher = Fetcher(min_delay=0.0, retry=RetryPolicy(max_attempts=1))
        load_card(engine, fetcher, site.base_url, "demo", TRACK, DAY, run_id="tote-it")
        yield site, clock, fetcher, posts
        fetcher.close()


def test_due_races_poll_into_the_odds_tables(engine, world):
    site, clock, fetcher, posts = world
    race3 = f"{TRACK}-{DAY:%Y%m%d}-03"
    now = posts[race3].to_pydatetime() - timedelta(minutes=30)
    clock.now = now
    state = load_tote_state(engine, now)
    within = sorted(posts[(posts > now) & (posts <= now + timedelta(hours=2))].index)
    assert sorted(state["race_id"]) == within and race3 in within
    polls = plan_tote_polls(state, now)
    assert sum(len(p.race_ids) for p in polls) == len(within)
    closing = next(p for p in polls if race3 in p.race_ids)
    assert closing.tier == "racing_closing" and closing.run_key.startswith(f"tote:{TRACK}:{DAY.isoformat()}:racing_closing:")

    stored = poll_tote(engine, fetcher, site.base_url, "demo", closing, lambda: now, "tote-it-1")
    url = site.url("odds", TRACK, DAY, 3)
    board = parse("demo", "odds", fetcher.get(url).text, url)
    priced = {str(r.horse_number): r.odds for r in board.rows if r.odds is not None and not r.scratched}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.outcome, o.price_decimal, o.bookmaker, o.market, s.fetch_tier, s.sport FROM raw.odds o "
            "JOIN raw.odds_snapshots s USING (snapshot_id) WHERE o.event_id = :r AND s.request_id = :q"),
            {"r": race3, "q": f"tote-it-1:{race3}"}).all()
    assert {r[0]: r[1] for r in rows} == priced and len(priced) >= 5
    assert {r[2:] for r in rows} == {("demo_win_pool", "win", "racing_closing", "horseracing")}
    assert stored.written["quarantined_odds"] == 0

    # polled a moment ago: not due again until the 60 s interval has passed
    assert race3 not in {r for p in plan_tote_polls(load_tote_state(engine, now), now) for r in p.race_ids}
    later = now + timedelta(seconds=61)
    assert race3 in {r for p in plan_tote_polls(load_tote_state(engine, later), later) for r in p.race_ids}


def test_last_ten_minutes_poll_every_30_seconds_and_stop_at_post(engine, world):
    _, _, _, posts = world
    race5 = f"{TRACK}-{DAY:%Y%m%d}-05"
    post = posts[race5].to_pydatetime()
    state = pd.DataFrame([{"race_id": race5, "track_code": TRACK, "race_date": DAY, "race_number": 5,
                           "post_time": post, "last_polled_at": post - timedelta(minutes=5, seconds=31)}])
    (final,) = plan_tote_polls(state, post - timedelta(minutes=5))
    assert final.tier == "racing_final" and final.race_ids == (race5,)
    assert plan_tote_polls(state.assign(last_polled_at=post - timedelta(minutes=5, seconds=10)),
                           post - timedelta(minutes=5)) == []
    assert plan_tote_polls(state, post + timedelta(seconds=1)) == []


def test_the_odds_asset_runs_a_tote_poll_as_the_sensor_asks(engine, runtime_env, world):
    import dagster as dg

    from orchestration.defs.odds.assets import odds_snapshots
    from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
    from orchestration.defs.racecards.resources import RaceCardSiteResource
    from orchestration.defs.warehouse.resources import WarehouseResource

    site, clock, _, posts = world
    # the day's last race: far outside the two hours test_due_races_poll_into_the_odds_tables looks at, so a board
    # stored here (at a later clock) never makes one of that test's races look just polled, in either order
    last_race = posts.idxmax()
    clock.now = posts[last_race].to_pydatetime() - timedelta(minutes=8)
    config = {"tier": "racing_final", "tote_track": TRACK, "tote_date": DAY.isoformat(), "tote_races": [last_race]}
    result = dg.materialize(
        [odds_snapshots], instance=dg.DagsterInstance.ephemeral(), tags={"dagster/run_key": "tote-it-asset"},
        run_config={"ops": {"odds_snapshots": {"config": config}}},
        resources={"warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
                   "odds_api": OddsApiResource(api_key="unused-by-tote"), "odds_polling": OddsPollingResource(),
                   "racecard_site": RaceCardSiteResource(base_url=site.base_url, min_delay_s=0.0)},
    )
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["quarantined"].value == 0
    written = {e.asset_key.to_user_string(): e.materialization.metadata["rows_written"].value
               for e in result.get_asset_materialization_events()}
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM raw.odds WHERE snapshot_id IN (SELECT snapshot_id FROM "
                                      "raw.odds_snapshots WHERE request_id = :q AND fetch_tier = 'racing_final')"),
                              {"q": f"tote-it-asset:{last_race}"}).scalar()
    assert written == {"raw/events": 1, "raw/odds_snapshots": 1, "raw/odds": stored} and stored >= 5
