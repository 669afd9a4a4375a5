"""``paddock backtest`` on the session's synthetic history: run, show, compare, export, and clear errors."""
import json
from datetime import date

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from paddock.cli import app
from tests.integration.conftest import HISTORY_END, HISTORY_START

pytestmark = pytest.mark.integration
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["backtest", *args], catch_exceptions=False)


def test_run_show_compare_export(history, engine, tmp_path):
    ran = invoke("run", "--strategy", "longshot_flat", "--start", HISTORY_START, "--end", HISTORY_END,
                 "--name", "cli-longshots")
    assert ran.exit_code == 0, ran.output
    with engine.connect() as conn:
        bets, profit = conn.execute(sa.text("SELECT bets, profit FROM marts.backtest_runs "
                                            "WHERE run_name = 'cli-longshots'")).one()
    assert f"stored run cli-longshots: {bets:,} bets, 182 days" in ran.output and bets > 100
    assert f"{float(profit):,.2f}" in ran.output

    shown = invoke("show", "cli-longshots")
    assert shown.exit_code == 0 and "longshot_flat" in shown.output and f"{bets:,}" in shown.output
    compared = invoke("compare", "cli-longshots")
    assert compared.exit_code == 0 and "cli-longshots" in compared.output and "ROI" in compared.output

    assert invoke("export", "cli-longshots", "--out", str(tmp_path), "--csv").exit_code == 0
    assert (tmp_path / "cli-longshots_bets.csv").read_text().count("\n") == bets + 1  # header + one line per bet
    assert invoke("export", "cli-longshots", "--out", str(tmp_path)).exit_code == 0
    document = json.loads((tmp_path / "cli-longshots.json").read_text())
    assert len(document["bets"]) == bets and len(document["equity"]) == 182
    assert document["run"][0]["strategy"] == "longshot_flat"


def test_unknown_strategy_lists_the_valid_ones(runtime_env):
    result = invoke("run", "--strategy", "favorite_flat")
    assert result.exit_code == 2 and "favourite_flat" in result.output and "longshot_flat" in result.output


def test_bad_params_name_the_parameter(runtime_env):
    result = invoke("run", "--strategy", "favourite_flat", "--params", '{"max_odd": 5}')
    assert result.exit_code == 2 and "max_odd" in result.output


def test_an_exotic_box_run_settles_on_the_marts_dividends(history, engine):
    """The CLI fetches marts.fct_dividends for a strategy that settles on them; the marts' trifecta dividends are the
    generator's own, so the stored run equals an in-memory run on the raw batch."""
    from backtests.engine import run_backtest
    from backtests.frames import dividends_from_batch, runners_from_batch
    from backtests.staking import Staking
    from ingestion.sources.synthetic import SyntheticSource

    ran = invoke("run", "--strategy", "exotic_box", "--params", '{"pool": "trifecta", "size": 3}', "--staking",
                 '{"method": "flat", "flat_stake": 6}', "--bankroll", "1000000", "--start", HISTORY_START, "--end",
                 HISTORY_END, "--name", "cli-trifecta-box")
    assert ran.exit_code == 0, ran.output
    batch = SyntheticSource().read(date.fromisoformat(HISTORY_START), date.fromisoformat(HISTORY_END))
    direct = run_backtest("exotic_box", runners_from_batch(batch), {"pool": "trifecta", "size": 3},
                          staking=Staking("flat", flat_stake=6.0), bankroll=1e6, dividends=dividends_from_batch(batch))
    with engine.connect() as conn:
        bets, won, returned = conn.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE won), sum(return) FROM marts.backtest_bets "
            "WHERE run_name = 'cli-trifecta-box' AND bet_type = 'trifecta_box'")).one()
    assert bets == len(direct.bets) > 3000 and won == int(direct.bets["won"].sum()) > 100
    assert float(returned) == pytest.approx(float(direct.bets["ret"].sum()), abs=0.005 * bets)
