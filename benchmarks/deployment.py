"""A private Dagster deployment for benchmarks: its own warehouse and Dagster databases on the embedded server, the
gRPC code server and the daemon as docker-compose runs them, and only the named sensors left running.

Private databases and DAGSTER_HOME keep the deployment's sensors, runs and rows away from the other benchmarks (and
theirs away from it). The other default-on sensors and schedules are stopped through Dagster's GraphQL API before the
daemon starts — as the browser test does — because they would scrape sources this benchmark does not run and compete
for the two run slots. Children run in their own process groups so run workers die with them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from paddock import db
from paddock.environ import open_instance
from paddock.processes import free_port, stop_group

BIN = Path(sys.executable).parent
INSTIGATORS = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  sensors { name sensorState { id status } } schedules { name scheduleState { id status } } } } } }"""


def fresh_database(name: str) -> str:
    """(Re)create ``name`` on the warehouse's server; returns its SQLAlchemy URL."""
    admin = sa.create_engine(db.warehouse_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return sa.make_url(db.warehouse_url()).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(db.warehouse_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


class Deployment:
    """Code server + daemon on private databases; ``start(keep=...)`` leaves only those sensors running."""

    def __init__(self, prefix: str, env: dict[str, str]):
        self.prefix = prefix
        self.home = Path(tempfile.mkdtemp(prefix=f"{prefix}-dagster-"))
        shutil.copy(db.PROJECT_ROOT / "dagster.yaml", self.home / "dagster.yaml")
        self.warehouse_url = fresh_database(f"{prefix}_warehouse")
        self.env = {**os.environ, **env, "DAGSTER_HOME": str(self.home), "DATABASE_URL": self.warehouse_url,
                    "DAGSTER_POSTGRES_URL": fresh_database(f"{prefix}_dagster"),
                    "PADDOCK_DAGSTER_STORAGE": str(self.home / "storage"), **db.libpq_params(self.warehouse_url)}
        self.port = free_port()
        self.workspace = self.home / "workspace.yaml"
        self.workspace.write_text(f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {self.port}\n"
                                  "      location_name: paddock\n")
        self.processes: list[subprocess.Popen] = []
        self.daemon_log = self.home / "daemon.log"

    def _spawn(self, args: list[str], log: Path) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=db.PROJECT_ROOT, env=self.env, stdout=log.open("wb"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def graphql(self, query: str, **variables) -> dict:
        out = self.home / "graphql.json"
        done = subprocess.run([str(BIN / "dagster-graphql"), "-w", str(self.workspace), "-t", query,
                               "-v", json.dumps(variables), "-o", str(out)], cwd=db.PROJECT_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"dagster-graphql failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        payload = json.loads(out.read_text())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def start(self, keep: set[str], timeout: float = 180.0) -> None:
        self._spawn([str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(self.port),
                     "-m", "orchestration.definitions"], self.home / "code-server.log")
        deadline = time.monotonic() + timeout
        while True:  # the code server listens before it has loaded the definitions: ask until they answer
            try:
                nodes = self.graphql(INSTIGATORS)["repositoriesOrError"].get("nodes")
                if nodes:
                    break
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"code location did not load: {self.tail('code-server.log')}")
            time.sleep(2)
        stops = [f'{kind}{i}: {mutation}(id: "{state["id"]}") {{ __typename }}'
                 for i, (kind, mutation, state, name) in enumerate(
                     [("sensor", "stopSensor", s["sensorState"], s["name"]) for s in nodes[0]["sensors"]]
                     + [("schedule", "stopRunningSchedule", s["scheduleState"], s["name"])
                        for s in nodes[0]["schedules"]])
                 if state["status"] == "RUNNING" and name not in keep]
        if stops:
            self.graphql("mutation { " + " ".join(stops) + " }")
        self._spawn([str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)], self.daemon_log)

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.home / name
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def wait_for_log(self, text: str, timeout: float) -> float:
        """Wall time at which ``text`` first shows in the daemon's log (e.g. a sensor's first evaluation)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.tail("daemon.log", 10**7):
                return time.time()
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.5)
        raise RuntimeError(f"daemon never logged {text!r}: {self.tail('daemon.log')}")

    def runs(self) -> list[dict]:
        """Job, tags and create/start/end times (epoch seconds) of every run the deployment made."""
        with open_instance(self.home, self.env) as instance:
            return [{"job": r.dagster_run.job_name, "tags": dict(r.dagster_run.tags),
                     "status": r.dagster_run.status.value, "created": r.create_timestamp.timestamp(),
                     "started": r.start_time, "ended": r.end_time}
                    for r in instance.get_run_records()]

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_group(process, term_wait=20)
        for suffix in ("warehouse", "dagster"):
            drop_database(f"{self.prefix}_{suffix}")
        shutil.rmtree(self.home, ignore_errors=True)
