"""The historical odds backfill end to end: planned and priced on the simulator over HTTP, refused above the month's
credits, executed through the live poll's gate into the real embedded PostgreSQL, killed halfway and resumed
without paying or storing anything twice."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ingestion.http import RetryPolicy, ops_fetch_log_sink
from ingestion.odds_api import OddsApiClient
from ingestion.odds_api.backfill import execute_backfill, plan_backfill
from ingestion.odds_api.backfill_plan import PlanRefused, iso
from ingestion.odds_api.backfill_store import backfill_status, pending_by_day
from ingestion.odds_api.simulator import OddsApiSimulator
from tests.integration.test_cli import one_line_error, paddock_with

pytestmark = pytest.mark.integration

KEY = "sim-backfill-key"
NOW = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)  # the simulator's clock: March 2025 is history
MARCH = (date(2025, 3, 1), date(2025, 3, 31))
# Per game, the live tier table gives 13 moments: opening (72 h), early (48, 24 h), sharp (12 h), pregame (9, 6, 3 h),
# closing every 30 min (2.5 .. 0.5 h) and the closing line 5 min before the start.
MOMENTS = 13


@pytest.fixture
def sim(engine):
    with OddsApiSimulator(seed=19, api_key=KEY, quota=500, clock=lambda: NOW) as s:
        yield s


@pytest.fixture
def client(sim, engine):
    c = OddsApiClient(KEY, base_url=sim.base_url, sink=ops_fetch_log_sink(engine), sleep=lambda s: None,
                      retry=RetryPolicy(max_attempts=1), timeout=5.0)
    yield c
    c.close()


def _rows(engine, event_ids):
    with engine.connect() as conn:
        snapshots = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT (event_id, snapshot_time)) FROM raw.odds_snapshots "
            "WHERE event_id = ANY(:ids) AND source = 'the-odds-api-historical'"), {"ids": event_ids}).one()
        odds = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT (snapshot_id, bookmaker, market, outcome)) FROM raw.odds "
            "WHERE event_id = ANY(:ids)"), {"ids": event_ids}).one()
        tiers = dict(conn.execute(sa.text(
            "SELECT fetch_tier, count(*) FROM raw.odds_snapshots WHERE event_id = ANY(:ids) GROUP BY 1"),
            {"ids": event_ids}).all())
    return tuple(snapshots), tuple(odds), tiers


def test_month_of_nba_and_epl_priced_refused_then_executed_and_resumed(engine, sim, client):
    # NBA, 4 games spread uniformly over March, h2h in the us region: 10 credits a historical call. The games are
    # ~10 days apart, so no two share a moment: 4 × 13 calls × 10 = 520 credits. Listing March costs 31 (one a day).
    with pytest.raises(PlanRefused, match="costs 520 credits"):
        plan_backfill(engine, client, "basketball_nba", *MARCH, games=4)
    assert sim.used == 31  # only the listing was paid; 469 left < 520
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ops.odds_backfill_plans WHERE sport = 'basketball_nba' "
                                    "AND start_date = '2025-03-01'")).scalar_one() == 0

    sim.quota = 20_000
    nba = plan_backfill(engine, client, "basketball_nba", *MARCH, games=4)
    assert (len(nba.games), len(nba.snapshots), nba.calls, nba.credits, nba.listing_credits) == (4, 52, 52, 520, 31)
    assert nba.credits_left == 20_000 - 62
    # EPL, 3 games uniformly, h2h+spreads+totals in us and eu: 10 × 3 × 2 = 60 a call, 3 × 13 × 60 = 2340 credits.
    epl = plan_backfill(engine, client, "soccer_epl", *MARCH, games=3, regions=("us", "eu"),
                        markets=("h2h", "spreads", "totals"))
    assert (len(epl.snapshots), epl.calls, epl.credits, epl.listing_credits) == (39, 39, 2340, 31)
    assert sim.used == 93

    ids = [g["event_id"] for g in nba.games]
    first = execute_backfill(engine, client, plan_id=nba.plan_id, limit=20)  # killed after 20 calls
    assert (first.calls, first.credits, first.left, sim.used) == (20, 200, 32, 293)
    assert _rows(engine, ids)[0] == (20, 20)

    sim.inject("status", status=429, retry_after=0)  # the next call is refused: nothing paid, nothing stored
    stopped = execute_backfill(engine, client, plan_id=nba.plan_id)
    assert (stopped.calls, stopped.left, sim.used) == (0, 32, 293) and "429" in stopped.error

    rest = execute_backfill(engine, client, plan_id=nba.plan_id)
    assert (rest.calls, rest.credits, rest.left, sim.used) == (32, 320, 0, 613)
    again = execute_backfill(engine, client, plan_id=nba.plan_id)
    assert (again.calls, sim.used) == (0, 613)

    snapshots, odds, tiers = _rows(engine, ids)
    assert snapshots == (52, 52)
    # 9 us books × 2 h2h outcomes per snapshot, published or quarantined, never twice
    assert odds[0] == odds[1] == first.stored["odds"] + rest.stored["odds"]
    assert odds[0] + first.stored["quarantined_odds"] + rest.stored["quarantined_odds"] == 52 * 9 * 2
    assert tiers == {"opening": 4, "early": 8, "sharp": 4, "pregame": 12, "closing": 24}

    status = backfill_status(engine).set_index("plan_id")
    assert status.loc[nba.plan_id, ["done", "pending", "calls_made", "credits_spent"]].tolist() == [52, 0, 52, 520]
    assert status.loc[epl.plan_id, ["pending", "calls_made", "credits_spent"]].tolist() == [39, 0, 0]
    runs = sorted({f"historical:basketball_nba:{iso(s['snapshot_time'])}" for s in nba.snapshots})  # this plan's
    with engine.connect() as conn:
        gated = conn.execute(sa.text(
            "SELECT count(DISTINCT run_id) FROM ops.data_quality_log WHERE source = 'the-odds-api-historical' "
            "AND run_id = ANY(:runs)"), {"runs": runs}).scalar_one()
    assert gated == 52  # every snapshot went through the odds suite, one batch per call


def test_a_second_plan_skips_what_an_earlier_plan_holds(engine, sim, client):
    sim.quota = 20_000
    window = (date(2025, 4, 2), date(2025, 4, 3))  # 8 NBA games start in these two days
    plan = plan_backfill(engine, client, "basketball_nba", *window, games=1)
    assert (plan.calls, plan.credits, plan.skipped) == (MOMENTS, MOMENTS * 10, 0)
    # two games over the same days: the first one is the game planned above, whose moments are not bought again
    wider = plan_backfill(engine, client, "basketball_nba", *window, games=2)
    assert wider.plan_id != plan.plan_id and wider.games[0]["event_id"] == plan.games[0]["event_id"]
    assert (wider.skipped, wider.calls, wider.credits) == (MOMENTS, MOMENTS, MOMENTS * 10)
    assert {s["event_id"] for s in wider.snapshots} == {wider.games[1]["event_id"]}


def test_cli_plans_refuses_executes_and_reports(engine, sim, tmp_path):
    env = {"ODDS_API_KEY": KEY, "ODDS_API_BASE_URL": sim.base_url, "COLUMNS": "200"}  # the table unwrapped
    args = ["odds", "backfill", "plan", "--sport", "soccer_epl", "--start", "2025-04-01", "--end", "2025-04-04",
            "--games", "2", "--regions", "eu", "--markets", "h2h,totals"]
    sim.quota = 400  # listing 4 days costs 4; 2 games × 13 calls × 10 × 2 markets × 1 region = 520 > 396
    refused = one_line_error(paddock_with(env, *args))
    assert "costs 520 credits" in refused and "only 396 are left" in refused
    sim.quota = 5_000
    done = paddock_with(env, *args, "--out", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    assert "26 call(s) × 20 = 520 credits" in done.stdout and "closing 12" in done.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert (plan["credits"], plan["calls"], len(plan["games"]), plan["credits_left"]) == (520, 26, 2, 5_000 - 8)
    ran = paddock_with(env, "odds", "backfill", "execute", "--plan-id", plan["plan_id"], "--limit", "3")
    assert ran.returncode == 0, ran.stderr
    assert "3 call(s), 60 credit(s)" in ran.stdout and "23 call(s) left" in ran.stdout
    with engine.connect() as conn:  # the command rebuilt the odds marts: the backfilled prices are readable there
        marts, raw = (conn.execute(sa.text(
            f"SELECT count(*) FROM {table} o JOIN raw.odds_snapshots s USING (snapshot_id) "
            "WHERE s.source = 'the-odds-api-historical' AND o.event_id = ANY(:ids)"),
            {"ids": [g["event_id"] for g in plan["games"]]}).scalar() for table in ("marts.fct_odds", "raw.odds"))
    assert marts == raw > 0
    status = paddock_with(env, "odds", "backfill", "status")
    assert status.returncode == 0 and plan["plan_id"] in status.stdout and "60/520" in status.stdout
    # then per snapshot day what is left, of every plan in the warehouse (earlier tests' too): the Dagster partitions
    days = [(w[1], int(w[2]), int(w[4]), int(w[6])) for w in map(str.split, status.stdout.splitlines())
            if w[:1] == ["pending"]]
    assert days == [(f"{d}:", c, g, cr) for d, c, g, cr in pending_by_day(engine).itertuples(index=False)]
    assert sum(c for _, c, _, _ in days) >= 23
