"""Run every benchmark in one process tree against a throwaway embedded PostgreSQL; print a table, write BENCHMARKS.md.

Each benchmark returns rows of (name, figure, unit, goal/baseline); the table is the same on screen and in the file.
"""
from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
import traceback
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
        backtest_engine, exchange_parse, exchange_replay)]]
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
