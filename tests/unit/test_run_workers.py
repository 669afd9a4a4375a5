"""The code server's runs start as forks of a warm process (``orchestration.run_workers``): what the forkserver imports
must leave nothing a fork would share (a thread, a socket, a connection), and the switch only acts inside a Dagster
code server. Each check runs in a fresh interpreter: the patch is process-wide. That the operating day's runs really
come from that forkserver is asserted by tests/integration/test_operating_day.py (its process list)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRELOAD_PROBE = """
import json, os, threading
import orchestration.run_worker_preload
import sys
from paddock.dbt_runner import _MANIFESTS
fds = []
for fd in os.listdir('/proc/self/fd'):
    try:
        fds.append(os.readlink(f'/proc/self/fd/{fd}'))
    except OSError:
        pass  # listdir's own descriptor, closed by now
print(json.dumps({"threads": threading.active_count(), "sockets": [f for f in fds if f.startswith('socket:')],
                  "manifests": len(_MANIFESTS), "dbname": os.environ.get("PADDOCK_PG_DBNAME"),
                  "loaded": [m for m in ("orchestration.defs.odds.sensors", "dbt.cli.main", "pandas",
                                         "dagster._grpc.impl") if m in sys.modules]}))
"""

SWITCH_PROBE = """
import json, sys
from orchestration.run_workers import fork_runs_from_a_warm_process
outside = fork_runs_from_a_warm_process()
import dagster._grpc.server as server
inside = fork_runs_from_a_warm_process()
again = fork_runs_from_a_warm_process()
context = server.DagsterApiServer.__dict__.get("_mp_ctx")
method = context.fget(None).get_start_method() if isinstance(context, property) else None
print(json.dumps({"outside": outside, "inside": inside, "again": again, "method": method}))
"""


def probe(code: str, **env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_preload_imports_the_code_location_and_leaves_no_thread_or_socket_to_fork():
    # the manifest is parsed for the connection the dbt steps export from DATABASE_URL (docker-compose sets no more)
    seen = probe(PRELOAD_PROBE, DATABASE_URL="postgresql+psycopg2://paddock@127.0.0.1:5999/forked_warehouse")
    assert seen == {"threads": 1, "sockets": [], "manifests": 1, "dbname": "forked_warehouse",
                    "loaded": ["orchestration.defs.odds.sensors", "dbt.cli.main", "pandas", "dagster._grpc.impl"]}


def test_the_switch_acts_only_in_a_code_server_and_can_be_turned_off():
    assert probe(SWITCH_PROBE) == {"outside": False, "inside": True, "again": True, "method": "forkserver"}
    assert probe(SWITCH_PROBE, PADDOCK_RUN_WORKERS="spawn") == {"outside": False, "inside": False, "again": False,
                                                                 "method": None}
