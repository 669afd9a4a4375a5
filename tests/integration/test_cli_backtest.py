"""``paddock backtest`` on the session's synthetic history: run, show, compare, export, and clear errors."""
import json

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
