"""Raw exchange history: the Betfair stream files of the landing folder, read, gated and published per market date.

One multi-asset writes the three raw tables because a market's runners and price snapshots come from the same replay
and are gated with it (runners and prices of a rejected market are rejected too). Reading, gating and writing are plain
Python (``ingestion.exchange.loading``, the same load ``paddock exchange load`` runs); this asset picks the files that
cover the partition's dates and reports what the gate did. A file that cannot be read does not fail the run: the other
files load, and the ``exchange_files_read`` check turns red naming the file and line.
"""
from datetime import date, timedelta

import dagster as dg

from ingestion.exchange.landing import files_covering
from ingestion.exchange.loading import load_exchange_files
from ingestion.exchange.schema import EXCHANGE_TABLES
from orchestration.defs.exchange.checks import FILES_CHECK, MARKETS_KEY, gate_check_results, gate_check_specs
from orchestration.defs.exchange.partitions import market_date_partitions
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import exchange_dir

RAW_DESCRIPTIONS = {
    "exchange_markets": "One row per Betfair market (definition, settlement, total matched). Grain: market_id.",
    "exchange_runners": "One row per runner of a market: final status, BSP, adjustment factor, last traded price "
                        "before the off. Grain: (market_id, selection_id).",
    "exchange_prices": "Best three back and lay levels, last traded price, traded volume and projected BSP per runner "
                       "at scheduled offsets from the off, the last pre-off book and an in-play summary. Grain: "
                       "(market_id, selection_id, snapshot_kind, snapshot_at).",
}


def _dates(context: dg.AssetExecutionContext) -> list[date]:
    window = context.partition_time_window
    day, last = window.start.date(), (window.end - timedelta(days=1)).date()
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


@dg.multi_asset(
    name="exchange_history",
    specs=[dg.AssetSpec(["raw", table], group_name="exchange", description=RAW_DESCRIPTIONS[table],
                        kinds={"python", "postgres"}) for table in EXCHANGE_TABLES],
    check_specs=gate_check_specs(),
    partitions_def=market_date_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def exchange_history(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    days = _dates(context)
    folder = exchange_dir()
    paths = files_covering(folder, days)
    context.log.info(f"{len(paths)} file(s) in {folder} cover {days[0]} .. {days[-1]}")
    load = load_exchange_files(warehouse.ready_engine(), paths, run_id=context.run.run_id, dates=days)
    for error in load.errors:
        context.log.error(str(error))
    report = load.report
    context.log.info(report.describe())
    for table in EXCHANGE_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "partition_start": days[0].isoformat(), "partition_end": days[-1].isoformat(),
                "files": dg.MetadataValue.int(len(paths)),
                "rows_published": dg.MetadataValue.int(report.published(table)),
                "rows_quarantined": dg.MetadataValue.int(report.quarantined(table)),
            },
            check_results=gate_check_results(table, report),
        )
    yield dg.AssetCheckResult(
        asset_key=MARKETS_KEY, check_name=FILES_CHECK, passed=not load.errors,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"files": dg.MetadataValue.int(len(paths)), "markets_read": dg.MetadataValue.int(load.markets_read),
                  "unreadable": dg.MetadataValue.json([str(e) for e in load.errors][:20])},
    )
