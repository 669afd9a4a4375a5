"""One new race-date partition (load + gate + incremental dbt) at 1× and 2× history size.

The daily schedule adds one race date to an ever longer history, so the cost of that one partition must not grow with
the history: the loader replaces a single (source, date) partition and the incremental facts receive the date as
``--vars``. This measures it. A synthetic history of ``DAYS`` days (1×) is loaded and built, then each of ``NEW_DATES``
new race dates is loaded with ``load_history_window`` (the body of the ``historical_results`` asset) and built with the
dbt command the ``dbt_incremental_models`` asset runs for one partition; then older days are added until fct_runners
holds twice as many rows (2×) and the next new dates are measured the same way. Figures are medians over the dates.

The dates sit just before ``settings.history_start()`` so nothing the other benchmarks loaded is replaced, and
everything this module adds is deleted afterwards (raw, quarantine, gate log, facts), so the backfill benchmark that
follows rebuilds the same warehouse as without it. dbt writes to its own target folder: the project's ``target/`` (and
its manifest) belongs to whoever else runs dbt on this tree.

Issue 17's goals are ratios of the same run (absolute times move 2× between machines): the total against the models
alone — the seconds dbt reports for the models' own SQL, the work that cannot go away — at most 3× at either size,
and the total at 2× history at most 1.05× the total at 1×.
"""
from __future__ import annotations

import json
import math
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ingestion.gated_load import load_history_window
from ingestion.schema import RAW_TABLES
from ingestion.sources.synthetic import SyntheticSource
from ingestion.warehouse import ensure_warehouse
from paddock import db, settings
from paddock.dbt_runner import parse_ahead, raise_for_failure, run_dbt
from benchmarks.goals import ratio, verdict
from benchmarks.sizes import pick

DAYS = pick(365, 7)  # 1× history: one year of synthetic racing
NEW_DATES = pick(7, 1)  # new partitions measured at each size; the figure is their median (three let the 2× / 1×
# ratio swing between 0.64× and 1.17× from run to run: a few hundred ms of noise on a ~1.2 s total)
YEARS_BACK = pick(6, 1)  # how far before history_start the source may go, for the days that double the history
CHUNK_DAYS = 365  # older days are loaded a year at a time, as a yearly backfill would
RUN_ID = "bench-partition"
INCREMENTAL = "tag:race_date_partitioned"  # the dbt_incremental_models selection (orchestration/defs/dbt/assets.py)
FACTS = ("fct_races", "fct_runners", "fct_dividends")
GOAL_MODELS = 3.0  # total ≤ 3× the models alone
GOAL_FLAT = 1.05  # total at 2× history ≤ 1.05× the total at 1×


def dbt_build(target: Path, select: str, first: date, last: date) -> tuple[float, dict[str, float]]:
    """``dbt build`` of ``select`` for the race dates [first, last] as the partitioned asset runs it (in process,
    ``paddock.dbt_runner``, on a manifest parsed beforehand: a run process forked from the code server's forkserver
    starts with it, ``orchestration.run_worker_preload``); returns the wall time and the seconds dbt itself reports
    for models and for tests (the rest is dbt's own overhead)."""
    variables = json.dumps({"min_date": first.isoformat(), "max_date": last.isoformat()})
    args = ["build", "--quiet", "--indirect-selection", "cautious", "--select", select, "--vars", variables]
    parse_ahead()  # once per process: later calls find the manifest parsed
    started = time.perf_counter()
    result, _ = run_dbt(args, target)
    elapsed = time.perf_counter() - started
    raise_for_failure(result, args)
    split = {"model": 0.0, "test": 0.0}
    for node in result.result.results:
        kind = node.node.unique_id.split(".")[0]
        split[kind] = split.get(kind, 0.0) + node.execution_time
    return elapsed, split


def fact_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM marts.fct_runners")).scalar_one()


def load(engine: sa.Engine, source: SyntheticSource, first: date, last: date) -> tuple[float, int]:
    started = time.perf_counter()
    report = load_history_window(engine, [source], first, last, run_id=RUN_ID)
    return time.perf_counter() - started, sum(report.published(t) for t in RAW_TABLES)


def load_older(engine: sa.Engine, source: SyntheticSource, target: Path, last: date, days: int) -> date:
    """Load and build ``days`` days ending on ``last``, a year per load; returns the first day loaded."""
    first = max(source.start, last - timedelta(days=days - 1))
    end = last
    while end >= first:
        start = max(first, end - timedelta(days=CHUNK_DAYS - 1))
        load(engine, source, start, end)
        dbt_build(target, INCREMENTAL, start, end)
        end = start - timedelta(days=1)
    return first


def measure(engine: sa.Engine, source: SyntheticSource, target: Path, days: list[date]) -> dict[str, float]:
    """Median seconds of load + gate, dbt (wall, models, tests) and their sum over ``days``, each a new partition."""
    runs = []
    for day in days:
        load_s, rows = load(engine, source, day, day)
        dbt_s, split = dbt_build(target, INCREMENTAL, day, day)
        runs.append({"load": load_s, "dbt": dbt_s, "total": load_s + dbt_s, "rows": rows,
                     "models": split["model"], "tests": split["test"]})
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def cleanup(engine: sa.Engine, first: date, last: date) -> None:
    """Delete every row this benchmark added: its dates are [first, last] of the synthetic source only."""
    bounds = {"s": SyntheticSource.name, "a": first, "b": last}
    with engine.begin() as conn:
        for table in RAW_TABLES:
            for schema in ("raw", "quarantine"):
                conn.execute(sa.text(
                    f"DELETE FROM {schema}.{table} WHERE _source = :s AND _partition BETWEEN :a AND :b"), bounds)
        conn.execute(sa.text(
            "DELETE FROM ops.data_quality_log WHERE source = :s AND partition_start BETWEEN :a AND :b"), bounds)
        for fact in FACTS:
            if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": f"marts.{fact}"}).scalar() is not None:
                conn.execute(sa.text(f"DELETE FROM marts.{fact} WHERE source = :s AND race_date BETWEEN :a AND :b"),
                             bounds)


def window_runners(engine: sa.Engine, first: date, last: date) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM marts.fct_runners WHERE source = :s AND race_date BETWEEN :a AND :b"),
            {"s": SyntheticSource.name, "a": first, "b": last}).scalar_one()


def ratio_of(m2: dict[str, float], m1: dict[str, float], key: str) -> str:
    return f"{m2[key] / m1[key]:.2f}×" if m1[key] else "n/a"


def rows_for(size: str, history: int, m: dict[str, float], dates: int) -> list[tuple]:
    label = f"New race-date partition, {size} history ({history:,} runners in fct_runners)"
    per_models = ratio(m["total"], m["models"])
    return [
        (f"{label}: load + gate + COPY", f"{m['load']:.2f}", "s",
         f"median of {dates} dates, {m['rows']:,.0f} raw rows"),
        (f"{label}: incremental dbt build ({INCREMENTAL}, --vars one day)", f"{m['dbt']:.2f}", "s",
         f"models {m['models']:.2f} s, tests {m['tests']:.2f} s, rest is dbt's own work (the manifest parsed "
         "beforehand, as a run forked from the code server finds it)"),
        (f"{label}: total", f"{m['total']:.2f}", "s", ""),
        (f"{label}: total / the models alone", f"{per_models:.1f}", "×",
         f"{verdict(per_models, GOAL_MODELS)}: {m['total']:.2f} s vs models {m['models']:.2f} s, same run"),
    ]


def run() -> list[tuple]:
    engine = db.warehouse_engine()
    ensure_warehouse(engine)
    anchor = settings.history_start()
    source = SyntheticSource(seed=settings.synthetic_seed(), start=date(anchor.year - YEARS_BACK, 1, 1),
                             end=anchor - timedelta(days=1))
    racing = [d for d in source.available_dates() if d < anchor]
    new_2x, new_1x = racing[-NEW_DATES:], racing[-2 * NEW_DATES:-NEW_DATES]
    target = db.state_dir() / "bench-dbt-target"
    target.mkdir(exist_ok=True)
    try:
        # Staging views and facts exist before anything is timed (a smoke run has built none yet); the dates in the
        # vars are not loaded yet, so on a built warehouse this only refreshes the views.
        dbt_build(target, f"+{INCREMENTAL}", new_2x[-1], new_2x[-1])
        window_end = new_1x[0] - timedelta(days=1)
        window_start = load_older(engine, source, target, window_end, DAYS)
        history_1x = fact_rows(engine)
        m1 = measure(engine, source, target, new_1x)
        # Enough older days to double fct_runners, at the rate of runners per calendar day of the 1× window.
        per_day = max(1.0, window_runners(engine, window_start, window_end) / DAYS)
        older = math.ceil(history_1x / per_day)
        load_older(engine, source, target, window_start - timedelta(days=1), older)
        history_2x = fact_rows(engine)
        m2 = measure(engine, source, target, new_2x)
    finally:
        cleanup(engine, source.start, source.end)
    flat = ratio(m2["total"], m1["total"])
    return [
        *rows_for("1×", history_1x, m1, len(new_1x)),
        *rows_for("2×", history_2x, m2, len(new_2x)),
        ("New race-date partition: total at 2× history / at 1×", f"{flat:.2f}", "×",
         f"{verdict(flat, GOAL_FLAT)}: flat in history size (history grew {history_2x / history_1x:.2f}×); "
         f"load {m2['load'] / m1['load']:.2f}×, dbt {m2['dbt'] / m1['dbt']:.2f}× (its models "
         f"{ratio_of(m2, m1, 'models')}, tests {ratio_of(m2, m1, 'tests')}: the facts' tests see the run's window)"),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
