"""An hour of closing-tier odds polling, time compressed: does the poll loop keep up (no growing lag or memory)?

The real ``odds_polling_sensor`` wakes every 30 s, so an hour is 120 ticks. Each tick here sets the simulated clock
(``sensors.utcnow`` — the one sensor clock, patched as the tests patch it — and the simulator's clock) to the tick's
time, evaluates the real sensor through ``build_sensor_context`` (poll state query, ``plan_polls``, cursor), and then
does what each of its run requests would do in the ``odds_snapshots`` asset: ``poll_sports`` — an HTTP /odds call to
the simulator, the odds suite through the gate, the transactional load. Only Dagster's run launch is left out
(``poll_to_arbitrage`` measures that path under the real daemon). Snapshots are stamped with the simulated clock (the
client stamps wall time, so a thin wrapper swaps it), which makes the plan of the next tick see them as the real one
would.

The simulated hour is chosen in the recent past (so the gate's "not in the future" rule holds) where the most
simulator events sit in the closing tier (0–3 h before the start). Two cadences run from an empty slate each:
the product's tier table (closing every 30 min: most ticks only plan) and a worst case where the closing tier is
polled on every tick, the fastest the sensor can poll. "Lag" is the per-tick work against the 30 s budget — the loop
only falls behind real time if that grows — and the age of the oldest closing-tier price after each tick.
Memory is this process's RSS (it also serves the simulator). Everything stored is deleted afterwards.
"""
from __future__ import annotations

import dataclasses
import statistics
import time
from datetime import datetime, timedelta, timezone
from functools import partial

import pandas as pd
import psutil
import sqlalchemy as sa

from benchmarks.sizes import pick
from ingestion.odds_api.polling import DEFAULT_TIERS, load_poll_state, plan_polls, poll_sports
from ingestion.odds_api.sim_model import SPORTS, Market
from ingestion.odds_api.simulator import OddsApiSimulator
from paddock import db

TICKS = pick(120, 6)
TICK = timedelta(seconds=30)
SEED = 7301  # not the demo's seed, so the events (and their cleanup) are this benchmark's own
API_KEY = "bench-closing"
EVERY_TICK = tuple(dataclasses.replace(t, interval_minutes=TICK.total_seconds() / 60) if t.name == "closing" else t
                   for t in DEFAULT_TIERS)


def busiest_closing_hour(real_now: datetime, market: Market) -> datetime:
    """Start (a 5-minute mark; it ends ≥ 5 min before now) of the past-48 h hour with most events ≤ 3 h out."""
    latest = real_now - timedelta(hours=1, minutes=5)
    latest -= timedelta(minutes=latest.minute % 5, seconds=latest.second, microseconds=latest.microsecond)
    events = [e["commence"] for s in SPORTS.values() for e in market.events(s, latest)]

    def closing(at: datetime) -> int:
        return sum(at < c <= at + timedelta(hours=3) for c in events)

    return max((latest - timedelta(minutes=5 * k) for k in range(48 * 12)), key=closing)


class SimClockClient:
    """The real client, with each result stamped at the simulated time instead of the wall clock."""

    def __init__(self, client, clock):
        self._client, self._clock = client, clock

    def odds(self, *args, **kwargs):
        return dataclasses.replace(self._client.odds(*args, **kwargs), fetched_at=self._clock())

    def close(self) -> None:
        self._client.close()


def event_ids(market: Market, start: datetime) -> list[str]:
    return [e["id"] for s in SPORTS.values() for at in (start, start + timedelta(hours=2))
            for e in market.events(s, at)]


def cleanup(engine: sa.Engine, ids: list[str], base_url: str, requests: set[str]) -> None:
    with engine.begin() as conn:
        snaps = list(conn.execute(sa.text("SELECT snapshot_id FROM raw.odds_snapshots WHERE event_id = ANY(:ids)"),
                                  {"ids": ids}).scalars())
        conn.execute(sa.text("DELETE FROM raw.odds WHERE event_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM raw.odds_snapshots WHERE event_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM raw.events WHERE id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM quarantine.odds WHERE _scope = ANY(:s)"), {"s": snaps})
        conn.execute(sa.text("DELETE FROM ops.data_quality_log WHERE run_id = ANY(:r)"), {"r": sorted(requests)})
        conn.execute(sa.text("DELETE FROM ops.fetch_log WHERE url LIKE :u"), {"u": base_url + "/%"})


def closing_age_minutes(engine: sa.Engine, now: datetime) -> float:
    """Minutes since the last snapshot of the stalest event in the closing tier (what the sensor keeps fresh)."""
    state = load_poll_state(engine, now)
    hours = (pd.to_datetime(state["commence_time"], utc=True) - pd.Timestamp(now)).dt.total_seconds() / 3600
    closing = state[((hours > 0) & (hours < 3)).to_numpy()]  # at exactly 3 h an event is still pregame
    if closing.empty or closing["last_fetched_at"].isna().any():
        return float("nan")
    return (pd.Timestamp(now) - pd.to_datetime(closing["last_fetched_at"], utc=True)).max().total_seconds() / 60


def simulate_hour(engine, sim, clock, start: datetime, tiers, requests: set[str], ticks: int = TICKS) -> dict:
    """``ticks`` ticks from ``start``: sensor evaluation + the polls it requests, timed per tick."""
    import dagster as dg

    from orchestration.defs.odds import sensors
    from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
    from orchestration.defs.warehouse.resources import WarehouseResource

    polling = OddsPollingResource()
    resources = {"warehouse": WarehouseResource(database_url=db.warehouse_url()), "odds_polling": polling}
    api = OddsApiResource(api_key=API_KEY, base_url=sim.base_url)
    saved = (sensors.utcnow, sensors.plan_polls)
    sensors.utcnow = lambda: clock["now"]
    sensors.plan_polls = partial(plan_polls, tiers=tiers)
    me = psutil.Process()
    work, ages, rss, rows, polls, cursor, failed, launched = [], [], [], 0, 0, None, 0, set()
    wall = time.perf_counter()
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            for i in range(ticks):
                clock["now"] = start + i * TICK
                if i % max(1, ticks // 4) == 0:
                    rss.append(me.memory_info().rss)
                began = time.perf_counter()
                context = dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor)
                result = sensors.odds_polling_sensor(context)
                cursor = result.cursor
                client = SimClockClient(api.client(engine), lambda: clock["now"])
                try:
                    for request in result.run_requests or []:
                        if request.run_key in launched:  # the daemon launches a run key once
                            continue
                        launched.add(request.run_key)
                        config = request.run_config["ops"]["odds_snapshots"]["config"]
                        report = poll_sports(client, engine, config["sports"], request_prefix=request.run_key,
                                             event_ids=config["event_ids"], regions=polling.region_list(),
                                             markets=polling.market_list(), odds_format=polling.odds_format)
                        polls += 1
                        requests.update(f"{request.run_key}:{sport}" for sport in config["sports"])
                        rows += sum(r.get("odds", 0) for r in report.values())
                        failed += sum("error" in r for r in report.values())
                finally:
                    client.close()
                work.append(time.perf_counter() - began)
                ages.append(closing_age_minutes(engine, clock["now"]))
    finally:
        sensors.utcnow, sensors.plan_polls = saved
    rss.append(me.memory_info().rss)
    return {"wall": time.perf_counter() - wall, "work": work, "ages": ages, "rss": rss, "rows": rows,
            "polls": polls, "failed": failed}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rows(label: str, run: dict) -> list[tuple[str, str, str, str]]:
    work, quarter = run["work"], max(1, len(run["work"]) // 4)
    first, last = statistics.median(work[:quarter]), statistics.median(work[-quarter:])
    budget, behind = TICK.total_seconds(), 0.0
    for seconds in work:  # paced in real time, a tick starts late only if the ones before overran the budget
        behind = max(0.0, behind + seconds - budget)
    hour_s = TICKS * budget
    ages = [a for a in run["ages"] if a == a]  # drop NaN: ticks with no closing event known yet
    mib = " → ".join(f"{r / 2**20:.0f}" for r in run["rss"])
    name = f"Closing-tier polling, 1 hour compressed ({TICKS} sensor ticks, {label})"
    return [
        (f"{name}: wall time for the simulated hour", f"{run['wall']:.1f}", "s",
         f"{hour_s / run['wall']:.0f}× faster than real time; {run['polls']} polls ({run['failed']} sport(s) "
         f"failed), {run['rows']:,} odds rows stored"),
        (f"{name}: per-tick work p50 / p95 / max", f"{statistics.median(work) * 1000:.0f} / "
         f"{_quantile(work, 0.95) * 1000:.0f} / {max(work) * 1000:.0f}", "ms",
         f"budget {budget:.0f} s per tick ({max(work) / budget:.1%} of it at worst)"),
        (f"{name}: lag trend, median tick work first → last quarter", f"{first * 1000:.0f} → {last * 1000:.0f}",
         "ms", f"must not grow ({last / first:.2f}×); paced in real time the last tick would start {behind:.0f} s "
         f"late; oldest closing-tier price after a tick ≤ {max(ages, default=float('nan')):.1f} min"),
        (f"{name}: process RSS at start / quarters / end", mib, "MiB",
         f"no growth wanted ({(run['rss'][-1] - run['rss'][0]) / 2**20:+.1f} MiB over the hour)"),
    ]


def run() -> list[tuple[str, str, str, str]]:
    from ingestion.warehouse import ensure_warehouse

    engine = db.warehouse_engine()
    ensure_warehouse(engine)
    market = Market(SEED)
    start = busiest_closing_hour(datetime.now(timezone.utc), market)
    ids = event_ids(market, start)
    clock = {"now": start}
    out = []
    with OddsApiSimulator(seed=SEED, api_key=API_KEY, quota=10**9, clock=lambda: clock["now"]) as sim:
        warm: set[str] = set()  # one discovery tick a day earlier: imports and the GX context, not timed
        try:
            simulate_hour(engine, sim, clock, start - timedelta(days=1), DEFAULT_TIERS, warm, ticks=1)
        finally:
            cleanup(engine, ids + event_ids(market, start - timedelta(days=1)), sim.base_url, warm)
        for label, tiers in (("product tier table: closing every 30 min", DEFAULT_TIERS),
                             ("worst case: closing tier polled every tick", EVERY_TICK)):
            requests: set[str] = set()
            cleanup(engine, ids, sim.base_url, requests)
            try:
                out += _rows(label, simulate_hour(engine, sim, clock, start, tiers, requests))
            finally:
                cleanup(engine, ids, sim.base_url, requests)
    return out


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
