"""Re-scrape cards as post time nears, fetch results after the last race, and rebuild the cards mart after loads.

The decision is ``ingestion.racecards.pipeline.plan_card_refreshes`` (pure, unit-tested on a frozen clock); this
sensor reads first/last post per meeting from the loaded cards in one query and turns the plan into run requests.
Run keys are deterministic (``card:{date}:{track}:{checkpoint}``, ``results:{date}:{track}``), so Dagster never
launches one twice; the cursor keeps the keys already requested so a tick explains what is new.
"""
import json
from datetime import date, datetime, timedelta, timezone

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


@dg.sensor(
    name="race_cards_mart_sensor", job=race_cards_mart_job, default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=interval(30),  # Dagster's default, every daemon loop on a simulated clock
    description="Rebuild marts.race_cards once for every card load that succeeded since its last tick.",
)
def race_cards_mart_sensor(context: dg.SensorEvaluationContext):
    """One rebuild for all the card loads that succeeded since the last tick, not one per load: the morning scrape
    launches a card run per track and day, and each rebuild remakes the same unpartitioned models from every card
    loaded by then. The cursor is the update time of the newest success seen (run storage time, not the simulated
    clock); the first tick starts from then, as a run-status sensor starts from its first tick."""
    records = context.instance.get_run_records(
        filters=dg.RunsFilter(job_name=race_cards_job.name, statuses=[dg.DagsterRunStatus.SUCCESS],
                              updated_after=_cursor_time(context.cursor)),
        limit=1, order_by="update_timestamp", ascending=False)
    if context.cursor is None:
        newest = records[0].update_timestamp.timestamp() if records else datetime.now(timezone.utc).timestamp()
        return dg.SensorResult(skip_reason="started: rebuilds after the next card load", cursor=str(newest))
    if not records:
        return dg.SkipReason("no card load has succeeded since the last rebuild")
    newest = records[0]
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=f"mart:{newest.dagster_run.run_id}")],
                           cursor=str(newest.update_timestamp.timestamp()))


def _cursor_time(cursor: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(cursor), timezone.utc) if cursor else None
    except ValueError:
        return None  # an unreadable cursor: the newest success is rebuilt for, which costs one rebuild at most
