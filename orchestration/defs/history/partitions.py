"""Race-date partitions shared by the raw loads and the incremental dbt models, so one backfill drives both."""
import dagster as dg

from paddock import settings

race_date_partitions = dg.DailyPartitionsDefinition(start_date=settings.history_start().isoformat())
