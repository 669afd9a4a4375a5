"""Jobs of the race-card domain and the 06:00 track-local morning scrape.

Cron has one time zone per schedule, so there is one schedule per zone among the configured tracks, each asking for
today's and tomorrow's card of its tracks. Run keys are the meeting plus "06h", so a tick evaluated twice launches
each card once.
"""
from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.racecards.checks import CARD_KEYS, RESULTS_KEY
from orchestration.defs.clock_schedules import following_clock
from orchestration.defs.racecards.partitions import (
    configured_tracks, partition_key, race_card_partitions, track_timezone,
)

CARD_SELECTION = dg.AssetSelection.assets(*CARD_KEYS.values())

race_cards_job = dg.define_asset_job(
    name="race_cards_job", selection=CARD_SELECTION,
    description="Scrape, gate and load one meeting's race card (date x track).",
)
race_results_job = dg.define_asset_job(
    name="race_results_job", selection=dg.AssetSelection.assets(RESULTS_KEY),
    description="Scrape, gate and load one meeting's results into the raw results tables.",
)
# The dbt models over the cards are unpartitioned (one "today's races" table), so they are rebuilt after a card
# load succeeds (race_cards_mart_sensor) rather than inside each of the many per-meeting card runs. The dims read the
# cards too (new names get rows before they have results, README "Identity") and are rebuilt here; the stats
# downstream of the dims only count results, so they stay with the history job.
# The dims also read the history's staging views (stg_races, stg_runners): plain views over raw tables that
# ensure_warehouse creates, built here too so a warehouse whose history has not been loaded yet can still take the
# morning's cards (the history job builds the card staging views for the same reason).
HISTORY_STAGING = dg.AssetSelection.assets(*(dg.AssetKey(["staging", f"stg_{t}"]) for t in ("races", "runners")))
race_cards_mart_job = dg.define_asset_job(
    name="race_cards_mart_job",
    selection=(CARD_SELECTION.downstream() - CARD_SELECTION - dg.AssetSelection.groups("stats")) | HISTORY_STAGING,
    description="Rebuild the dbt staging views, the dims' card-only rows and marts.race_cards from the loaded cards.",
)


def tracks_by_zone(tracks: list[str]) -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for track in tracks:
        zones.setdefault(track_timezone(track), []).append(track)
    return zones


def morning_schedule(zone: str, tracks: list[str]) -> dg.ScheduleDefinition | dg.SensorDefinition:
    name = "race_cards_morning_" + zone.lower().replace("/", "_")

    @dg.schedule(name=name, cron_schedule="0 6 * * *", execution_timezone=zone, job=race_cards_job,
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"06:00 {zone}: today's and tomorrow's cards for {', '.join(tracks)}.")
    def _schedule(context: dg.ScheduleEvaluationContext):
        today = context.scheduled_execution_time.astimezone(ZoneInfo(zone)).date()
        for day in (today, today + timedelta(days=1)):
            for track in tracks:
                yield dg.RunRequest(run_key=f"card:{day.isoformat()}:{track}:06h",
                                    partition_key=partition_key(day, track), tags={"checkpoint": "06h"})

    return following_clock(_schedule)


@dg.definitions
def schedules() -> dg.Definitions:
    mornings = [morning_schedule(zone, tracks) for zone, tracks in tracks_by_zone(configured_tracks()).items()]
    return dg.Definitions(
        schedules=[s for s in mornings if isinstance(s, dg.ScheduleDefinition)],
        sensors=[s for s in mornings if isinstance(s, dg.SensorDefinition)],
    )
