"""Sports backtests on recorded bookmaker snapshots as an asset: ``odds_backtest``, one partition per ``odds_runs``
entry of the run list (``backtests.odds_runs``).

The decisions read every book's prices through ``backtests.odds_at`` (polled and backfilled snapshots alike), so the
asset depends on ``marts/fct_odds`` for lineage. It has no automation condition and no schedule, sensor or
``paddock run`` step launches it: its runs need history someone backfilled (credits) and final scores, so it runs
when launched from the UI (or as ``paddock backtest run --strategy <odds run>``), stored beside the racing and
exchange runs in ``marts.backtest_*`` with the average closing-line value in its metadata.
"""
from datetime import date

import dagster as dg

from backtests import report
from backtests.odds_runs import load_odds_specs, run_odds_spec
from backtests.store import write_run
from orchestration.defs.warehouse.resources import WarehouseResource

ODDS_RUN_SPECS = load_odds_specs()
odds_run_partitions = dg.StaticPartitionsDefinition(list(ODDS_RUN_SPECS))
ODDS_BACKTEST_KEY = dg.AssetKey(["marts", "odds_backtest"])


class OddsWindow(dg.Config):
    """Start dates of the events to test over (ISO, UTC); empty means every settled event of the run's sports."""

    start: str = ""
    end: str = ""


@dg.asset(
    key=ODDS_BACKTEST_KEY, partitions_def=odds_run_partitions, deps=[dg.AssetKey(["marts", "fct_odds"])],
    group_name="backtests", kinds={"python", "postgres"},
    description="One sports backtest per named run of backtests/strategies.yaml (odds_runs) on recorded bookmaker "
                "snapshots: every book's prices as of the decision time, settled on final scores, with closing-line "
                "value per bet; rows in marts.backtest_runs / backtest_bets / backtest_equity.",
)
def odds_backtest(context: dg.AssetExecutionContext, config: OddsWindow,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    spec = ODDS_RUN_SPECS[context.partition_key]
    start = date.fromisoformat(config.start) if config.start else None
    end = date.fromisoformat(config.end) if config.end else None
    engine = warehouse.ready_engine()
    context.log.info(f"{spec.name}: {spec.run.strategy} on {', '.join(spec.sports)}, {start or 'all'}..{end or 'all'}")
    try:
        result = run_odds_spec(engine, spec, start, end)
    except ValueError as exc:
        raise dg.Failure(description=str(exc)) from None
    written = write_run(engine, spec.name, result, replace=True)  # the partition owns its name
    m = result.metrics
    clv = m["average_clv"]
    return dg.MaterializeResult(metadata={
        "strategy": spec.run.strategy, "params": dg.MetadataValue.json(spec.run.params),
        "sports": dg.MetadataValue.json(list(spec.sports)), "window": f"{result.start}..{result.end}",
        "bets": dg.MetadataValue.int(int(m["bets"])), "rows_written": dg.MetadataValue.json(written),
        "bets_with_closing_line": dg.MetadataValue.int(int(result.bets["closing_odds"].notna().sum())),
        "average_clv": dg.MetadataValue.float(float(clv) if clv == clv else 0.0),
        "metrics": dg.MetadataValue.md(report.metrics_markdown(m)),
        "equity_curve": dg.MetadataValue.md(report.png_markdown(report.equity_png(result.daily,
                                                                                  f"{spec.name}: equity"))),
    })


odds_backtest_job = dg.define_asset_job(
    name="odds_backtest_job", selection=[odds_backtest], partitions_def=odds_run_partitions,
    description="Run one named sports backtest on the recorded bookmaker snapshots (a partition of marts/odds_backtest).",
)
