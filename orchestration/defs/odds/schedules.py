"""Jobs and schedules of the odds domain: the polling job (launched by the sensor), scores, and retention."""
import dagster as dg

from ingestion.odds_api.lifecycle import prune_old_snapshots
from orchestration.defs.arbitrage.assets import arbitrage_opportunities, value_bets
from orchestration.defs.automation import ODDS_BACKFILL_KEY
from orchestration.defs.odds.assets import odds_scores, odds_snapshots
from orchestration.defs.clock_schedules import following_clock
from orchestration.defs.warehouse.resources import WarehouseResource

# Launched by the polling sensors with a run config per (sport, tier); also runnable by hand for every sport. The
# poll's own run carries its prices to the signals: the poll, the odds models the signals read (their own dbt
# assets, ``dbt_odds_signal_inputs``), then arbitrage and value bets: one run launch from poll to signal, not three;
# the other odds marts follow by automation. Selected by lineage, not by importing the dbt assets, so the odds
# sensors load without dbt's manifest (a unit test of a sensor needs no dbt parse); the backfill, also a parent of
# the staging views, is never part of a poll.
SIGNALS_AND_INPUTS = (dg.AssetSelection.assets(arbitrage_opportunities, value_bets).upstream()
                      & dg.AssetSelection.groups("odds", "arbitrage")) - dg.AssetSelection.assets(ODDS_BACKFILL_KEY)
odds_job = dg.define_asset_job(
    name="odds_job",
    selection=SIGNALS_AND_INPUTS | dg.AssetSelection.assets(odds_snapshots),
    description="Fetch odds for the due events of one sport and tier, store snapshots + normalized odds, and refresh "
                "the odds facts and the arbitrage / value signals from them.",
)

odds_scores_job = dg.define_asset_job(
    name="odds_scores_job", selection=dg.AssetSelection.assets(odds_scores),
    description="Mark events live/final with their scores (and vanished ones cancelled) so polling stops at the start.",
)

# A sweep every 6 hours catches postponements and cancellations; while games are on, odds_scores_sensor settles
# just the sports that have started events every 30 minutes (a /scores call costs 2 credits per sport).
odds_scores_schedule = following_clock(dg.ScheduleDefinition(
    name="odds_scores_schedule", job=odds_scores_job, cron_schedule="0 */6 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
))


class PruneOddsConfig(dg.Config):
    older_than_days: int = 30


@dg.op(description="Delete raw odds snapshots (and their normalized odds) older than the retention window.")
def prune_odds(context: dg.OpExecutionContext, config: PruneOddsConfig, warehouse: WarehouseResource):
    report = prune_old_snapshots(warehouse.ready_engine(), config.older_than_days)
    context.log.info(f"pruned {report['odds_snapshots']} snapshot(s) and {report['odds']} odds row(s) "
                     f"older than {report['cutoff']}")
    context.add_output_metadata({
        "odds_snapshots_deleted": dg.MetadataValue.int(report["odds_snapshots"]),
        "odds_deleted": dg.MetadataValue.int(report["odds"]), "cutoff": report["cutoff"],
    })
    return report


@dg.job(description="Retention: raw snapshots are an audit trail, not history; the marts keep what matters.")
def prune_odds_job():
    prune_odds()


prune_odds_schedule = following_clock(dg.ScheduleDefinition(
    name="prune_odds_schedule", job=prune_odds_job, cron_schedule="15 4 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
))
