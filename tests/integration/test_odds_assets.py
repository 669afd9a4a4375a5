"""The odds assets executed in process against the local simulator (127.0.0.1) and the embedded PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.odds_api import OddsApiClient
from ingestion.odds_api.lifecycle import prune_old_snapshots
from ingestion.odds_api.polling import load_poll_state
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.odds_api.storage import store_snapshot
from orchestration.defs.odds.assets import odds_scores, odds_snapshots
from orchestration.defs.odds.checks import ODDS_GATE_CHECK
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
from orchestration.defs.odds.schedules import prune_odds_job
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.conftest import clear_odds_tables

pytestmark = pytest.mark.integration

KEY = "sim-test-key"
SPORTS = ["basketball_nba", "soccer_epl"]


@pytest.fixture(scope="module")
def sim(engine):
    clear_odds_tables(engine)
    with OddsApiSimulator(seed=11, api_key=KEY) as s:
        yield s


@pytest.fixture
def resources(runtime_env, sim):
    sim.clear_faults()
    return {
        "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
        "odds_api": OddsApiResource(api_key=KEY, base_url=sim.base_url, max_attempts=1),
        "odds_polling": OddsPollingResource(sports=",".join(SPORTS), regions="us", markets="h2h,totals"),
        "racecard_site": RaceCardSiteResource(),  # tote polls only; these tests poll the Odds API
    }


def poll(resources, run_key, tier="discovery", sports=SPORTS, event_ids=(), raise_on_error=True):
    config = {"sports": list(sports), "tier": tier, "event_ids": list(event_ids)}
    return dg.materialize(
        [odds_snapshots], resources=resources, raise_on_error=raise_on_error, instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {"odds_snapshots": {"config": config}}}, tags={"dagster/run_key": run_key},
    )


def counts(engine, request_like):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(DISTINCT s.snapshot_id), count(o.*) FROM raw.odds_snapshots s "
            "LEFT JOIN raw.odds o USING (snapshot_id) WHERE s.request_id LIKE :r"), {"r": request_like}).one()


def test_poll_loads_odds_reports_the_check_and_is_idempotent(engine, resources):
    result = poll(resources, "odds:it:discovery:1")
    assert result.success
    snapshots, odds = counts(engine, "odds:it:discovery:1:%")
    assert snapshots > 0 and odds > 0
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == ODDS_GATE_CHECK and check.passed  # the simulator's prices are all payable
    with engine.connect() as conn:
        flagged, quarantined = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM raw.odds o JOIN raw.odds_snapshots s USING (snapshot_id) "
            "        WHERE s.request_id LIKE 'odds:it:discovery:1:%' AND o.validation_notes IS NOT NULL), "
            "       (SELECT count(*) FROM quarantine.odds WHERE _run_id LIKE 'odds:it:discovery:1:%')")).one()
    assert check.metadata["published"].value == odds and check.metadata["quarantined"].value == quarantined == 0
    assert check.metadata["evaluated"].value == odds
    soft = check.metadata["failed_expectations"].value  # planted arbitrage and stale lines: notes, not rejects
    assert sum(soft.values()) >= flagged > 0 and set(soft) <= {"odds.overround_in_range", "odds.both_sides_present"}
    materialized = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    assert set(materialized) == {"raw/events", "raw/odds_snapshots", "raw/odds"}

    again = poll(resources, "odds:it:discovery:1")  # same poll re-executed: replaces, never duplicates
    assert again.success and counts(engine, "odds:it:discovery:1:%") == (snapshots, odds)


def test_a_tier_poll_stores_only_the_due_events(engine, resources):
    poll(resources, "odds:it:discovery:2", sports=["basketball_nba"])
    with engine.connect() as conn:
        known = conn.execute(sa.text(
            "SELECT DISTINCT event_id FROM raw.odds_snapshots WHERE request_id = 'odds:it:discovery:2:basketball_nba' "
            "ORDER BY 1")).scalars().all()
    assert len(known) >= 2
    poll(resources, "odds:it:closing:3", tier="closing", sports=["basketball_nba"], event_ids=known[:1])
    with engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT event_id FROM raw.odds_snapshots WHERE request_id LIKE 'odds:it:closing:3:%'")).scalars().all()
    assert stored == known[:1]


def test_one_sport_failing_does_not_stop_the_others(engine, resources, sim):
    sim.inject("malformed")  # the first sport's response is cut in half
    result = poll(resources, "odds:it:discovery:4")
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    failed = metadata["failed_sports"].value
    assert list(failed) == [SPORTS[0]] and KEY not in str(failed)
    assert counts(engine, f"odds:it:discovery:4:{SPORTS[1]}")[0] > 0

    sim.inject("status", status=500, count=len(SPORTS))
    assert not poll(resources, "odds:it:discovery:5", raise_on_error=False).success


def test_event_disappearing_between_snapshots(engine, sim):
    client = OddsApiClient(KEY, base_url=sim.base_url)
    payload = client.odds("icehockey_nhl", regions=["us"], markets=["h2h"], odds_format="decimal").data
    client.close()
    assert len(payload) >= 2
    t1 = datetime.now(timezone.utc).replace(microsecond=0)
    t2 = t1 + timedelta(minutes=30)
    store_snapshot(engine, "icehockey_nhl", payload, t1, None, "gone-1", odds_format="decimal")
    store_snapshot(engine, "icehockey_nhl", payload, t1, None, "gone-1", odds_format="decimal")  # loaded twice
    store_snapshot(engine, "icehockey_nhl", payload[1:], t2, None, "gone-2", odds_format="decimal")
    state = load_poll_state(engine, t1).set_index("event_id")
    gone, kept = payload[0]["id"], payload[1]["id"]
    assert state.loc[gone, "last_fetched_at"] == t1 and state.loc[kept, "last_fetched_at"] == t2
    with engine.connect() as conn:
        per_event = dict(conn.execute(sa.text(
            "SELECT event_id, count(*) FROM raw.odds_snapshots WHERE request_id IN ('gone-1', 'gone-2') "
            "GROUP BY 1")).all())
    assert per_event[gone] == 1 and per_event[kept] == 2  # no duplicates, the vanished event keeps its history


def test_scores_mark_started_events(engine, resources):
    result = dg.materialize([odds_scores], resources=resources, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["events_updated"].value > 0
    with engine.connect() as conn:
        statuses = set(conn.execute(sa.text(
            "SELECT DISTINCT status FROM raw.events WHERE sport = ANY(:s)"), {"s": SPORTS}).scalars())
    assert "final" in statuses and "scheduled" in statuses


def test_retention_prunes_old_snapshots_and_reports_counts(engine, runtime_env):
    clear_odds_tables(engine)
    old = datetime.now(timezone.utc) - timedelta(days=45)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO raw.events (id, sport, commence_time, home_team, away_team) "
            "VALUES ('prune-e', 'prune_test', :t, 'H', 'A') ON CONFLICT DO NOTHING"), {"t": old})
        conn.execute(sa.text(
            "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, bookmaker_count) "
            "VALUES ('prune-s', 'prune-e', 'prune_test', '{}', :t, 0)"), {"t": old})
        conn.execute(sa.text(
            "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, bookmaker_count, "
            "source) VALUES ('prune-h', 'prune-e', 'prune_test', '{}', :t, 0, 'the-odds-api-historical')"), {"t": old})
        for snapshot in ("prune-s", "prune-h"):
            conn.execute(sa.text(
                "INSERT INTO raw.odds (snapshot_id, event_id, bookmaker, market, outcome, price_american, "
                "price_decimal, snapshot_time) VALUES (:s, 'prune-e', 'b', 'h2h', 'H', 100, 2.0, :t)"),
                {"s": snapshot, "t": old})
    assert prune_old_snapshots(engine, 60)["odds_snapshots"] == 0
    result = prune_odds_job.execute_in_process(
        resources={"warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"])},
        run_config={"ops": {"prune_odds": {"config": {"older_than_days": 30}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    report = result.output_for_node("prune_odds")
    assert report["odds_snapshots"] >= 1 and report["odds"] >= 1
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT snapshot_id, (SELECT count(*) FROM raw.odds o WHERE o.snapshot_id = "
                                    "s.snapshot_id) FROM raw.odds_snapshots s WHERE snapshot_id LIKE 'prune-%'")).all()
    assert left == [("prune-h", 1)]  # the polled one is gone; paid-for backfilled history stays
