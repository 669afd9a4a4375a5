"""Raw race results: read each configured source for a window of race dates, gate it, publish day by day.

One multi-asset writes the three raw tables because a source yields races, runners and dividends together and the gate
checks them together (a runner whose race was rejected is rejected too). A backfill runs as a single run over the whole
range, while each race date is still written in its own transaction by the loader.
"""
from datetime import timedelta

import dagster as dg

from ingestion.gated_load import load_history_window
from ingestion.schema import RAW_TABLES
from orchestration.defs.history.checks import gate_check_results, gate_check_specs
from orchestration.defs.history.partitions import race_date_partitions
from orchestration.defs.history.resources import HistorySourcesResource
from orchestration.defs.warehouse.resources import WarehouseResource

RAW_DESCRIPTIONS = {
    "races": "One row per race as published by its source, after the quality gate. Grain: (_source, race_id).",
    "runners": "One row per runner per race, after the quality gate. Grain: (_source, race_id, horse_number).",
    "dividends": "Official dividends per pool and combination. Grain: (_source, race_id, pool, combination).",
}


@dg.multi_asset(
    name="historical_results",
    specs=[
        dg.AssetSpec(["raw", table], group_name="history", description=RAW_DESCRIPTIONS[table], kinds={"postgres"})
        for table in RAW_TABLES
    ],
    check_specs=gate_check_specs(),
    partitions_def=race_date_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def historical_results(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, history_sources: HistorySourcesResource
):
    window = context.partition_time_window
    start, end = window.start.date(), (window.end - timedelta(days=1)).date()
    report = load_history_window(
        warehouse.ready_engine(),
        history_sources.build(),
        start,
        end,
        run_id=context.run.run_id,
        quarantine_warnings=history_sources.quarantine_warnings,
        log=context.log.info,
    )
    for table in RAW_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "partition_start": start.isoformat(),
                "partition_end": end.isoformat(),
                "rows_published": dg.MetadataValue.int(report.published(table)),
                "rows_quarantined": dg.MetadataValue.int(report.quarantined(table)),
                "sources": ", ".join(report.sources),
            },
            check_results=gate_check_results(table, report),
        )
