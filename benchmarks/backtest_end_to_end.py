"""Backtest end to end from PostgreSQL at US scale: read the runners from the marts, prepare, run one strategy.

The in-memory benchmark (``backtest_engine``) times the engine on a frame it already holds; a user's run starts in
the warehouse. Here the same US-scale frame is first written (untimed, COPY) to a copy of the two marts tables the
loader reads — schema ``bench_marts``: ``fct_runners``, ``fct_races`` and an empty ``fct_odds`` (no tote snapshots
in synthetic history) — and then timed exactly as the ``backtest`` asset runs: ``load_runners`` (COPY … TO STDOUT
streamed into pandas' CSV parser), ``prepare_racing`` and ``run_prepared``. The schema is dropped afterwards.
"""
from __future__ import annotations

import io
import time

import pandas as pd
import sqlalchemy as sa

from backtests.engine import prepare_racing, run_prepared
from backtests.frames import RACE_CONTEXT, RUNNER_COLUMNS, load_runners
from paddock import db

SCHEMA = "bench_marts"
GOAL_SECONDS = 15.0
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
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    if len(frame) != len(runners) or result.metrics["bets"] != expected_bets:
        raise RuntimeError(f"read {len(frame):,} runners back from {SCHEMA} (wrote {len(runners):,}) and bet "
                           f"{result.metrics['bets']:,} times (in memory: {expected_bets:,})")
    total = done - began
    return [(f"Backtest end to end from PostgreSQL (load {len(frame):,} runners + prepare + rule_based, "
             f"{result.metrics['bets']:,} bets)", f"{total:.1f}", "s",
             f"goal ≤ {GOAL_SECONDS:g} s ({total / GOAL_SECONDS:.2f}× goal): load {loaded - began:.1f} s · prepare "
             f"{ready - loaded:.1f} s · run {done - ready:.2f} s; naive loop is {naive_s / total:,.0f}× slower")]
