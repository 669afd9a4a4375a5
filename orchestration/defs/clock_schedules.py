"""Schedules that follow the platform's clock: unchanged in production, a cron-checking sensor under a simulated clock.

The daemon fires schedules on the wall clock, so on a simulated race day (``PADDOCK_SIM_CLOCK``, ``ingestion.clock``)
the 06:00 card scrape or the 07:00 history load would never come. ``following_clock(schedule)`` returns the schedule
itself when the clock is real; when it is simulated it returns a sensor of the same name, job, default status and
description that, on each tick, finds the cron times that passed on the simulated clock since its last tick and
evaluates the schedule's own function for each (``build_schedule_context`` with that scheduled time), so run
requests, partitions and tags are exactly the schedule's. Like a schedule, it never replays ticks from before it
started (the first tick only remembers the time), and its run keys are the schedule's or ``<name>:<tick time>``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from ingestion import clock

MINUTE = timedelta(minutes=1)
SCHEDULE_TAG = "dagster/schedule_name"


def _field(spec: str, value: int) -> bool:
    """One cron field (``*``, ``*/n``, ``a``, ``a-b``, comma lists) against a value."""
    for part in spec.split(","):
        base, _, step = part.partition("/")
        low, high = (0, 10**6) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
        if low <= value <= high and (value - (0 if base == "*" else low)) % int(step or 1) == 0:
            return True
    return False


def cron_matches(cron: str, local: datetime) -> bool:
    """Whether minute ``local`` (in the schedule's zone) is a tick of ``cron`` (five fields, Sunday = 0)."""
    minute, hour, day, month, weekday = cron.split()
    return (_field(minute, local.minute) and _field(hour, local.hour) and _field(day, local.day)
            and _field(month, local.month) and _field(weekday, local.isoweekday() % 7))


def ticks_between(cron: str, zone: str, after: datetime, until: datetime) -> list[datetime]:
    """Cron ticks in (after, until], as UTC instants, minute by minute in ``zone`` (a day is 1,440 checks)."""
    tz = ZoneInfo(zone)
    at = after.replace(second=0, microsecond=0) + MINUTE
    out = []
    while at <= until:
        if cron_matches(cron, at.astimezone(tz)):
            out.append(at)
        at += MINUTE
    return out


def following_clock(schedule: dg.ScheduleDefinition) -> dg.ScheduleDefinition | dg.SensorDefinition:
    if clock.simulated() is None:
        return schedule
    zone = schedule.execution_timezone or "UTC"
    running = schedule.default_status == dg.DefaultScheduleStatus.RUNNING

    @dg.sensor(name=schedule.name, job=schedule.job, minimum_interval_seconds=clock.interval(60),
               default_status=dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED,
               description=f"{schedule.description or schedule.name} — cron {schedule.cron_schedule!r} "
                           f"({zone}) on the simulated clock")
    def _on_clock(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = clock.utcnow()
        if not context.cursor:
            return dg.SensorResult(skip_reason=f"started at {now.isoformat()}", cursor=now.isoformat())
        due = ticks_between(schedule.cron_schedule, zone, datetime.fromisoformat(context.cursor), now)
        requests = []
        for tick in due:
            result = schedule.evaluate_tick(
                dg.build_schedule_context(instance=context.instance, scheduled_execution_time=tick,
                                          repository_def=context.repository_def))
            for request in result.run_requests or []:
                key = request.run_key or f"{schedule.name}:{tick.isoformat()}"
                tags = {k: v for k, v in request.tags.items() if k != SCHEDULE_TAG}  # no such schedule is running
                requests.append(request.with_replaced_attrs(run_key=key, tags=tags))
        if not requests:
            return dg.SensorResult(skip_reason=f"no cron tick by {now.isoformat()}", cursor=now.isoformat())
        return dg.SensorResult(run_requests=requests, cursor=now.isoformat())

    return _on_clock
