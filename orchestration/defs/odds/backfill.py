"""The historical odds backfill as a Dagster asset: ``paddock odds backfill execute`` for one day, from the UI.

A thin wrapper over :func:`ingestion.odds_api.backfill.execute_backfill` (planning stays with the CLI, which prices
a plan and refuses it before a credit is spent). Partitioned by the **UTC day of the snapshot times**, not by game
date: one historical /odds call serves every planned game at that moment, and games on adjacent dates share
moments (an evening game's opening snapshot is the morning of another's closing day), so a per-game-date partition
would pay for the same call twice or leave it to whichever partition ran first. A partition makes the pending calls
of its day and nothing else; a done call is never pending again, so re-materializing a day spends no credit.

Not selected by any job or sensor and without an automation condition: it spends credits only when someone
launches it (a UI backfill over the days ``paddock odds backfill status`` lists as pending). The prices land in
raw.odds_snapshots / raw.odds; the odds staging models depend on this asset as on the live poll, so the automation
sensor rebuilds the odds marts after each backfilled day (``orchestration.defs.automation``).
"""
from datetime import date

import dagster as dg

from ingestion.odds_api.backfill import execute_backfill
from orchestration.defs.odds.resources import OddsApiResource
from orchestration.defs.warehouse.resources import WarehouseResource

# The Odds API's historical archive starts on 2020-06-06; today is open so a plan ending today can run too.
snapshot_day_partitions = dg.DailyPartitionsDefinition(start_date="2020-06-06", end_offset=1)


@dg.asset(
    key=["ops", "odds_backfill"], group_name="odds", kinds={"postgres"}, partitions_def=snapshot_day_partitions,
    description="The planned historical snapshots of one UTC day (ops.odds_backfill_snapshots), fetched from the "
                "historical /odds endpoint and stored through the live poll's gate into raw.odds_snapshots and "
                "raw.odds. Plan first: `paddock odds backfill plan`.",
)
def odds_backfill(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  odds_api: OddsApiResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    engine = warehouse.ready_engine()
    client = odds_api.client(engine)
    try:
        report = execute_backfill(engine, client, day=day, log=context.log.info)
    finally:
        client.close()
    metadata = {
        "calls": dg.MetadataValue.int(report.calls), "credits_spent": dg.MetadataValue.int(report.credits),
        "snapshots_stored": dg.MetadataValue.int(report.stored["odds_snapshots"]),
        "odds_stored": dg.MetadataValue.int(report.stored["odds"]),
        "quarantined_odds": dg.MetadataValue.int(report.stored["quarantined_odds"]),
        "missing_games": dg.MetadataValue.int(report.missing), "rejected_games": dg.MetadataValue.int(report.rejected),
        "calls_pending": dg.MetadataValue.int(report.left),
    }
    if report.error:  # what was stored stays stored and marked done; the refused call and the rest stay pending
        raise dg.Failure(description=f"{day}: stopped after {report.describe()}", metadata=metadata)
    context.log.info(f"{day}: {report.describe()}")
    return dg.MaterializeResult(metadata=metadata)
