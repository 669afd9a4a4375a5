"""Odds polling sensor tick over 10,000 upcoming events (goal ≤ 1 s, median of 5): the sensor wakes every 30 s.

10,000 scheduled events (ids ``bench-tick-…``) spread over the next six days across the four default sports, 40 % of
them with one to three snapshots in the last two days, plus one ops.fetch_log quota reading so the month's credit
projection (``projected_daily_calls``) runs as it would after a real fetch. Rows are generated server-side and
ANALYZEd; none of that is timed.

Two figures: the planning work itself — ``load_poll_state`` (one query) + ``plan_polls`` with the inputs the sensor
passes (quota reading, days left, cost per call, sports, discovery settings) — and one real evaluation of
``odds_polling_sensor`` through ``dagster.build_sensor_context`` (adds ``ready_engine``'s ensure_warehouse, the
cursor and the RunRequests). Each is the median of 5 after one warm-up. Everything inserted is deleted afterwards.
"""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import sqlalchemy as sa

from ingestion.odds_api.polling import (
    days_left_in_month, latest_quota_remaining, load_poll_state, plan_polls,
)
from paddock import db
from benchmarks.sizes import pick

EVENTS = pick(10_000, 300)
SNAPSHOT_SHARE = 0.4
REPEATS = pick(5, 1)
GOAL_SECONDS = 1.0
PREFIX = "bench-tick-"
QUOTA_SITE = "the-odds-api"
QUOTA_MARK = "bench-tick"  # ops.fetch_log.parser of the planted quota reading, for cleanup

_EVENTS_SQL = sa.text("""
    INSERT INTO raw.events (id, sport, sport_title, commence_time, home_team, away_team, status)
    SELECT :prefix || i, (:sports)[1 + i % cardinality(:sports)], 'Bench',
           now() + interval '5 minutes' + (i * interval '6 days' / :n), 'Home ' || i, 'Away ' || i, 'scheduled'
    FROM generate_series(0, :n - 1) AS i
""")
_SNAPSHOTS_SQL = sa.text("""
    INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, bookmaker_count, fetch_tier)
    SELECT e.id || '-' || k, e.id, e.sport, '{}'::jsonb,
           now() - ((hashtext(e.id || k) & 2047) * interval '1 minute' + k * interval '1 hour'), 0, 'bench'
    FROM raw.events e CROSS JOIN LATERAL generate_series(1, 1 + (hashtext(e.id) & 3) % 3) AS k
    WHERE e.id LIKE :prefix || '%' AND (hashtext(e.id) & 1023) < :share * 1024
""")


def seed(engine: sa.Engine, sports: list[str]) -> tuple[int, int]:
    with engine.begin() as conn:
        conn.execute(_EVENTS_SQL, {"prefix": PREFIX, "sports": sports, "n": EVENTS})
        snapshots = conn.execute(_SNAPSHOTS_SQL, {"prefix": PREFIX, "share": SNAPSHOT_SHARE}).rowcount
        conn.execute(sa.text(
            "INSERT INTO ops.fetch_log (fetched_at, site, url, status, parser, meta) VALUES "
            "(now(), :site, 'https://bench.invalid/v4/sports', 200, :mark, '{\"x-requests-remaining\": \"20000\"}')"),
            {"site": QUOTA_SITE, "mark": QUOTA_MARK})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("raw.events", "raw.odds_snapshots", "ops.fetch_log"):
            conn.exec_driver_sql(f"ANALYZE {table}")
    return EVENTS, snapshots


def cleanup(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM raw.odds_snapshots WHERE event_id LIKE :p"), {"p": PREFIX + "%"})
        conn.execute(sa.text("DELETE FROM raw.events WHERE id LIKE :p"), {"p": PREFIX + "%"})
        conn.execute(sa.text("DELETE FROM ops.fetch_log WHERE parser = :m AND site = :s"),
                     {"m": QUOTA_MARK, "s": QUOTA_SITE})


def median_seconds(work, repeats: int = REPEATS) -> tuple[float, object]:
    result = work()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run() -> list[tuple[str, str, str, str]]:
    import dagster as dg

    from orchestration.defs.odds import sensors
    from orchestration.defs.odds.resources import OddsPollingResource
    from orchestration.defs.warehouse.resources import WarehouseResource

    engine = db.warehouse_engine()
    polling = OddsPollingResource()
    sports = polling.sport_list()
    cleanup(engine)
    try:
        events, snapshots = seed(engine, sports)

        def plan_tick():  # the body of odds_polling_sensor without Dagster, as it calls polling.py
            now = sensors.utcnow()
            return plan_polls(
                load_poll_state(engine, now), now,
                quota_remaining=latest_quota_remaining(engine, now), days_left_in_month=days_left_in_month(now),
                cost_per_call=polling.cost_per_call(), sports=sports,
                discovery_every=timedelta(hours=polling.discovery_hours),
                discovery_horizon=timedelta(days=polling.discovery_horizon_days), recently_requested={},
            )

        plan_s, plan = median_seconds(plan_tick)
        state_rows = len(load_poll_state(engine, sensors.utcnow()))

        with dg.DagsterInstance.ephemeral() as instance:
            resources = {"warehouse": WarehouseResource(database_url=db.warehouse_url()), "odds_polling": polling}

            def sensor_tick():  # a fresh context each time: an empty cursor, so every tick plans the full set
                context = dg.build_sensor_context(instance=instance, resources=resources)
                return sensors.odds_polling_sensor(context)

            tick_s, result = median_seconds(sensor_tick)
    finally:
        cleanup(engine)
    due = sum(len(r.event_ids) for r in plan.requests)
    label = f"{events:,} upcoming events, {snapshots:,} snapshots"
    return [
        (f"Odds sensor tick: load_poll_state + plan_polls ({label}; {state_rows:,} state rows → "
         f"{len(plan.requests)} polls, {due:,} events due)", f"{plan_s * 1000:.0f}", "ms",
         f"goal ≤ {GOAL_SECONDS:g} s ({plan_s / GOAL_SECONDS:.2f}× goal), median of {REPEATS}; "
         f"quota projection {plan.projected_credits} credits"),
        (f"Odds sensor tick: full odds_polling_sensor evaluation via build_sensor_context "
         f"({len(result.run_requests or [])} run requests)", f"{tick_s * 1000:.0f}", "ms",
         f"goal ≤ {GOAL_SECONDS:g} s ({tick_s / GOAL_SECONDS:.2f}× goal), median of {REPEATS}"),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
