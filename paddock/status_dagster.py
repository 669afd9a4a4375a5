"""The Dagster instance's side of ``paddock status``: job runs and sensor/schedule ticks, read from run and tick storage.

Kept apart from the warehouse checks in ``paddock.status`` (which re-exports these names) because it is the half that
talks to Dagster: a failing sensor is a pipeline problem even when every table looks fresh.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

WINDOW = timedelta(hours=24)
FAILING_STREAK = 3  # failed ticks in the window that make a sensor unreliable even if its latest tick passed


@dataclass(frozen=True)
class JobHealth:
    job: str
    runs_24h: int
    failed_24h: int
    last_success: datetime | None
    last_failure: datetime | None


@dataclass(frozen=True)
class InstigatorHealth:
    name: str
    kind: str  # sensor | schedule
    status: str  # RUNNING | STOPPED
    last_tick: datetime | None
    last_tick_status: str | None
    failed_ticks_24h: int = 0
    last_error: str | None = None  # first line of the latest failed tick's error

    @property
    def failing(self) -> bool:
        """Its latest tick failed, or it failed often enough in the window to be unreliable."""
        return self.last_tick_status == "FAILURE" or self.failed_ticks_24h >= FAILING_STREAK


def _ts(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, timezone.utc)


def job_health(instance, now: datetime) -> list[JobHealth]:
    """Per job: runs started in the last 24 h, how many failed, and the last success and failure ever."""
    import dagster as dg

    done = {dg.DagsterRunStatus.SUCCESS: "success", dg.DagsterRunStatus.FAILURE: "failure"}
    jobs: dict[str, dict] = {}
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=list(done))):
        job = jobs.setdefault(record.dagster_run.job_name, {"success": None, "failure": None})
        kind = done[record.dagster_run.status]
        at = record.end_time or record.update_timestamp.timestamp()
        if job[kind] is None or at > job[kind]:
            job[kind] = at
    recent: dict[str, list[bool]] = {}
    for record in instance.get_run_records(filters=dg.RunsFilter(created_after=now - WINDOW)):
        recent.setdefault(record.dagster_run.job_name, []).append(
            record.dagster_run.status == dg.DagsterRunStatus.FAILURE)
    return [JobHealth(name, len(recent.get(name, [])), sum(recent.get(name, [])),
                      _ts(jobs.get(name, {}).get("success")), _ts(jobs.get(name, {}).get("failure")))
            for name in sorted(set(jobs) | set(recent))]


def instigator_health(instance, definitions, now: datetime | None = None) -> list[InstigatorHealth]:
    """Every sensor and schedule in code with its effective state (a stored toggle wins over the code default), its
    latest tick and its failed ticks in the last 24 h, read from the instance's tick storage."""
    since = (now or datetime.now(timezone.utc)) - WINDOW
    stored = {state.instigator_name: state for state in instance.all_instigator_state()}
    declared = [(s.name, "sensor", s.default_status.value) for s in definitions.sensors or ()]
    declared += [(s.name, "schedule", s.default_status.value) for s in definitions.schedules or ()]
    rows = []
    for name, kind, default in sorted(declared):
        state = stored.get(name)
        status = default if state is None or state.status.value == "DECLARED_IN_CODE" else state.status.value
        tick, failed = None, []
        if state is not None:
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
            tick = ticks[0] if ticks else None
            failed = [t for t in instance.get_ticks(state.instigator_origin_id, state.selector_id,
                                                    after=since.timestamp())
                      if t.status.value == "FAILURE"]
        error = None
        if tick is not None and tick.status.value == "FAILURE" and tick.error is not None:
            error = (tick.error.message or "").strip().splitlines()[0][:300] if tick.error.message else None
        rows.append(InstigatorHealth(name, kind, status, _ts(tick.timestamp) if tick else None,
                                     tick.status.value if tick else None, len(failed), error))
    return rows
