"""The backfill's Dagster asset materialized in process, one snapshot day at a time, against the local simulator and
the embedded PostgreSQL: exactly that day's planned calls are paid, a second run pays nothing, and a refusal by the
API fails the run after storing what fitted, with the rest still pending."""
from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.http import RetryPolicy, ops_fetch_log_sink
from ingestion.odds_api import OddsApiClient
from ingestion.odds_api.backfill import plan_backfill
from ingestion.odds_api.backfill_store import pending_by_day
from ingestion.odds_api.simulator import OddsApiSimulator
from orchestration.defs.odds.backfill import odds_backfill
from orchestration.defs.odds.resources import OddsApiResource
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.conftest import clear_odds_tables

pytestmark = pytest.mark.integration

KEY = "sim-backfill-asset-key"
NOW = datetime(2025, 4, 10, 12, tzinfo=timezone.utc)
WINDOW = (date(2025, 2, 10), date(2025, 2, 11))  # no other test plans games this close to these days


@pytest.fixture
def sim(engine):
    clear_odds_tables(engine)  # each test counts the rows its own runs stored
    with engine.begin() as conn:  # and plans of other modules would have pending calls on the same days
        conn.execute(sa.text("TRUNCATE ops.odds_backfill_snapshots, ops.odds_backfill_plans"))
    with OddsApiSimulator(seed=23, api_key=KEY, quota=20_000, clock=lambda: NOW) as s:
        yield s


@pytest.fixture
def plan(engine, sim):
    client = OddsApiClient(KEY, base_url=sim.base_url, sink=ops_fetch_log_sink(engine), sleep=lambda s: None,
                           retry=RetryPolicy(max_attempts=1), timeout=5.0)
    try:
        return plan_backfill(engine, client, "basketball_nba", *WINDOW, games=2)
    finally:
        client.close()


def materialize(runtime_env, sim, day: str):
    resources = {"warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
                 "odds_api": OddsApiResource(api_key=KEY, base_url=sim.base_url, max_attempts=1)}
    return dg.materialize([odds_backfill], partition_key=day, resources=resources, raise_on_error=False,
                          instance=dg.DagsterInstance.ephemeral())


def stored(engine, day: str) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("""
            SELECT count(DISTINCT s.snapshot_id), count(o.*) FROM raw.odds_snapshots s
            LEFT JOIN raw.odds o USING (snapshot_id)
            WHERE s.source = 'the-odds-api-historical' AND (s.snapshot_time AT TIME ZONE 'UTC')::date = :day
              AND s.event_id IN (SELECT event_id FROM ops.odds_backfill_snapshots)
        """), {"day": date.fromisoformat(day)}).one())


def metadata(result) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_a_partition_pays_its_days_calls_once(engine, runtime_env, sim, plan):
    per_day = pending_by_day(engine)
    # two games, 13 tier moments each over the 72 h before their starts; no moment shared: 26 calls of 10 credits
    assert (plan.calls, plan.credits) == (26, 260)
    # their snapshot days overlap (the first game's closing day holds the second's sharp and pregame moments)
    assert [(str(d), c, g, cr) for d, c, g, cr in per_day.itertuples(index=False)] == [
        ("2025-02-07", 1, 1, 10), ("2025-02-08", 2, 2, 20), ("2025-02-09", 10, 10, 100),
        ("2025-02-10", 3, 3, 30), ("2025-02-11", 10, 10, 100)]
    day, calls = "2025-02-09", 10
    assert calls == len({s["snapshot_time"] for s in plan.snapshots if str(s["snapshot_time"].date()) == day})

    before = sim.used
    result = materialize(runtime_env, sim, day)
    assert result.success
    meta = metadata(result)
    snapshots, odds = stored(engine, day)
    assert (meta["calls"], meta["credits_spent"], meta["calls_pending"]) == (10, 100, 0)
    assert sim.used - before == 100
    assert meta["snapshots_stored"] == snapshots == 10 and meta["odds_stored"] == odds
    # 9 us books × 2 h2h outcomes per snapshot: published or quarantined, nothing else
    assert meta["odds_stored"] + meta["quarantined_odds"] == 10 * 9 * 2 and odds > 0
    left = pending_by_day(engine)
    assert day not in set(left["day"].astype(str))
    assert list(left["calls"]) == [1, 2, 3, 10]  # the other days were not touched

    again = materialize(runtime_env, sim, day)
    assert again.success and sim.used - before == 100
    assert (metadata(again)["calls"], metadata(again)["credits_spent"]) == (0, 0)
    assert stored(engine, day) == (snapshots, odds)


def test_a_refusal_fails_the_run_after_storing_what_fitted(engine, runtime_env, sim, plan):
    day = "2025-02-09"  # 10 planned calls (above)
    sim.quota = sim.used + 10  # one historical call fits, the second is refused: credits exhausted
    result = materialize(runtime_env, sim, day)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    error = failure.step_failure_data.error
    assert ("2025-02-09: stopped after 1 call(s), 10 credit(s): 1 snapshot(s)" in error.message
            and "9 call(s) left" in error.message and "HTTP 401, OUT_OF_USAGE_CREDITS" in error.message)
    assert stored(engine, day)[0] == 1  # the call that fitted is stored and no longer pending
    assert int(pending_by_day(engine).set_index("day").loc[date.fromisoformat(day), "calls"]) == 9

    sim.quota = 20_000
    resumed = materialize(runtime_env, sim, day)  # a UI re-run of the partition finishes the day
    assert resumed.success and (metadata(resumed)["calls"], metadata(resumed)["credits_spent"]) == (9, 90)
    assert stored(engine, day)[0] == 10
