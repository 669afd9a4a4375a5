"""A real Dagster deployment for integration tests: children in their own process groups, the webserver's GraphQL
API, waiting on it with the processes' logs on timeout, and private databases on the session's embedded server.

Shared by the browser test and the simulated race day, which both start the webserver and daemon as an operator does.
"""
from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parents[1]

REPOSITORIES = """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
  sensors { name sensorState { id status } } schedules { name scheduleState { id status } } } } } }"""
STOP_SENSOR = "mutation($id: String) { stopSensor(id: $id) { __typename } }"
STOP_SCHEDULE = "mutation($id: String) { stopRunningSchedule(id: $id) { __typename } }"
#: what `paddock serve` runs: dagster dev and the webserver and daemon it starts, the two local simulators
SERVE_PIECES = ("dagster dev", "dagster_webserver", "dagster._daemon run", "ingestion.racecards.demo_site",
                "ingestion.odds_api.simulator")


def spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """A child in its own process group, so the webserver's code-server and the daemon's run workers die with it."""
    return subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def graphql(url: str, query: str, **variables) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.load(response)
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def wait_until(what: str, probe, timeout: float, logs: list[Path]):
    """Poll ``probe`` until it returns something truthy; on timeout fail with the tail of the processes' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            result = None
        if result:
            return result
        time.sleep(1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def loaded_repository(url: str):
    data = graphql(url, REPOSITORIES)["repositoriesOrError"]
    return data["nodes"][0] if data["__typename"] == "RepositoryConnection" and data["nodes"] else None


def stop_instigators(url: str, repository: dict) -> None:
    stops = [(STOP_SENSOR, "stopSensor", s["sensorState"]) for s in repository["sensors"]]
    stops += [(STOP_SCHEDULE, "stopRunningSchedule", s["scheduleState"]) for s in repository["schedules"]]
    for mutation, field, state in stops:
        if state["status"] == "RUNNING":
            result = graphql(url, mutation, id=state["id"])[field]
            assert "Error" not in result["__typename"], result


def fresh_database(runtime_env, name: str) -> str:
    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return sa.make_url(runtime_env["DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)


def run_seconds(records) -> str:
    """Runs per job with their total and longest wall seconds, longest total first: where a deployment's time went."""
    per_job: dict[str, list[float]] = {}
    for record in records:
        if record.start_time and record.end_time:
            per_job.setdefault(record.dagster_run.job_name, []).append(record.end_time - record.start_time)
    return _totals(per_job, "runs", "{:.0f}")


def step_seconds(instance, records) -> str:
    """Steps per job with their total and longest wall seconds, and what the runs spent outside them (the run
    process's setup and teardown, waiting on a pool): where a job's run time goes."""
    per_step: dict[tuple[str, str], list[float]] = {}
    for record in records:
        job, spent = record.dagster_run.job_name, 0.0
        for stat in instance.get_run_step_stats(record.dagster_run.run_id):
            if stat.start_time and stat.end_time:
                per_step.setdefault((job, stat.step_key), []).append(stat.end_time - stat.start_time)
                spent += stat.end_time - stat.start_time
        if record.start_time and record.end_time:
            per_step.setdefault((job, "(outside steps)"), []).append(record.end_time - record.start_time - spent)
    return _totals({f"{job} {step}": times for (job, step), times in per_step.items()}, "steps", "{:.1f}")


def _totals(per_key: dict[str, list[float]], count: str, seconds: str) -> str:
    """One line per key, its count, total and longest seconds; the largest total first."""
    return "\n".join(f"{key}: {len(times)} {count}, {seconds.format(sum(times))} s, longest "
                     f"{seconds.format(max(times))} s"
                     for key, times in sorted(per_key.items(), key=lambda item: -sum(item[1])))


def run_timeline(records, marks: list[tuple[str, float]]) -> str:
    """Every run as seconds since the first mark: created → started → ended, job and what launched it, with the
    marks (the moments a test moved to) between them: the gaps show where a chain of runs waited on a tick."""
    origin = marks[0][1] if marks else min((r.create_timestamp.timestamp() for r in records), default=0.0)
    events = [(at, f"---- {what}") for what, at in marks]
    for record in records:
        run, created = record.dagster_run, record.create_timestamp.timestamp()
        started = f"{record.start_time - origin:7.1f}" if record.start_time else "      -"
        ended = f"{record.end_time - origin:7.1f}" if record.end_time else "      -"
        launcher = run.tags.get("dagster/sensor_name") or run.tags.get("dagster/schedule_name") or "-"
        detail = " ".join(f"{k}={run.tags[k]}" for k in ("checkpoint", "tier", "sport", "dagster/partition")
                          if k in run.tags)
        events.append((created, f"{created - origin:7.1f} {started} {ended}  {run.job_name} ← {launcher} {detail}"))
    return "\n".join(line for _, line in sorted(events, key=lambda e: e[0]))


def stop_child(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it is still there after 20 s: the cleanup of a test about where a process listens
    must not be what fails it (late in a full CI run a SIGTERM'd simulator was seen to outlive a 60 s wait)."""
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(20)


def living(processes: list[psutil.Process]) -> list[str]:
    """``pid command line`` of each process still running (an exited zombie is not running)."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {' '.join(process.cmdline())[:200]}")
        except psutil.Error:
            continue
    return left


def sigterm_and_wait(process: subprocess.Popen, within: float) -> tuple[list[str], list[str], int | None]:
    """SIGTERM ``process`` alone (as an operator's Ctrl-C or a service manager stops it) and wait up to ``within``
    seconds for it and every descendant to exit: what was running before, what is still running, its exit code."""
    started = psutil.Process(process.pid).children(recursive=True)
    before = living(started)
    process.terminate()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and (process.poll() is None or living(started)):
        time.sleep(0.2)
    return before, living(started), process.poll()
