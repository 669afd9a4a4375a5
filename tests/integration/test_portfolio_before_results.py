"""A ledger loaded before the first history run (the ledger sensor switched on in a new deployment) must not fail
the portfolio: with no results marts yet every bet is pending, and the next run after the history load settles it.

Found by the simulated race day (test_operating_day.py): ``ledger_job`` failed under the daemon with
``relation "marts.fct_runners" does not exist`` because the portfolio read results that dbt had not built yet.
"""
from __future__ import annotations

import dagster as dg
import sqlalchemy as sa

from tests.deployment import fresh_database


def test_a_ledger_before_any_results_is_all_pending(runtime_env, monkeypatch):
    from backtests.live.portfolio import NO_RESULTS
    from ingestion.ledger import read_ledger
    from ingestion.warehouse import ensure_warehouse_once
    from orchestration.defs.ledger.assets import DEFAULT_LEDGER, ledger_bets, portfolio
    from orchestration.defs.warehouse.resources import WarehouseResource

    url = fresh_database(runtime_env, "ledger_before_results")
    engine = sa.create_engine(url)
    ensure_warehouse_once(engine)
    monkeypatch.setenv("PADDOCK_LEDGER_FILE", str(DEFAULT_LEDGER))
    result = dg.materialize([ledger_bets, portfolio], resources={"warehouse": WarehouseResource(database_url=url)})
    assert result.success
    parsed = read_ledger(DEFAULT_LEDGER)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('marts.fct_runners')")).scalar_one() is None
        statuses = conn.execute(sa.text("SELECT status, note, count(*) FROM marts.portfolio_bets "
                                        "GROUP BY status, note")).all()
        overall = conn.execute(sa.text("SELECT bets, pending, staked, pending_stake FROM marts.portfolio_summary "
                                       "WHERE bet_type = 'all'")).one()
    engine.dispose()
    assert statuses == [("pending", NO_RESULTS, len(parsed.bets))]
    assert (overall.bets, overall.pending, overall.staked) == (len(parsed.bets), len(parsed.bets), 0)
    assert overall.pending_stake == sum(bet.stake for bet in parsed.bets)
