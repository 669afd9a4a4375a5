"""Backtest assets on the marts of the session's synthetic history: partitions from the run list, rows in the marts
that match a direct engine run exactly, metadata with metrics and the equity curve, and the comparison."""
import dagster as dg
import pytest
import sqlalchemy as sa

from backtests.engine import run_backtest
from backtests.exchange.runs import load_exchange_specs
from backtests.frames import load_dividends, load_runners
from backtests.results import run_id
from backtests.store import load_run_specs
from tests.integration.conftest import HISTORY_END, HISTORY_START

pytestmark = pytest.mark.integration

WINDOW = {"start": HISTORY_START, "end": HISTORY_END}
RUNS = ("favourite_flat", "wet_rules", "trifecta_box")  # trifecta_box: the asset fetches dividends


@pytest.fixture(scope="module")
def backtests(history, runtime_env):
    definitions = history["definitions"]
    instance = history["instance"]
    graph = definitions.resolve_asset_graph()
    key = dg.AssetKey(["marts", "backtest"])
    assert graph.get(key).partitions_def.get_partition_keys() == list(load_run_specs())
    job = definitions.resolve_job_def("backtest_job")
    results = {}
    for name in RUNS:
        results[name] = job.execute_in_process(
            instance=instance, partition_key=name, run_config={"ops": {"marts__backtest": {"config": WINDOW}}})
        assert results[name].success
    comparison = definitions.resolve_job_def("strategy_comparison_job").execute_in_process(instance=instance)
    assert comparison.success
    return results, comparison


def _scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).one()


def test_stored_runs_match_a_direct_engine_run(backtests, engine):
    frame = load_runners(engine, HISTORY_START, HISTORY_END)
    specs = load_run_specs()
    for name in RUNS:
        spec = specs[name]
        dividends = load_dividends(engine, HISTORY_START, HISTORY_END) if name == "trifecta_box" else None
        direct = run_backtest(spec.strategy, frame, spec.params, start=HISTORY_START, end=HISTORY_END,
                              staking=spec.staking_plan(), bankroll=spec.bankroll, dividends=dividends)
        stored = _scalar(engine, "SELECT run_id, bets, profit, uses_final_odds, start_date::text, end_date::text "
                                 "FROM marts.backtest_runs WHERE run_name = :n", n=name)
        assert stored[0] == run_id(direct) and stored[1] == len(direct.bets) > 30
        assert float(stored[2]) == pytest.approx(direct.metrics["profit"], abs=0.005)
        assert stored[3] is True and stored[4:] == (HISTORY_START, HISTORY_END)  # final tote odds only
        bets, pnl = _scalar(engine, "SELECT count(*), sum(pnl) FROM marts.backtest_bets WHERE run_name = :n", n=name)
        assert bets == stored[1] and float(pnl) == pytest.approx(float(stored[2]), abs=0.01 * bets)
        days = _scalar(engine, "SELECT count(*) FROM marts.backtest_equity WHERE run_name = :n", n=name)[0]
        assert days == 182  # every calendar day of 2024-01-01..2024-06-30, bet or not


def test_metadata_shows_metrics_and_the_equity_curve(backtests):
    results, _ = backtests
    (event,) = results["favourite_flat"].get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["equity_curve"].value.startswith("![equity curve](data:image/png;base64,iVBOR")
    assert "| roi |" in metadata["metrics"].value and metadata["uses_final_odds"].value is True


def test_comparison_ranks_the_stored_runs(backtests, engine):
    _, comparison = backtests
    (event,) = comparison.get_asset_materialization_events()
    metadata = event.materialization.metadata
    best = _scalar(engine, "SELECT run_name FROM marts.strategy_comparison WHERE run_name = ANY(:r) "
                           "ORDER BY roi DESC LIMIT 1", r=list(RUNS))[0]
    assert metadata["best_by_roi"].value == best and metadata["runs"].value == len(RUNS)
    # the comparison covers racing and exchange runs: every listed one not stored yet is named
    assert set(metadata["missing_runs"].value) == (set(load_run_specs()) | set(load_exchange_specs())) - set(RUNS)
    assert metadata["roi_curves"].value.startswith("![ROI to date per run](data:image/png;base64,iVBOR")
    header = next(line for line in metadata["comparison"].value.splitlines() if line.startswith("| run |"))
    assert "| bets | ROI | ROI 95 % CI | Sharpe | max DD | win rate |" in header and "strategy" not in header
    # the view BI users read carries the CLV column (null here: the synthetic history has no tote boards)
    assert _scalar(engine, "SELECT count(*) FROM marts.strategy_comparison WHERE run_name = ANY(:r) "
                           "AND average_clv IS NULL", r=list(RUNS))[0] == len(RUNS)
