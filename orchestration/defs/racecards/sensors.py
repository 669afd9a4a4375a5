"""Re-scrape cards as post time nears, fetch results after the last race, and rebuild the cards mart after loads.

The decision is ``ingestion.racecards.pipeline.plan_card_refreshes`` (pure, unit-tested on a frozen clock); this
sensor reads first/last post per meeting from the loaded cards in one query and turns the plan into run requests.
Run keys are deterministic (``card:{date}:{track}:{checkpoint}``, ``results:{date}:{track}``), so Dagster never
launches one twice; the cursor keeps the keys already requested so a tick explains what is new.
"""
import json
from datetime import date, datetime, timedelta

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from ingestion.racecards.pipeline import meeting_posts, plan_card_refreshes
from orchestration.defs.racecards.partitions import configured_tracks, partition_key
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.racecards.schedules import race_cards_job, race_cards_mart_job, race_results_job
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time

JOBS = {"card": race_cards_job, "results": race_results_job}
CURSOR_DAYS = 3  # keys of meetings older than this are dropped from the cursor


def read_cursor(raw: str | None) -> set[str]:
    try:
        return set(json.loads(raw or "{}").get("requested", []))
    except (ValueError, AttributeError, TypeError):
        return set()  # an unreadable cursor only costs re-sending keys Dagster deduplicates anyway


def write_cursor(now: datetime, requested: set[str]) -> str:
    oldest = (now.date() - timedelta(days=CURSOR_DAYS)).isoformat()
    keep = sorted(k for k in requested if k.split(":")[1] >= oldest)
    return json.dumps({"evaluated_at": now.isoformat(), "requested": keep})


@dg.sensor(
    name="race_card_refresh_sensor", jobs=[race_cards_job, race_results_job], minimum_interval_seconds=interval(60),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-scrape each card at T-6h, T-1h and T-10m before first post; fetch results 15 min after the last.",
)
def race_card_refresh_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                             racecard_site: RaceCardSiteResource) -> dg.SensorResult:
    now = utcnow()
    engine = warehouse.ready_engine()
    today = now.date()
    # UTC yesterday too: a Pacific meeting's last race goes off after midnight UTC
    days: list[date] = [today - timedelta(days=1), today, today + timedelta(days=1)]
    tracks = set(configured_tracks())
    rows = [r for r in meeting_posts(engine, racecard_site.site, days) if r.track in tracks]
    requested = read_cursor(context.cursor)
    plan = plan_card_refreshes(rows, now, requested)
    runs = [dg.RunRequest(run_key=r.run_key, job_name=JOBS[r.kind].name,
                          partition_key=partition_key(r.race_date, r.track), tags={"checkpoint": r.checkpoint})
            for r in plan]
    cursor = write_cursor(now, requested | {r.run_key for r in plan})
    if runs:
        return dg.SensorResult(run_requests=runs, cursor=cursor)
    return dg.SensorResult(skip_reason=f"nothing due for {len(rows)} meeting(s)", cursor=cursor)


@dg.run_status_sensor(
    name="race_cards_mart_sensor", run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[race_cards_job],
    request_job=race_cards_mart_job, default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=interval(30),  # Dagster's default, every daemon loop on a simulated clock
    description="Rebuild marts.race_cards after each successful card load.",
)
def race_cards_mart_sensor(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=f"mart:{context.dagster_run.run_id}")
