"""Backtests as assets: ``backtest`` (one partition per named run) and ``strategy_comparison`` over all of them.

The engine, strategies and storage are in ``backtests/`` (no Dagster); this module picks the run from the partition
key, loads the history window from the marts, and shows the result: a metrics table and the equity curve in the
materialization's metadata, the rows in marts.backtest_runs / backtest_bets / backtest_equity. The comparison shows
its table and every run's ROI to date as one inline image (no link to follow).
"""
import dagster as dg

from backtests import report
from backtests.engine import run_backtest
from backtests.frames import load_dividends, load_runners
from backtests.store import create_comparison_view, read_daily_bets, read_runs, write_run
from backtests.strategies import get_strategy
from orchestration.defs.backtests.partitions import RUN_SPECS, strategy_partitions
from orchestration.defs.exchange.backtests import EXCHANGE_BACKTEST_KEY, EXCHANGE_RUN_SPECS
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock import settings

# every backtest partition reads the whole history: all race-date partitions of the facts, not "the same key"
MARTS = [dg.AssetDep(dg.AssetKey(["marts", table]), partition_mapping=dg.AllPartitionMapping())
         for table in ("fct_runners", "fct_races")]


class BacktestWindow(dg.Config):
    """Dates to test over (ISO); empty means the platform's history window."""

    start: str = ""
    end: str = ""


@dg.asset(
    key=["marts", "backtest"], partitions_def=strategy_partitions, deps=MARTS, group_name="backtests",
    kinds={"python", "postgres"},
    description="One backtest per named run of backtests/strategies.yaml, decided without look-ahead on the marts' "
                "history; rows in marts.backtest_runs / backtest_bets / backtest_equity (keyed by run_name).",
)
def backtest(context: dg.AssetExecutionContext, config: BacktestWindow,
             warehouse: WarehouseResource) -> dg.MaterializeResult:
    spec = RUN_SPECS[context.partition_key]
    start = config.start or settings.history_start().isoformat()
    end = config.end or settings.history_end().isoformat()
    engine = warehouse.ready_engine()
    context.log.info(f"{spec.name}: loading runners {start}..{end}")
    frame = load_runners(engine, start, end)
    if frame.empty:
        raise dg.Failure(description=f"no runners in marts.fct_runners between {start} and {end}: "
                                     "materialize the history partitions first")
    context.log.info(f"{spec.name}: {len(frame):,} runners; running {spec.strategy} {spec.params}")
    strategy = get_strategy(spec.strategy, spec.params)
    dividends = load_dividends(engine, start, end) if strategy.needs_dividends else None
    result = run_backtest(strategy, frame, start=start, end=end, staking=spec.staking_plan(), bankroll=spec.bankroll,
                          dividends=dividends)
    written = write_run(engine, spec.name, result, replace=True)  # the partition owns its name
    m = result.metrics
    png = report.equity_png(result.daily, f"{spec.name}: equity")
    return dg.MaterializeResult(metadata={
        "strategy": spec.strategy, "params": dg.MetadataValue.json(spec.params),
        "window": f"{result.start}..{result.end}", "uses_final_odds": result.uses_final_odds,
        "bets": dg.MetadataValue.int(int(m["bets"])), "rows_written": dg.MetadataValue.json(written),
        "roi": dg.MetadataValue.float(_finite(m["roi"])), "sharpe": dg.MetadataValue.float(_finite(m["sharpe"])),
        "max_drawdown": dg.MetadataValue.float(_finite(m["max_drawdown"])),
        "metrics": dg.MetadataValue.md(report.metrics_markdown(m, result.uses_final_odds)),
        "equity_curve": dg.MetadataValue.md(report.png_markdown(png)),
    })


def _finite(value: float) -> float:
    return float(value) if value == value and abs(value) != float("inf") else 0.0


@dg.asset(
    key=["marts", "strategy_comparison"], deps=[backtest, EXCHANGE_BACKTEST_KEY], group_name="backtests",
    kinds={"python", "postgres"},
    description="Every stored backtest run, racing and exchange, side by side (marts.strategy_comparison view over "
                "backtest_runs): best by ROI, by Sharpe and by drawdown, with a one-line verdict.",
)
def strategy_comparison(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    engine = warehouse.ready_engine()
    names = [*RUN_SPECS, *EXCHANGE_RUN_SPECS]
    runs = read_runs(engine, names)
    table = report.comparison(runs)
    create_comparison_view(engine)
    verdict = report.verdict(table)
    missing = sorted(set(names) - set(table["run_name"]))
    if missing:
        context.log.warning(f"no stored run yet for: {', '.join(missing)}")
    daily = read_daily_bets(engine, list(table["run_name"]))
    curves = {"roi_curves": dg.MetadataValue.md(report.png_markdown(
        report.comparison_png(report.roi_to_date(daily)), "ROI to date per run"))} if len(daily) else {}
    return dg.MaterializeResult(metadata={
        **{k: dg.MetadataValue.text(v) for k, v in verdict.items()},
        "runs": dg.MetadataValue.int(len(table)), "missing_runs": dg.MetadataValue.json(missing),
        "comparison": dg.MetadataValue.md(report.comparison_markdown(table)), **curves,
    })
