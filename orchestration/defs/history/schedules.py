"""Jobs and the daily schedule for historical results and everything dbt builds from them."""
import dagster as dg

from ingestion.schema import RAW_TABLES
from orchestration.defs.clock_schedules import following_clock
from orchestration.defs.history.partitions import race_date_partitions

RAW_KEYS = [dg.AssetKey(["raw", table]) for table in RAW_TABLES]

# Raw loads plus every dbt model downstream of them, except other domains' marts that merely read the history (today's
# race cards and the exchange marts, which link markets to fct_races: they are rebuilt after each card or exchange
# load, and their staging views are not part of this job). The dims also resolve race-card entries (README
# "Identity"), so the race-card staging views (plain views over raw.card_*, which ensure_warehouse creates, empty or
# not) are built here too, before the dims: on a fresh database they may not exist yet. Used by the schedule and by `paddock run`.
CARD_STAGING = dg.AssetSelection.assets(
    dg.AssetKey(["staging", "stg_race_cards"]), dg.AssetKey(["staging", "stg_card_runners"]))
history_job = dg.define_asset_job(
    name="history_job",
    selection=(dg.AssetSelection.assets(*RAW_KEYS).downstream()
               - dg.AssetSelection.groups("racecards", "backtests", "exchange")) | CARD_STAGING,
    partitions_def=race_date_partitions,
    description="Load race results for a range of race dates, gate them, and rebuild the marts and stats.",
)

daily_history_schedule = following_clock(dg.build_schedule_from_partitioned_job(
    history_job, hour_of_day=7, default_status=dg.DefaultScheduleStatus.RUNNING
))
