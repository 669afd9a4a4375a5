"""The fault matrix for an odds run (the Dagster asset) against The Odds API simulator's fault switches: the failing
run fails naming the sport, writes no snapshot and no price, and the re-run matches an undisturbed run exactly."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.odds_api.simulator import OddsApiSimulator
from orchestration.defs.odds.assets import odds_snapshots
from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.integration.test_fault_matrix import fetch_log

pytestmark = pytest.mark.integration

KEY = "sim-fault-key"
ODDS_CLOCK = datetime(2026, 8, 2, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def sim(engine):
    with OddsApiSimulator(seed=5, api_key=KEY, clock=lambda: ODDS_CLOCK) as s:
        yield s


def odds_run(runtime_env, sim, run_key: str):
    resources = {
        "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
        "odds_api": OddsApiResource(api_key=KEY, base_url=sim.base_url, max_attempts=2),
        "odds_polling": OddsPollingResource(sports="icehockey_nhl", regions="us", markets="h2h"),
        "racecard_site": RaceCardSiteResource(),
    }
    config = {"sports": ["icehockey_nhl"], "tier": "discovery", "event_ids": []}
    return dg.materialize([odds_snapshots], resources=resources, raise_on_error=False,
                          instance=dg.DagsterInstance.ephemeral(), tags={"dagster/run_key": run_key},
                          run_config={"ops": {"odds_snapshots": {"config": config}}})


def odds_rows(engine, run_key: str) -> tuple[int, list[tuple], int]:
    """(snapshots, the prices as stored, quarantined) of one run; prices without ids and load times."""
    with engine.connect() as conn:
        snapshots = conn.execute(sa.text("SELECT count(*) FROM raw.odds_snapshots WHERE request_id LIKE :r"),
                                 {"r": f"{run_key}:%"}).scalar_one()
        prices = conn.execute(sa.text(
            "SELECT o.event_id, o.bookmaker, o.market, o.outcome, o.point, o.price_american, o.price_decimal, "
            "o.is_valid FROM raw.odds o JOIN raw.odds_snapshots s USING (snapshot_id) WHERE s.request_id LIKE :r "
            "ORDER BY 1, 2, 3, 4"), {"r": f"{run_key}:%"}).all()
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine.odds WHERE _run_id LIKE :r"),
                                   {"r": f"{run_key}:%"}).scalar_one()
    return snapshots, prices, quarantined


@pytest.mark.parametrize("fault,inject,statuses", [
    ("5xx until the retry cap", {"kind": "status", "status": 500, "count": 2}, [500, 500]),
    ("malformed payload", {"kind": "malformed", "count": 1}, [200]),
])
def test_failed_odds_run_writes_nothing_and_the_rerun_matches_an_undisturbed_run(engine, runtime_env, sim, fault,
                                                                                 inject, statuses):
    slug = fault.split()[0]
    undisturbed = odds_run(runtime_env, sim, f"fm:undisturbed:{slug}")
    assert undisturbed.success
    expected = odds_rows(engine, f"fm:undisturbed:{slug}")
    assert expected[0] >= 1 and len(expected[1]) > 10
    since = datetime.now(timezone.utc)
    sim.inject(**inject)
    failed = odds_run(runtime_env, sim, f"fm:failed:{slug}")
    assert not failed.success
    failure = next(e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "every sport failed" in failure.step_failure_data.error.message
    assert "icehockey_nhl" in failure.step_failure_data.error.message
    attempts = [(status, attempt) for status, attempt, _ in fetch_log(engine, since, "/sports/icehockey_nhl/odds")]
    assert attempts == [(status, n) for n, status in enumerate(statuses, start=1)]
    assert odds_rows(engine, f"fm:failed:{slug}") == (0, [], 0)  # no snapshot, no half-written prices
    rerun = odds_run(runtime_env, sim, f"fm:rerun:{slug}")
    assert rerun.success and odds_rows(engine, f"fm:rerun:{slug}") == expected
