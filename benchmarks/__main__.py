"""Run every benchmark in one process tree against a throwaway embedded PostgreSQL; print a table, write BENCHMARKS.md.

Each benchmark returns rows of (name, figure, unit, goal/baseline); the table is the same on screen and in the file.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.sizes import SMOKE

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    import psutil

    return (f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.python_implementation()} {platform.python_version()}, {platform.system()} {platform.machine()}")


def in_own_process(module) -> Callable[[], list[tuple]]:
    """``module.run`` in a fresh interpreter (``python -m <module> --json``): for a benchmark whose figure must not
    depend on what the benchmarks before it left in this process. The exchange replay read 2.70 s here after the
    others against 2.35 s alone, with flumine's side unchanged (12.56 / 12.57 s), which moved its ratio from
    5.3× to 4.7×; a replay is run in a process of its own, so that is where it is measured."""
    def run() -> list[tuple]:
        done = subprocess.run([sys.executable, "-m", module.__name__, "--json"], cwd=ROOT, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{module.__name__} failed: {done.stderr[-2000:]}")
        return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]
    return run


def main() -> None:
    home = tempfile.mkdtemp(prefix="paddock-bench-")
    os.environ["PADDOCK_HOME"] = home
    for name in ("DATABASE_URL", "DAGSTER_POSTGRES_URL"):
        os.environ.pop(name, None)
    from benchmarks import (
        arbitrage_scan, backtest_engine, backfill_memory, closing_polling, exchange_parse, exchange_replay, odds_ingest,
        partition_load, poll_to_arbitrage, sensor_tick,
    )
    from benchmarks.history_load import run_all
    from paddock import db

    db.export_runtime_env()
    steps = [("history_load", run_all), *[(m.__name__.rsplit(".", 1)[1], m.run) for m in (
        partition_load, backfill_memory, arbitrage_scan, odds_ingest, sensor_tick, closing_polling, poll_to_arbitrage,
        backtest_engine, exchange_parse)], ("exchange_replay", in_own_process(exchange_replay))]
    rows: list[tuple] = []
    try:
        for name, step in steps:
            began = time.perf_counter()
            try:
                rows += step()
            except Exception as exc:  # a full run is long: one broken benchmark must not lose the others' figures
                if SMOKE:
                    raise
                traceback.print_exc()
                rows.append((f"{name}: FAILED", "", "", f"{type(exc).__name__}: {str(exc)[:200]}"))
            finally:  # where a bench run's time goes (the CI smoke run is part of `make test`)
                print(f"benchmark step {name}: {time.perf_counter() - began:.1f} s", flush=True)
    finally:
        db.stop_embedded()
        shutil.rmtree(home, ignore_errors=True)  # the throwaway cluster and dbt targets: ~1.5 GB after a full run
    table = Table(title="paddock benchmarks")
    for column in ("benchmark", "figure", "unit", "goal / baseline"):
        table.add_column(column)
    for row in rows:
        table.add_row(*map(str, row))
    Console().print(table)
    Console().print(f"machine: {machine()}")
    lines = [
        "# Benchmarks", "",
        f"Written by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {machine()}.", "",
        "| benchmark | figure | unit | goal / baseline |", "|---|---|---|---|",
        *[f"| {' | '.join(map(str, row))} |" for row in rows],
    ]
    if SMOKE:
        print("\n".join(lines[4:]))  # the rows unwrapped, as BENCHMARKS.md would hold them
        Console().print("smoke run (PADDOCK_BENCH_SMOKE=1): tiny sizes, BENCHMARKS.md left as it is")
        return
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
