"""The odds fact's relationship tests after retention: a pruned old price is no failure, an orphaned new one is.

``prune_odds_job`` deletes raw snapshots older than 30 days by design while ``marts.fct_odds`` keeps their prices, so
the fact's relationship tests (to ``stg_odds_snapshots`` and ``stg_events``) check only the rows loaded in the last
day: without that window every odds build, and every signal behind it, would fail 30 days after going live. The
window must not blind them: a price loaded today whose snapshot vanished still fails the build. Real simulator
fetches (HTTP on 127.0.0.1) into the session's embedded PostgreSQL, ``dbt build`` as the odds job runs it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ingestion.odds_api.client import OddsApiClient
from ingestion.odds_api.lifecycle import prune_old_snapshots
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.odds_api.storage import store_snapshot
from paddock.dbt_runner import run_dbt
from tests.conftest import clear_odds_tables
from tests.odds_marts_helpers import dbt_build_odds

pytestmark = pytest.mark.integration

SPORT = "basketball_nba"
SNAPSHOT_TEST = "test.paddock.relationships_fct_odds_snapshot_id"  # dbt's name for it, before its hash
ORPHANS = """SELECT count(*) FROM marts.fct_odds f
             WHERE NOT EXISTS (SELECT 1 FROM raw.odds_snapshots s WHERE s.snapshot_id = f.snapshot_id)"""


def fetch_and_store(engine, at: datetime) -> list[str]:
    """One /odds fetch from the simulator as of ``at``, stored as the poll stores it (a snapshot per event); returns
    its snapshot ids."""
    sim = OddsApiSimulator(seed=7, clock=lambda: at)
    client = OddsApiClient("sim-key", base_url=sim.start(), sleep=lambda s: None)
    try:
        result = client.odds(SPORT, regions=("us",), markets=("h2h",))
        store_snapshot(engine, SPORT, result.data, at, None, result.request_id)
    finally:
        client.close()
        sim.stop()
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT snapshot_id FROM raw.odds_snapshots WHERE snapshot_time = :t"),
                                 {"t": at}).scalars())


def snapshot_test_statuses(statuses: dict[str, str]) -> set[str]:
    found = {status for uid, status in statuses.items() if uid.startswith(SNAPSHOT_TEST)}
    assert found, f"no {SNAPSHOT_TEST}* in the build: {sorted(statuses)}"
    return found


def test_a_pruned_old_price_passes_and_an_orphaned_new_one_fails(engine, tmp_path):
    clear_odds_tables(engine)  # the fact's tests read every row: start from none of other modules'
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    try:
        old = fetch_and_store(engine, now - timedelta(days=40))
        with engine.begin() as conn:  # loaded when it was fetched, forty days ago
            conn.execute(sa.text("UPDATE raw.odds_snapshots SET loaded_at = snapshot_time WHERE snapshot_id = ANY(:s)"),
                         {"s": old})
        new = fetch_and_store(engine, now)
        dbt_build_odds(str(tmp_path), "--full-refresh")
        with engine.connect() as conn:
            kept_old = conn.execute(sa.text("SELECT count(*) FROM marts.fct_odds WHERE snapshot_id = ANY(:s)"),
                                    {"s": old}).scalar_one()
        assert len(old) > 0 and len(new) > 0 and kept_old > 0

        assert prune_old_snapshots(engine, 30, now=now)["odds_snapshots"] == len(old)
        with engine.connect() as conn:
            assert conn.execute(sa.text(ORPHANS)).scalar_one() == kept_old  # the fact keeps the pruned prices
        assert snapshot_test_statuses(dbt_build_odds(str(tmp_path))) == {"pass"}

        with engine.begin() as conn:  # today's snapshots vanish under their prices (raw.odds cascades): still seen
            conn.execute(sa.text("DELETE FROM raw.odds_snapshots WHERE snapshot_id = ANY(:s)"), {"s": new})
        result, _ = run_dbt(["build", "--select", "path:models/staging/odds", "path:models/marts/odds"], tmp_path)
        statuses = {r.node.unique_id: str(r.status) for r in result.result.results}
        assert not result.success
        assert snapshot_test_statuses(statuses) == {"fail"}
        assert {uid for uid, status in statuses.items() if status in ("fail", "error")} == {
            uid for uid in statuses if uid.startswith(SNAPSHOT_TEST)}
    finally:
        clear_odds_tables(engine)
