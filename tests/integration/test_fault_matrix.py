"""The fault matrix: a race-card partition, a results partition and an odds run against sources that misbehave.

For each fault the failing load must fail with a clear, typed error and an ``ops.fetch_log`` row per attempt, leave
the previously published partition exactly as it was (transactional partition replace), and the re-run must produce
the rows and checksums of an undisturbed run with quarantine and data-quality rows not duplicated. Sources are local:
the demo site behind a small 127.0.0.1 server that injects faults (the odds run: test_fault_matrix_odds.py).
The run process is killed with SIGKILL, and the embedded PostgreSQL is stopped and started again, in the middle of a
partition's transaction (after its first COPY).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from ingestion.errors import ParseError
from ingestion.http import FetchError, Fetcher, RetryPolicy, ops_fetch_log_sink
from ingestion.racecards.demo_site import DemoSite
from ingestion.racecards.pages import CARD_TABLES
from ingestion.racecards.pipeline import load_card, load_results
from ingestion.schema import RAW_TABLES
from tests.raw_checksum import partition_checksum

pytestmark = pytest.mark.integration

SITE, TRACK, DAY = "demo", "CD", date(2026, 8, 2)  # a meeting no other test loads
CLOCK = datetime(2026, 8, 3, 12, tzinfo=timezone.utc)  # after the last race: full card and official results
MAX_ATTEMPTS = 3
TIMEOUT_S = 1.0  # the client's; a hanging response hangs well past it


class FaultySite:
    """The demo site on 127.0.0.1 with a queue of faults applied to the next page requests (robots.txt exempt)."""

    def __init__(self):
        self.demo = DemoSite(seed=7, clock=lambda: CLOCK)
        self.faults: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, count: int = 1, **fault) -> None:
        with self.lock:
            self.faults.extend(dict(fault) for _ in range(count))

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with site.lock:
                    fault = site.faults.pop(0) if site.faults and self.path != "/robots.txt" else {}
                if fault.get("hang"):
                    time.sleep(fault["hang"])
                if fault.get("status"):  # no page built for a failure: its answer must beat the client's timeout
                    status, ctype, body = fault["status"], "text/plain", "simulated failure\n"
                else:
                    status, ctype, body = site.demo.respond(self.path)
                headers = {"Content-Type": ctype}
                if fault.get("retry_after") is not None:
                    headers["Retry-After"] = str(fault["retry_after"])
                if fault.get("truncate"):
                    body = body[: fault["truncate"]]
                data = body.encode()
                try:
                    self.send_response(int(status))
                    for k, v in {**headers, "Content-Length": str(len(data))}.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and hung up
                    pass

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site(engine):
    s = FaultySite()
    yield s
    s.close()


def fetcher(engine, sleeps: list[float]) -> Fetcher:
    """Short timeout and a recorded (not slept) backoff: the matrix is about outcomes, not waiting. The timeout is
    still twice what a page takes here at worst: in ``make test`` the server's threads share this process (and two
    busy cores) with the load, and at 0.5 s a 503 once arrived too late and was logged as a timeout."""
    return Fetcher(timeout=TIMEOUT_S, retry=RetryPolicy(max_attempts=MAX_ATTEMPTS, backoff_base=0.01), min_delay=0,
                   respect_robots=False, sink=ops_fetch_log_sink(engine), sleep=sleeps.append)


def load(engine, site, kind: str, run_id: str, sleeps: list[float] | None = None):
    loader = load_card if kind == "card" else load_results
    with fetcher(engine, sleeps if sleeps is not None else []) as f:
        return loader(engine, f, site.base_url, SITE, TRACK, DAY, run_id=run_id)


def _digest(conn, table: str, columns: list[str]) -> tuple[int, str]:
    row = "concat_ws('|', " + ", ".join(f"coalesce({c}::text, '∅')" for c in columns) + ")"
    return tuple(conn.execute(sa.text(
        f"SELECT count(*), coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') FROM (SELECT {row} AS r "
        f"FROM raw.{table} WHERE _source = :s AND _partition = :d AND _scope = :t) x"),
        {"s": SITE, "d": DAY, "t": TRACK}).one())


def state(engine) -> dict:
    """Row counts and checksums of the meeting's published card and results, its quarantine and its quality log."""
    out = {t: partition_checksum(engine, t, SITE, DAY, DAY) for t in RAW_TABLES}
    with engine.connect() as conn:
        for table, columns in CARD_TABLES.items():
            out[table] = _digest(conn, table, [c for c in columns if c != "fetched_at"])  # fetch time differs per run
        for table in [*RAW_TABLES, *CARD_TABLES]:
            out[f"quarantine.{table}"] = conn.execute(sa.text(
                f"SELECT count(*) FROM quarantine.{table} WHERE _source = :s AND _partition = :d AND _scope = :t"),
                {"s": SITE, "d": DAY, "t": TRACK}).scalar_one()
        out["data_quality_log"] = conn.execute(sa.text(
            "SELECT count(*) FROM ops.data_quality_log WHERE source IN (:c, :r) AND partition_start = :d"),
            {"c": f"{SITE}:card:{TRACK}", "r": f"{SITE}:results:{TRACK}", "d": DAY}).scalar_one()
    return out


def fetch_log(engine, since: datetime, path: str) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT status, attempt, error FROM ops.fetch_log WHERE fetched_at >= :t AND "
                                    "url LIKE :u ORDER BY id"), {"t": since, "u": f"%{path}%"}).all()


@pytest.fixture(scope="module")
def baseline(engine, site):
    """The undisturbed loads, twice: the second proves a plain re-run is already a no-op on rows and logs."""
    for run in ("baseline-1", "baseline-2"):
        load(engine, site, "card", run)
        load(engine, site, "results", run)
    expected = state(engine)
    assert expected["card_runners"][0] == 106 and expected["runners"][0] >= 100 and expected["dividends"][0] > 0
    assert expected["data_quality_log"] > 0
    return expected


FAULTS = {  # name -> (fault, how many requests get it, expected error type, expected fetch_log statuses)
    "5xx until the retry cap": ({"status": 503}, MAX_ATTEMPTS, FetchError, [503] * MAX_ATTEMPTS),
    "hanging response": ({"hang": TIMEOUT_S + 1.0}, MAX_ATTEMPTS, FetchError, [None] * MAX_ATTEMPTS),
    "malformed page": ({"truncate": 400}, 1, ParseError, [200]),
}


@pytest.mark.parametrize("kind", ["card", "results"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failed_load_leaves_the_partition_and_the_rerun_restores_it(engine, site, baseline, fault, kind):
    spec, count, error, statuses = FAULTS[fault]
    path = f"/{'cards' if kind == 'card' else 'results'}/{TRACK}/{DAY}"
    since = datetime.now(timezone.utc)
    site.inject(count, **spec)
    with pytest.raises(error) as info:
        load(engine, site, kind, f"fault-{fault}")
    assert path in str(info.value) or TRACK in str(info.value)  # the error says which page
    log = fetch_log(engine, since, path)
    assert [status for status, _, _ in log] == statuses and [a for _, a, _ in log] == list(range(1, count + 1))
    if fault == "hanging response":
        assert all("Timeout" in (e or "") for _, _, e in log)
    assert state(engine) == baseline  # nothing half-written: the last good partition is intact
    load(engine, site, kind, f"rerun-{fault}")
    assert state(engine) == baseline  # same rows, same checksums, quarantine and quality log not duplicated


def test_429_with_retry_after_is_waited_out(engine, site, baseline):
    sleeps: list[float] = []
    since = datetime.now(timezone.utc)
    site.inject(2, status=429, retry_after=7)
    load(engine, site, "card", "fault-429", sleeps)
    assert sleeps == [7.0, 7.0]  # the server's Retry-After, not our own backoff
    assert [s for s, _, _ in fetch_log(engine, since, f"/cards/{TRACK}/{DAY}")] == [429, 429, 200]
    assert state(engine) == baseline


STALLED_LOAD = """
import sys, time
from datetime import date, datetime, timezone
import ingestion.loader as loader
from ingestion.http import Fetcher
from ingestion.racecards.demo_site import DemoSite
from ingestion.racecards.pipeline import load_results
from paddock import db

copy_rows = loader.copy_rows

def stalled(cursor, table, columns, rows):  # the first table is written, then the load waits mid-transaction
    written = copy_rows(cursor, table, columns, rows)
    if table == "raw.races":
        print("MID", table, written, flush=True)
        sys.stdin.readline()  # until the test has done its damage (killed us, or restarted the server)
    return written

loader.copy_rows = stalled
site = DemoSite(seed=7, clock=lambda: datetime.fromisoformat(sys.argv[1]))
with site, Fetcher(min_delay=0, respect_robots=False) as fetcher:
    load_results(db.warehouse_engine(), fetcher, site.base_url, "demo", sys.argv[2], date.fromisoformat(sys.argv[3]),
                 run_id="stalled")
"""


def test_sigkill_mid_partition_load_rolls_back(engine, site, baseline, runtime_env):
    env = {**os.environ, **runtime_env}
    child = subprocess.Popen([sys.executable, "-c", STALLED_LOAD, CLOCK.isoformat(), TRACK, DAY.isoformat()],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()
        assert line.startswith("MID raw.races"), line  # races replaced inside the open transaction
        assert state(engine) == baseline  # invisible to readers while the load is in flight
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10  # the server notices the dead client and rolls back its transaction
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                                        "AND query LIKE 'COPY raw.races%'")).scalar_one():
                break
        time.sleep(0.2)
    assert state(engine) == baseline
    load(engine, site, "results", "rerun-after-kill")
    assert state(engine) == baseline


def test_postgres_restart_mid_partition_load_fails_the_run_and_rolls_back(engine, site, baseline, runtime_env):
    import pgserver

    from paddock import db

    child = subprocess.Popen([sys.executable, "-c", STALLED_LOAD, CLOCK.isoformat(), TRACK, DAY.isoformat()],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **runtime_env})
    try:
        assert child.stdout.readline().startswith("MID raw.races")
        assert db.stop_embedded()  # fast shutdown: the in-flight transaction is aborted with the server
        pgserver.get_server(db.state_dir() / "postgres", cleanup_mode=None).ensure_postgres_running()
        _, err = child.communicate("go\n", timeout=60)  # the load resumes on a connection that is gone
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == 1 and "OperationalError" in err  # the run fails, saying the server went away
    assert state(engine) == baseline  # pool_pre_ping replaces the dead connections; nothing half-written
    load(engine, site, "results", "rerun-after-restart")
    assert state(engine) == baseline
