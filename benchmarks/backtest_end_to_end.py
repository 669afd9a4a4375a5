"""Backtest end to end from PostgreSQL at US scale: read the runners from the marts, prepare, run one strategy.

The in-memory benchmark (``backtest_engine``) times the engine on a frame it already holds; a user's run starts in
the warehouse. Here the same US-scale frame is first written (untimed, COPY) to a copy of the two marts tables the
loader reads — schema ``bench_marts``: ``fct_runners``, ``fct_races`` and an empty ``fct_odds`` (no tote snapshots
in synthetic history) — and then timed exactly as the ``backtest`` asset runs: ``load_runners`` (binary COPY … TO
STDOUT read into Arrow by the ADBC driver, then pandas), ``prepare_racing`` and ``run_prepared``. The schema is
dropped afterwards.

Issue 17's goals are ratios against limits of the same run: the load against ``COPY (the same query) TO STDOUT``
drained without parsing — the loader's own ``RUNNERS_SQL`` with the same bound parameters in the statement the
loader sends (``paddock.pgcopy.COPY_OUT``), read into a sink that only counts bytes, i.e. what PostgreSQL and the
socket cost before any Python object exists (load ≤ 3× it) — and end to end against prepare + run (≤ 2×), i.e.
the load may at most double a run on a frame in memory. The drain runs after the timed load, on warm buffers, so
the ratio errs against the load.
"""
from __future__ import annotations

import io
import time

import pandas as pd
import sqlalchemy as sa

from backtests.engine import prepare_racing, run_prepared
from backtests.frames import RACE_CONTEXT, RUNNER_COLUMNS, RUNNERS_SQL, load_runners
from benchmarks.goals import ratio, verdict
from paddock import db
from paddock.pgcopy import COPY_OUT, bound_query

SCHEMA = "bench_marts"
GOAL_SECONDS = 15.0
GOAL_DRAINS = 3.0  # load ≤ 3× the drain of its query
GOAL_PREPARE_RUN = 2.0  # end to end ≤ 2× prepare + run
CHUNK = 250_000
ODDS_DDL = (f"CREATE TABLE {SCHEMA}.fct_odds (event_id text, bookmaker text, market text, is_racing boolean, "
            "outcome text, price_decimal numeric, snapshot_time timestamptz)")


def _copy(cursor, table: str, frame: pd.DataFrame) -> None:
    for first in range(0, len(frame), CHUNK):
        buffer = io.StringIO()
        frame.iloc[first:first + CHUNK].to_csv(buffer, index=False, header=False)
        buffer.seek(0)
        cursor.copy_expert(f"COPY {SCHEMA}.{table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def publish(engine: sa.Engine, runners: pd.DataFrame) -> None:
    """The frame as the two marts tables (types as dbt builds them), indexed on race_date / race_key."""
    races = runners.drop_duplicates("race_key")[["race_key", "race_date", *RACE_CONTEXT]].assign(
        race_id=lambda f: f["race_key"].str.split(":", n=1).str[1], source="synthetic")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    runners[list(RUNNER_COLUMNS)].head(0).to_sql("fct_runners", engine, schema=SCHEMA, index=False)
    races.head(0).to_sql("fct_races", engine, schema=SCHEMA, index=False)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _copy(cursor, "fct_runners", runners[list(RUNNER_COLUMNS)])
        _copy(cursor, "fct_races", races)
        cursor.execute(ODDS_DDL)
        cursor.execute(f"CREATE INDEX ON {SCHEMA}.fct_runners (race_date)")
        cursor.execute(f"CREATE UNIQUE INDEX ON {SCHEMA}.fct_races (race_key)")
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {SCHEMA}.fct_runners")
        conn.exec_driver_sql(f"VACUUM ANALYZE {SCHEMA}.fct_races")


class ByteCounter:
    """A file-like sink for ``copy_expert`` that keeps nothing: the stream is read, counted and dropped."""

    def __init__(self):
        self.bytes = 0

    def write(self, data) -> int:
        self.bytes += len(data)
        return len(data)


def drain(engine: sa.Engine, start, end) -> tuple[float, int]:
    """(seconds, bytes) of ``COPY (the loader's runners query) TO STDOUT`` for [start, end], not parsed at all."""
    query = COPY_OUT.format(query=bound_query(engine, RUNNERS_SQL.format(schema=SCHEMA), {"start": start, "end": end}))
    raw = engine.raw_connection()
    try:
        sink = ByteCounter()
        started = time.perf_counter()
        raw.cursor().copy_expert(query, sink)
        elapsed = time.perf_counter() - started
        raw.commit()
        return elapsed, sink.bytes
    finally:
        raw.close()


def run(runners: pd.DataFrame, window: dict, rules: dict, naive_s: float,
        expected_bets: int) -> list[tuple[str, str, str, str]]:
    """``expected_bets`` is the in-memory run's count: the run from PostgreSQL must decide exactly the same."""
    engine = db.warehouse_engine()
    publish(engine, runners)
    try:
        start, end = runners["race_date"].min().date(), runners["race_date"].max().date()
        load_runners(engine, start, start, schema=SCHEMA)  # warm-up: imports, connection
        began = time.perf_counter()
        frame = load_runners(engine, start, end, schema=SCHEMA)
        loaded = time.perf_counter()
        prepared = prepare_racing(frame)
        ready = time.perf_counter()
        result = run_prepared("rule_based", prepared, {"rules": rules}, **window)
        done = time.perf_counter()
        drain_s, drained = drain(engine, start, end)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    if len(frame) != len(runners) or result.metrics["bets"] != expected_bets:
        raise RuntimeError(f"read {len(frame):,} runners back from {SCHEMA} (wrote {len(runners):,}) and bet "
                           f"{result.metrics['bets']:,} times (in memory: {expected_bets:,})")
    total, load_s, work_s = done - began, loaded - began, done - loaded
    per_drain, per_work = ratio(load_s, drain_s), ratio(total, work_s)
    return [(f"Backtest end to end from PostgreSQL (load {len(frame):,} runners + prepare + rule_based, "
             f"{result.metrics['bets']:,} bets)", f"{total:.1f}", "s",
             f"goal ≤ {GOAL_SECONDS:g} s ({total / GOAL_SECONDS:.2f}× goal): load {loaded - began:.1f} s · prepare "
             f"{ready - loaded:.1f} s · run {done - ready:.2f} s; naive loop is {naive_s / total:,.0f}× slower"),
            ("Backtest from PostgreSQL limit: COPY (the loader's runners query) TO STDOUT drained without parsing",
             f"{drain_s:.1f}", "s", f"{drained / 2**20:,.0f} MiB of binary COPY, {len(frame):,} rows, same run"),
            ("Backtest from PostgreSQL: load / that drain", f"{per_drain:.1f}", "×",
             f"{verdict(per_drain, GOAL_DRAINS)}: load {load_s:.1f} s vs drain {drain_s:.1f} s"),
            ("Backtest from PostgreSQL: end to end / (prepare + run)", f"{per_work:.1f}", "×",
             f"{verdict(per_work, GOAL_PREPARE_RUN)}: {total:.1f} s vs {work_s:.1f} s")]
