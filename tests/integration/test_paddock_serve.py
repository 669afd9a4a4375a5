"""`paddock serve` as an operator runs and stops it: a real subprocess on free ports, a private Dagster home, warehouse
and Dagster database, stopped with SIGTERM. Every process it started (``dagster dev`` with its webserver, daemon and
code servers, the local simulators) must be gone within the 15 s the README promises; and the banner shows BI users
the read-only ``bi_reader`` connection, never the superuser's password.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
import sqlalchemy as sa

from paddock import db
from paddock.processes import free_port
from tests.deployment import fresh_database

pytestmark = pytest.mark.integration
STOP_CONTRACT = 15.0
#: what `paddock serve` runs: dagster dev and the webserver and daemon it starts, the two local simulators
PIECES = ("dagster dev", "dagster_webserver", "dagster._daemon run", "ingestion.racecards.demo_site",
          "ingestion.odds_api.simulator")  # seconds, the issue's own bound for stopping paddock serve


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


def wait_for_webserver(process: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + 600  # loading the definitions on a busy 2-core machine; not a speed assertion
    while time.monotonic() < deadline:
        assert process.poll() is None, f"paddock serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"webserver never answered on {port}:\n{log.read_text()[-3000:]}")


def test_sigterm_stops_every_process_serve_started_within_15_s(runtime_env, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(db.PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    warehouse = fresh_database(runtime_env, "serve_warehouse")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": warehouse,
           "DAGSTER_POSTGRES_URL": fresh_database(runtime_env, "serve_dagster"), **db.libpq_params(warehouse),
           "PADDOCK_DEMO_SITE_PORT": str(free_port()), "PADDOCK_ODDS_SIM_PORT": str(free_port())}
    env.pop("BI_READER_PASSWORD", None)
    env.pop("ODDS_API_KEY", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([sys.executable, "-m", "paddock.cli", "serve", "--port", str(port)], env=env,
                                 stdout=out, stderr=subprocess.STDOUT, cwd=db.PROJECT_ROOT)
    started: list[psutil.Process] = []
    try:
        wait_for_webserver(serve, port, log)
        deadline = time.monotonic() + 300  # the daemon starts after the webserver answers; wait until it runs too
        while True:
            started = psutil.Process(serve.pid).children(recursive=True)
            commands = "\n".join(living(started))
            if all(piece in commands for piece in PIECES) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert all(piece in commands for piece in PIECES), commands

        serve.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_CONTRACT
        while time.monotonic() < deadline and (serve.poll() is None or living(started)):
            time.sleep(0.2)
        assert serve.poll() is not None, "paddock serve still running 15 s after SIGTERM"
        assert living(started) == [], "still running 15 s after SIGTERM"
        assert serve.returncode == 0
    finally:
        for process in [*started, psutil.Process(serve.pid) if serve.poll() is None else None]:
            if process is not None and living([process]):
                process.kill()
        serve.wait(10)

    banner = log.read_text()
    password = sa.make_url(warehouse).password
    bi_line = next(line for line in banner.splitlines() if line.startswith("Warehouse (BI):"))
    assert "postgresql://bi_reader@/serve_warehouse?host=" in bi_line and "read-only" in bi_line
    assert "postgres:" not in banner and (not password or password not in banner)
