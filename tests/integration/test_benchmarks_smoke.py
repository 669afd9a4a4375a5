"""`make bench` at smoke size: every benchmark still runs end to end (figures are meaningless and not asserted; speed
goals live in BENCHMARKS.md, never in CI), and a smoke run never overwrites BENCHMARKS.md."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
EXPECTED_ROWS = ("Synthetic demo history", "New race-date partition", "History backfill, 365 partitions",
                 "Arbitrage scan", "Odds ingest: parse + gate + COPY", "Odds ingest, poll path", "Odds sensor tick",
                 "Closing-tier polling, 1 hour compressed", "Poll → arbitrage latency",
                 "Backtest end to end from PostgreSQL", "Backtest one strategy", "Naive per-race loop",
                 "Backtest sweep", "Exchange parser", "Exchange replay")


def test_every_benchmark_runs_at_smoke_size(tmp_path):
    before = hashlib.sha256((ROOT / "BENCHMARKS.md").read_bytes()).hexdigest()
    # A runtime dir of its own (0700, short): the bench's PostgreSQL puts its socket there when its data dir under
    # TMPDIR is too long for one, and pgserver (as root) opens every folder above such a socket to group/other, which
    # makes platformdirs refuse a shared one (0755) to the next server that asks — a second suite on the same box.
    runtime = tempfile.mkdtemp(prefix="pdk-", dir="/tmp")
    env = {**os.environ, "PADDOCK_BENCH_SMOKE": "1", "PADDOCK_HISTORY_START": "2024-01-01",
           "PADDOCK_HISTORY_END": "2024-01-07", "COLUMNS": "250", "TMPDIR": str(tmp_path), "XDG_RUNTIME_DIR": runtime}
    for name in ("DATABASE_URL", "DAGSTER_POSTGRES_URL", "PADDOCK_HOME"):
        env.pop(name, None)
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=900)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for row in EXPECTED_ROWS:
        assert row in done.stdout, row
    assert "BENCHMARKS.md left as it is" in done.stdout
    assert hashlib.sha256((ROOT / "BENCHMARKS.md").read_bytes()).hexdigest() == before
