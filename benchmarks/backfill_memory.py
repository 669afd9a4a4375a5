"""A 365-partition backfill of the synthetic history on the embedded default: wall time and peak memory.

The history assets take a backfill as one run (``BackfillPolicy.single_run()``), so a year of race dates is read,
gated and written by one process, then dbt builds every model downstream. That run must finish with bounded memory on
a small box. It is launched the way the UI launches a backfill: ``history_job`` over a partition range (Dagster's
partition-range tags, ``paddock.cli.runner.materialize_history``) against the Postgres-backed Dagster instance, in a child
process, so its memory is its own and not this process's (dbt runs inside it). The child and any descendants are sampled
with psutil for the peak summed RSS, and the child reports its own exact peak (``ru_maxrss``; not its children's,
which Linux reports as at least the parent's size at fork). The embedded server's processes are sampled too, as PSS
because every backend maps the same shared buffers.

The baseline is a ``BASELINE``-partition backfill in the same session: if memory grew with partitions, the year
would cost about 12× the month. Both ranges start at ``settings.history_start()``, the first partition, and replace
what the history benchmark loaded there with what the Dagster resource generates.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psutil
import sqlalchemy as sa

from ingestion.schema import RAW_TABLES
from paddock import db, settings
from paddock.dbt_prep import prepare_manifest
from benchmarks.sizes import SMOKE, pick

PARTITIONS = pick(365, 5)
BASELINE = pick(30, PARTITIONS)
SAMPLE_SECONDS = 0.2
MIB = 2**20
ROOT = Path(__file__).resolve().parents[1]
NAME = "History backfill, 365 partitions" + (f" (smoke run: {PARTITIONS})" if SMOKE else "")


def postgres_processes() -> list[psutil.Process]:
    pid_file = db.state_dir() / "postgres" / "postmaster.pid"
    if not pid_file.exists():  # an external DATABASE_URL: nothing of ours to sample
        return []
    postmaster = psutil.Process(int(pid_file.read_text().splitlines()[0]))
    return [postmaster, *postmaster.children(recursive=True)]


def _memory(processes: list[psutil.Process], pss: bool = False) -> int:
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss if pss else process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def backfill(start: date, end: date) -> dict[str, float]:
    """Run ``history_job`` over [start, end] in a child process, sampling the memory of its tree and of Postgres."""
    log = db.state_dir() / f"bench-backfill-{start}-{end}.log"
    cmd = [sys.executable, "-m", "benchmarks.backfill_memory", start.isoformat(), end.isoformat()]
    peak_tree = peak_dbt = peak_pg = 0
    started = time.perf_counter()
    with open(log, "w") as out:
        child = psutil.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy(),
                             cwd=ROOT)
        while child.poll() is None:
            try:
                descendants = child.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            below = _memory(descendants)
            peak_dbt, peak_tree = max(peak_dbt, below), max(peak_tree, below + _memory([child]))
            peak_pg = max(peak_pg, _memory(postgres_processes(), pss=True))
            time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    lines = log.read_text().splitlines()
    if child.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"backfill {start}..{end} failed ({child.returncode}):\n" + "\n".join(lines[-40:]))
    usage = json.loads(lines[-1])
    return {"seconds": seconds, "tree": peak_tree / MIB, "pg": peak_pg / MIB, "self": usage["self"] / MIB,
            "dbt": peak_dbt / MIB, "rows": raw_rows(start, end)}


def raw_rows(start: date, end: date) -> int:
    with db.warehouse_engine().connect() as conn:
        return sum(conn.execute(sa.text(f"SELECT count(*) FROM raw.{t} WHERE _partition BETWEEN :a AND :b"),
                                {"a": start, "b": end}).scalar_one() for t in RAW_TABLES)


def run() -> list[tuple]:
    prepare_manifest()  # the Definitions read dbt's manifest when the child imports them
    first = settings.history_start()
    # A smoke run skips the baseline: one Dagster run keeps the benchmark working, and it is compared to itself.
    base = None if SMOKE else backfill(first, first + timedelta(days=BASELINE - 1))
    full = backfill(first, first + timedelta(days=PARTITIONS - 1))
    base = base or full
    than = f"{BASELINE}-partition baseline"
    return [
        (f"{NAME}: peak RSS of the run's process tree (Dagster run + dbt)", f"{full['tree']:,.0f}", "MiB",
         f"{than} {base['tree']:,.0f} MiB ({full['tree'] / base['tree']:.2f}× for {PARTITIONS / BASELINE:.0f}× "
         f"the partitions); psutil every {SAMPLE_SECONDS:g} s"),
        (f"{NAME}: peak RSS of the run process itself (ru_maxrss)", f"{full['self']:,.0f}", "MiB",
         f"{than} {base['self']:,.0f} MiB; its child processes peaked at {full['dbt']:,.0f} MiB"),
        (f"{NAME}: embedded Postgres peak PSS (all server processes)", f"{full['pg']:,.0f}", "MiB",
         f"{than} {base['pg']:,.0f} MiB"),
        (f"{NAME}: wall time (history_job, one run: load + gate + dbt)", f"{full['seconds']:.1f}", "s",
         f"{full['rows']:,} raw rows ({full['rows'] / full['seconds']:,.0f} rows/s); "
         f"{than} {base['seconds']:.1f} s, {base['rows']:,} rows"),
    ]


def _child(start: str, end: str) -> None:
    """The backfill itself; its last line of output is the peak RSS this process reached."""
    import dagster as dg

    from paddock.cli.runner import materialize_history

    if not materialize_history(start, end, instance=dg.DagsterInstance.get()):
        sys.exit(1)
    kib = 1024  # Linux reports ru_maxrss in KiB
    print(json.dumps({"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        _child(sys.argv[1], sys.argv[2])
    else:
        for row in run():
            print(" | ".join(row))
