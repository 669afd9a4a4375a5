"""The simulated race day's hold on time: the simulated clock it moves, and Dagster's records it checks as it waits.

Separate from ``tests/integration/test_operating_day.py`` (the day itself, its moments and assertions) because these
are about how a test drives and watches a live deployment on a simulated clock, whatever day it lives through.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from ingestion import clock
from ingestion.clock import Segment, SimClock
from paddock.environ import open_instance
from tests.deployment import run_seconds, run_timeline, step_seconds, wait_until

POLL_S = 2.0  # how often a hold looks at Dagster's records (each look reads every run and every failed tick)
ACTIVE = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}  # a run's statuses before it ends


def dagster_records(deployment, finished: bool = False) -> tuple[list, dict[str, list]]:
    """Every run, and per sensor/schedule its failed ticks (once ``finished``: every tick), from the instance's own
    storage. One instance for the whole day (``deployment["instance"]``, opened on first use): a new one every few
    seconds opened new connections, and reading every tick of a day that ticks a dozen sensors every daemon loop
    grew with each check."""
    from dagster._core.scheduler.instigation import TickStatus  # not in dagster's public API

    if "instance" not in deployment:
        deployment["instance"] = open_instance(deployment["home"], deployment["env"])
    instance = deployment["instance"]
    records = instance.get_run_records()
    runs = [r.dagster_run for r in records]
    statuses = None if finished else [TickStatus.FAILURE]
    ticks = {state.instigator_name: instance.get_ticks(state.instigator_origin_id, state.selector_id,
                                                       limit=100_000, statuses=statuses)
             for state in instance.all_instigator_state()}
    if finished:
        deployment["run_seconds"] = run_seconds(records)
        deployment["step_seconds"] = step_seconds(instance, records)
        deployment["timeline"] = run_timeline(records, deployment.setdefault("marks", []))
    return runs, ticks


def assert_nothing_failed(deployment, finished: bool = False) -> tuple[list, dict[str, list]]:
    """Dagster's records so far, failing on any failed tick or run (at the end: any run that did not succeed)."""
    import dagster as dg

    runs, ticks = dagster_records(deployment, finished)
    failed_ticks = {name: [t.error.message.splitlines()[0] if t.error else "?" for t in items
                           if t.status.value == "FAILURE"] for name, items in ticks.items()}
    bad = ({dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED} if not finished
           else set(dg.DagsterRunStatus) - {dg.DagsterRunStatus.SUCCESS})
    failed_runs = [(r.job_name, r.run_id, dict(r.tags)) for r in runs if r.status in bad]
    assert {k: v for k, v in failed_ticks.items() if v} == {}
    assert failed_runs == []
    return runs, ticks


def every_instigator_ticked_since(deployment, since: float) -> bool:
    """Whether every sensor and schedule that is on (and each of ``deployment["instigators"]``) has finished a tick
    that started after ``since`` (epoch s): a tick that began once the last run had ended saw everything that run
    wrote, and asked for nothing (or a run would be queued)."""
    from dagster._core.scheduler.instigation import InstigatorStatus, TickStatus  # not in dagster's public API

    instance = deployment["instance"]
    states = instance.all_instigator_state()
    if not set(deployment.get("instigators", ())) <= {state.instigator_name for state in states}:
        return False  # one has not ticked yet: the daemon stores a sensor's state at its first tick
    for state in states:
        if state.status == InstigatorStatus.STOPPED:
            continue
        latest = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
        if not latest or latest[0].timestamp <= since or latest[0].status == TickStatus.STARTED:
            return False
    return True


def busy(deployment) -> bool:
    """Whether a run is queued or in progress (a count in the run storage, nothing else read)."""
    import dagster as dg

    statuses = [dg.DagsterRunStatus(status) for status in ACTIVE]
    return deployment["instance"].get_runs_count(filters=dg.RunsFilter(statuses=statuses)) > 0


def hold_until_quiet(deployment, what: str, timeout: float = 1200) -> None:
    """Wait until the deployment is quiet: no run queued or in progress, and every sensor, schedule and automation
    rule that is on has looked at the day since the last run ended and asked for nothing. Exact rather than timed: a
    fixed quiet spell had to outlast the slowest daemon loop, and cost that long at every moment. Checks Dagster's
    records (failed ticks and runs) as it goes."""
    deadline, idle_since = time.monotonic() + timeout, None
    while True:
        assert_nothing_failed(deployment)
        idle_since = None if busy(deployment) else (idle_since or time.time())
        # runs read again after the ticks: a tick that asked for a run finished after queueing it
        if idle_since is not None and every_instigator_ticked_since(deployment, idle_since) and not busy(deployment):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: runs still queued or running after {timeout:.0f} s\n"
                        f"{deployment['log'].read_text(errors='replace')[-3000:]}")
        time.sleep(POLL_S)


def travel(deployment, sim_to: datetime, hold_speed: float = 0.0) -> SimClock:
    """Move the clock to ``sim_to`` in one step, then run it at ``hold_speed`` (0: held). A jump, not a fast run
    through the hours between: sensors then see the day at its moments only, as the moments are what the test
    proves, and not the few ticks a fast run let fall between them (at 1,800x every daemon loop was hours of the day,
    and each such tick asked for polls and rebuilds nobody waited on)."""
    moved = SimClock(time.time(), (Segment(sim_to.astimezone(timezone.utc), hold_speed),))
    clock.write(deployment["clock_file"], moved)
    return moved


def wait_for_final_tote(deployment, moved: SimClock, timeout: float = 600) -> None:
    """Let the clock run (``moved`` holds at 1x) until the tote sensor has launched a racing_final poll, then stop
    it there."""
    wait_until("a racing_final tote poll", lambda: any(
        r.job_name == "odds_job" and r.tags.get("tier") == "racing_final"
        for r in assert_nothing_failed(deployment)[0]), timeout, [deployment["log"]])
    now = time.time()
    clock.write(deployment["clock_file"], SimClock(now, (Segment(moved.at(now), 0.0),)))
