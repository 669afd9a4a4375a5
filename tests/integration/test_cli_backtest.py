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
    assert f"stored run cli-longshots over {HISTORY_START}..{HISTORY_END}: {bets:,} bets, 182 days" in ran.output
    assert bets > 100
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
    from backtests.betting.staking import Staking
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


def _stored(engine, name):
    from backtests.store import ensure_backtest_tables

    ensure_backtest_tables(engine)
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT run_id, start_date::text, end_date::text, bets FROM marts.backtest_runs "
                                    "WHERE run_name = :n"), {"n": name}).first()


def test_a_hand_run_is_named_for_its_window_and_never_takes_a_partition(history, engine):
    partition_before = _stored(engine, "favourite_flat")  # whatever the Dagster partition holds (maybe nothing)
    ran = invoke("run", "--strategy", "favourite_flat", "--start", "2024-01-01", "--end", "2024-01-31")
    assert ran.exit_code == 0, ran.output
    assert "stored run favourite_flat-2024-01-01-2024-01-31 over 2024-01-01..2024-01-31" in ran.output
    assert _stored(engine, "favourite_flat-2024-01-01-2024-01-31")[1:3] == ("2024-01-01", "2024-01-31")
    assert _stored(engine, "favourite_flat") == partition_before

    changed = invoke("run", "--strategy", "favourite_flat", "--start", "2024-01-01", "--end", "2024-01-31",
                     "--params", '{"max_odds": 5}')
    assert changed.exit_code == 0, changed.output
    name = next(w for w in changed.output.split() if w.startswith("favourite_flat-2024-01-01-2024-01-31-"))
    assert len(name) == len("favourite_flat-2024-01-01-2024-01-31-") + 6  # a hash of the changed parameters


def test_a_name_holding_a_different_run_is_replaced_only_when_asked(history, engine):
    first = invoke("run", "--strategy", "longshot_flat", "--start", "2024-01-01", "--end", "2024-03-31",
                   "--name", "cli-guarded", "--replace")
    assert first.exit_code == 0, first.output
    kept = _stored(engine, "cli-guarded")
    assert kept[1:3] == ("2024-01-01", "2024-03-31")

    refused = invoke("run", "--strategy", "longshot_flat", "--start", "2024-01-01", "--end", "2024-06-30",
                     "--name", "cli-guarded")
    assert refused.exit_code == 1
    assert "run name 'cli-guarded' already holds longshot_flat " in refused.output
    assert f" over 2024-01-01..2024-03-31 (run id {kept[0]}); choose another name" in refused.output
    assert _stored(engine, "cli-guarded") == kept  # nothing written

    same = invoke("run", "--strategy", "longshot_flat", "--start", "2024-01-01", "--end", "2024-03-31",
                  "--name", "cli-guarded")  # the very same run (same run id): replaced in place, no flag needed
    assert same.exit_code == 0 and _stored(engine, "cli-guarded") == kept

    replaced = invoke("run", "--strategy", "longshot_flat", "--start", "2024-01-01", "--end", "2024-06-30",
                      "--name", "cli-guarded", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _stored(engine, "cli-guarded")[1:3] == ("2024-01-01", "2024-06-30")
    assert f"over 2024-01-01..2024-03-31 (run id {kept[0]}))" in replaced.output and "(replaced longshot_flat" in \
        replaced.output

    compared = invoke("compare", "cli-guarded")
    assert compared.exit_code == 0 and "2024-01-01..2024-06-30" in compared.output


@pytest.mark.parametrize("option, value", [("--start", "2025-13-01"), ("--end", "2025-02-30")])
def test_a_malformed_date_is_one_line_and_writes_nothing(runtime_env, engine, option, value):
    from backtests.store import ensure_backtest_tables

    ensure_backtest_tables(engine)
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM marts.backtest_runs")).scalar_one()
    result = runner.invoke(app, ["backtest", "run", "--strategy", "favourite_flat", option, value])
    assert result.exit_code == 2 and f"'{value}' is not a date (YYYY-MM-DD)" in result.output
    assert "Traceback" not in result.output and "SELECT" not in result.output
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM marts.backtest_runs")).scalar_one() == before


def test_start_after_end_is_refused(runtime_env):
    result = runner.invoke(app, ["backtest", "run", "--strategy", "favourite_flat", "--start", "2024-06-01",
                                 "--end", "2024-01-01"])
    assert result.exit_code == 2 and "2024-06-01 is after --end 2024-01-01" in result.output
