"""Exchange backtests end to end: a named run materialized as its Dagster partition over the landing folder, and
``paddock backtest run`` on an exchange run, both stored beside the racing runs with per-market P&L.

Three handcrafted markets (``tests.exchange_streams.write_market``: trap n backs at n + 1.0, lays at n + 1.1, BSP
n + 1.1; no catalogue, so the 5 % default base rate) on three days, won by traps 1, 2 and 1. The favourite is trap
1 everywhere; every expected figure below is that arithmetic.
"""
from datetime import datetime, timezone
from decimal import Decimal

import dagster as dg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from paddock.cli import app
from tests.exchange_streams import write_market

pytestmark = pytest.mark.integration
D = Decimal
DAYS = [datetime(2024, 3, day, 14, 0, tzinfo=timezone.utc) for day in (4, 5, 6)]


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "exchange"
    folder.mkdir()
    for n, (off, winner) in enumerate(zip(DAYS, (1, 2, 1)), 1):
        write_market(folder / f"1.90000000{n}", f"1.90000000{n}", off, winner=winner)
    monkeypatch.setenv("PADDOCK_EXCHANGE_DIR", str(folder))
    return folder


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_a_named_exchange_run_materializes_as_its_partition(runtime_env, engine, landing):
    from orchestration.definitions import defs
    from paddock.dbt_prep import prepare_manifest

    prepare_manifest()
    job = defs().resolve_job_def("exchange_backtest_job")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, partition_key="exchange_bsp_favourite")
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "exchange_backtest"]))
    assert result.success
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    # BSP back of 2 on trap 1 at 2.1: won 2.20 - 0.11 commission, lost 2.00, won 2.20 - 0.11
    assert (metadata["markets"], metadata["orders"], metadata["fill_rate"]) == (3, 3, 1.0)
    assert (metadata["profit_before_commission"], metadata["profit_after_commission"]) == (2.4, 2.18)
    assert metadata["window"] == "2024-03-04..2024-03-06"
    assert rows(engine, "SELECT market, bets, profit, start_date::text, end_date::text FROM marts.backtest_runs "
                        "WHERE run_name = 'exchange_bsp_favourite'") == [("exchange", 3, D("2.18"), "2024-03-04",
                                                                          "2024-03-06")]
    assert rows(engine, "SELECT odds, stake, pnl, closing_odds, bet_type FROM marts.backtest_bets "
                        "WHERE run_name = 'exchange_bsp_favourite' ORDER BY bet_number") == [
        (D("2.10"), D("2.00"), D("2.09"), D("2.10"), "back_market_on_close"),
        (D("2.10"), D("2.00"), D("-2.00"), D("2.10"), "back_market_on_close"),
        (D("2.10"), D("2.00"), D("2.09"), D("2.10"), "back_market_on_close")]
    assert rows(engine, "SELECT market_id, gross_profit, commission, net_profit, fill_rate "
                        "FROM marts.exchange_backtest_markets WHERE run_name = 'exchange_bsp_favourite' "
                        "ORDER BY market_time") == [
        ("1.900000001", D("2.20"), D("0.11"), D("2.09"), D(1)), ("1.900000002", D("-2.00"), D(0), D("-2.00"), D(1)),
        ("1.900000003", D("2.20"), D("0.11"), D("2.09"), D(1))]


def test_paddock_backtest_run_replays_an_exchange_run_and_compare_lists_it(runtime_env, engine, landing):
    runner = CliRunner()
    ran = runner.invoke(app, ["backtest", "run", "--strategy", "exchange_lay_favourite", "--name", "cli-lay-fav",
                              "--files", str(landing)], catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    assert "stored run cli-lay-fav: 3 bets over 3 markets" in ran.output
    # lay 2 at 2.1 (liability 2.20): lost 2.20 when trap 1 won, won 2.00 - 0.10 commission when trap 2 did
    assert rows(engine, "SELECT bets, turnover, profit FROM marts.backtest_runs WHERE run_name = 'cli-lay-fav'") == [
        (3, D("6.60"), D("-2.50"))]
    compared = runner.invoke(app, ["backtest", "compare", "cli-lay-fav"], catch_exceptions=False)
    assert compared.exit_code == 0, compared.output
    assert "2024-03-04..2024-03-06" in compared.output  # its window (an 80-column terminal shortens the name)
    empty = runner.invoke(app, ["backtest", "run", "--strategy", "exchange_lay_favourite", "--start", "2030-01-01",
                                "--files", str(landing)])
    assert empty.exit_code == 1 and "no Betfair stream files with markets in 2030-01-01..2024-03-06" in empty.output
