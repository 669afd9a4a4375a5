"""Exchange backtests as assets: ``exchange_backtest``, one partition per named exchange run of the run list.

The replay itself is plain Python (``backtests.exchange``); this asset picks the landed stream files covering the
window (``PADDOCK_EXCHANGE_DIR``, the folder the exchange history is loaded from), hands their merged messages to
the run, stores it beside the racing runs (``marts.backtest_*``, market ``exchange``, plus
``marts.exchange_backtest_markets``) and shows its metrics, equity curve and per-market P&L before and after
commission in the materialization. It depends on the raw exchange markets for lineage: the files it replays are the
ones that load feeds on.
"""
from datetime import date

import dagster as dg

from backtests import report
from backtests.exchange.runs import load_exchange_specs, run_exchange_spec
from backtests.exchange.store import write_exchange_run
from ingestion.exchange.landing import files_in_window, landed_files
from ingestion.exchange.messages import market_base_rates, merged_messages
from orchestration.defs.exchange.checks import MARKETS_KEY
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import exchange_dir

EXCHANGE_RUN_SPECS = load_exchange_specs()
exchange_run_partitions = dg.StaticPartitionsDefinition(list(EXCHANGE_RUN_SPECS))
EXCHANGE_BACKTEST_KEY = dg.AssetKey(["marts", "exchange_backtest"])


class ExchangeWindow(dg.Config):
    """Market dates to replay (ISO, UTC day of the off); empty means every date the landing folder holds."""

    start: str = ""
    end: str = ""


def _window(config: ExchangeWindow) -> tuple[list, date, date]:
    folder = exchange_dir()
    start = date.fromisoformat(config.start) if config.start else None
    end = date.fromisoformat(config.end) if config.end else None
    paths, first, last = files_in_window(landed_files(folder), start, end)
    if not paths:
        raise dg.Failure(description=f"no Betfair stream files for market dates {first}..{last} in {folder}: "
                                     "land some there (or run `paddock run` for the demo week)")
    return paths, first, last


@dg.asset(
    key=EXCHANGE_BACKTEST_KEY, partitions_def=exchange_run_partitions, group_name="backtests",
    deps=[dg.AssetDep(MARKETS_KEY, partition_mapping=dg.AllPartitionMapping())], kinds={"python", "postgres"},
    description="One exchange backtest per named run of backtests/strategies.yaml (exchange_runs): the landed Betfair "
                "markets replayed update by update, orders filled against the recorded books, settled with commission "
                "on each market's net winnings; rows in marts.backtest_* and marts.exchange_backtest_markets.",
)
def exchange_backtest(context: dg.AssetExecutionContext, config: ExchangeWindow,
                      warehouse: WarehouseResource) -> dg.MaterializeResult:
    spec = EXCHANGE_RUN_SPECS[context.partition_key]
    paths, first, last = _window(config)
    context.log.info(f"{spec.name}: replaying {len(paths)} stream files, market dates {first}..{last}")
    result, markets, replay = run_exchange_spec(spec, merged_messages(paths), market_base_rates(paths), first, last)
    written = write_exchange_run(warehouse.ready_engine(), spec.name, result, markets, replace=True)
    requested = sum(row["requested_size"] for row in markets)
    matched = sum(row["matched_size"] for row in markets)
    gross = sum(row["gross_profit"] or 0 for row in markets)
    net = sum(row["net_profit"] or 0 for row in markets)
    m = result.metrics
    png = report.equity_png(result.daily, f"{spec.name}: equity")
    return dg.MaterializeResult(metadata={
        "strategy": spec.strategy, "params": dg.MetadataValue.json(spec.params), "window": f"{first}..{last}",
        "markets": dg.MetadataValue.int(len(replay.markets)), "orders": dg.MetadataValue.int(len(replay.orders)),
        "bets": dg.MetadataValue.int(int(m["bets"])), "rows_written": dg.MetadataValue.json(written),
        "fill_rate": dg.MetadataValue.float(float(matched / requested) if requested else 0.0),
        "profit_before_commission": dg.MetadataValue.float(float(gross)),
        "profit_after_commission": dg.MetadataValue.float(float(net)),
        "unsettled_markets": dg.MetadataValue.json(replay.unsettled),
        "metrics": dg.MetadataValue.md(report.metrics_markdown(m)),
        "equity_curve": dg.MetadataValue.md(report.png_markdown(png)),
    })


exchange_backtest_job = dg.define_asset_job(
    name="exchange_backtest_job", selection=[exchange_backtest], partitions_def=exchange_run_partitions,
    description="Replay the landed Betfair markets through one named exchange run (or a backfill of all of them).",
)
