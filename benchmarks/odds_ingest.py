"""Odds ingest: parse + validate + COPY of ~1,000,000 normalized odds rows (goal ≥ 100,000 rows/s) vs plain COPY.

Payloads are real /odds responses of the local simulator (``OddsApiSimulator`` on 127.0.0.1, the four sports it
serves, regions us,eu and markets h2h,spreads,totals — the polling defaults), fetched at a few simulated clock times
and then replayed as many fetches (distinct request id and snapshot time each) until the row target is reached. The
payload list is built once and not timed; event ids get a ``bench-odds-`` prefix so cleanup touches nothing else.

(a) is the bulk path: ``store_fetches`` over batches of ``BATCH_FETCHES`` payloads (one transaction and one gate
validation per batch: event upsert, parse_odds, the odds suite through the gate, quarantine and data-quality log,
JSONB snapshots and the COPY into raw.odds with its indexes and foreign key). Its time is also split by phase (parse /
gate / COPY into raw.odds / the rest) by wrapping the functions ``storage`` calls. The poll path (one payload per
call, as the sensor's runs store them) is measured on the first ``POLL_PATH_ROWS`` rows: there fixed costs dominate.
(b) is the limit issue 17 sets (absolute times move 2× between machines, so the goal is a ratio of the same run): the
very rows (a) wrote, exported once as CSV (untimed), deleted and COPYed back in 100,000-row chunks into raw.odds
itself — same three indexes, foreign key and WAL, no Python formatting; (a) must reach ≥ 0.6 of its rows/s. The same
CSV is also COPYed into a TEMP table ``LIKE raw.odds INCLUDING DEFAULTS`` (none of those), which shows what the
indexes, foreign-key checks and WAL cost on their own.
(c) is the poll path's limit: the rows the poll path wrote, exported the same way and COPYed back into raw.odds one
fetch (same snapshot time) per transaction, as the poll path commits them; a fetch may take ≤ 3× its COPY alone.
(a) is time-boxed: if the full count would take longer than ``TIME_BOX_SECONDS`` it stops there and the row says
how many rows it measured. Everything inserted is deleted afterwards.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ingestion.odds_api import storage
from ingestion.odds_api.sim_model import SPORTS
from ingestion.odds_api.simulator import OddsApiSimulator
from paddock import db
from benchmarks.goals import ratio, verdict
from benchmarks.odds_copy_limits import CHUNK_ROWS, PREFIX, timed_plain_copies
from benchmarks.sizes import pick

ROW_TARGET = pick(1_000_000, 6_000)
BATCH_FETCHES = pick(100, 3)  # ~110k rows per gate call and transaction: a backfill/replay of recorded odds
POLL_PATH_ROWS = pick(100_000, 2_000)
GOAL_ROWS_PER_S = 100_000
GOAL_OF_COPY = 0.6  # the store path's rows/s ≥ 0.6 of the plain COPY into raw.odds
GOAL_POLL_COPIES = 3.0  # a poll-path fetch ≤ 3× the COPY of its rows alone
TIME_BOX_SECONDS = 180.0
REGIONS, MARKETS = "us,eu", "h2h,spreads,totals"
FETCH_TIMES = 4  # simulator clock times per sport, so replicas are not all the same prices


def _rows_in(payload: list) -> int:
    return sum(len(m["outcomes"]) for e in payload for b in e["bookmakers"] for m in b["markets"])


def fetch_payloads(now: datetime) -> list[tuple[str, list, int]]:
    """(sport, payload, rows) for every sport at FETCH_TIMES clock times, fetched over HTTP from the simulator."""
    clock = {"now": now}
    out = []
    with OddsApiSimulator(api_key="bench", quota=10**9, clock=lambda: clock["now"]) as sim:
        for k in range(FETCH_TIMES):
            clock["now"] = now - timedelta(minutes=20 * k)  # in the past: the gate rejects future timestamps
            for sport in SPORTS:
                url = (f"{sim.base_url}/v4/sports/{sport}/odds?apiKey=bench&regions={REGIONS}&markets={MARKETS}"
                       "&oddsFormat=decimal&dateFormat=iso")
                with urllib.request.urlopen(url, timeout=30) as response:
                    payload = json.load(response)
                for event in payload:
                    event["id"] = PREFIX + str(event["id"])
                out.append((sport, payload, _rows_in(payload)))
    return out


def build_fetches(now: datetime, target: int | None = None) -> list[tuple[str, list, datetime, str, int]]:
    """(sport, payload, snapshot_time, request_id, rows) replayed until ``target`` rows; payload objects are shared."""
    target = ROW_TARGET if target is None else target
    payloads = fetch_payloads(now)
    fetches, total, i = [], 0, 0
    while total < target:
        sport, payload, rows = payloads[i % len(payloads)]
        at = now - timedelta(minutes=5 * (i // len(SPORTS)), seconds=i % len(SPORTS))
        fetches.append((sport, payload, at, f"{PREFIX}{i}:{sport}", rows))
        total += rows
        i += 1
    return fetches


def cleanup(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table, column in (("raw.odds", "event_id"), ("raw.odds_snapshots", "event_id"), ("raw.events", "id"),
                              ("quarantine.odds", "_run_id"), ("ops.data_quality_log", "run_id")):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} LIKE :p"), {"p": PREFIX + "%"})


class _TimedCursor:
    """A cursor proxy that times ``copy_expert`` (the server side of a COPY) into ``seconds``."""

    def __init__(self, cursor, seconds: dict[str, float], phase: str):
        self._cursor, self._seconds, self._phase = cursor, seconds, phase

    def copy_expert(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._cursor.copy_expert(*args, **kwargs)
        finally:
            self._seconds[self._phase] += time.perf_counter() - started

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


class PhaseTimer:
    """Wrap the functions ``storage`` looks up at call time; restore them on exit.

    The COPY into raw.odds is split in two: building the CSV in Python (``copy_rows``' own work) and the server
    COPY (``copy_expert``: network, index maintenance, foreign-key checks, WAL).
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self._saved: dict[str, object] = {}

    def _wrap(self, name: str, phase) -> None:
        original = getattr(storage, name)
        self._saved[name] = original

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase(args)] += time.perf_counter() - started

        setattr(storage, name, timed)

    def __enter__(self) -> PhaseTimer:
        self._wrap("parse_odds", lambda args: "parse")
        self._wrap("gate_odds", lambda args: "gate")
        self._wrap("copy_rows", lambda args: "COPY snapshots")  # raw.odds goes through split
        original = self._saved["copy_rows"]
        timed = storage.copy_rows

        def split(cursor, table, *rest):
            if table != "raw.odds":
                return timed(cursor, table, *rest)
            proxy = _TimedCursor(cursor, self.seconds, "COPY raw.odds server")
            server_before, started = self.seconds["COPY raw.odds server"], time.perf_counter()
            try:
                return original(proxy, table, *rest)
            finally:
                server = self.seconds["COPY raw.odds server"] - server_before
                self.seconds["COPY raw.odds CSV"] += time.perf_counter() - started - server

        storage.copy_rows = split
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._saved.items():
            setattr(storage, name, original)


def timed_store(engine: sa.Engine, fetches, batch: int = 1, row_cap: int | None = None,
                ) -> tuple[float, int, int, dict[str, float]]:
    """(seconds, odds rows, fetches stored, seconds per phase) storing ``batch`` fetches per ``store_fetches`` call
    (1 = the poll path, one sport's response per transaction), time-boxed and optionally capped in rows."""
    rows = done = 0
    with PhaseTimer() as phases:
        started = time.perf_counter()
        for i in range(0, len(fetches), batch):
            chunk = [storage.Fetch(sport, payload, at, None, request_id, "decimal")
                     for sport, payload, at, request_id, _ in fetches[i:i + batch]]
            rows += storage.store_fetches(engine, chunk).written["odds"]
            done += len(chunk)
            if time.perf_counter() - started > TIME_BOX_SECONDS or (row_cap and rows >= row_cap):
                break
        elapsed = time.perf_counter() - started
    return elapsed, rows, done, dict(phases.seconds)


def vacuum(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("raw.odds", "raw.odds_snapshots", "raw.events"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def run() -> list[tuple[str, str, str, str]]:
    engine = db.warehouse_engine()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fetches = build_fetches(now)
    cleanup(engine)
    try:
        # warm-up (imports, pandas code paths, connection pool) on one fetch, then start from an empty slate
        warm = fetches[0]
        storage.store_snapshot(engine, warm[0], warm[1], warm[2] - timedelta(days=30), None, f"{PREFIX}warm",
                               odds_format="decimal")
        cleanup(engine)
        store_s, stored, done, phases = timed_store(engine, fetches, batch=BATCH_FETCHES)
        copies = timed_plain_copies(engine)
        cleanup(engine)
        poll_s, polled, polls, _ = timed_store(engine, fetches, batch=1, row_cap=POLL_PATH_ROWS)
        poll_copy_s, poll_copied, poll_copies = timed_plain_copies(engine, per_fetch=True)["raw.odds"]
    finally:
        cleanup(engine)
        vacuum(engine)
    if any(n != stored for _, n, _ in copies.values()) or (poll_copied, poll_copies) != (polled, polls):
        raise RuntimeError(f"plain COPY saw {copies} rows, store_fetches wrote {stored:,}; per fetch it saw "
                           f"{poll_copied:,} rows in {poll_copies} fetches, the poll path wrote {polled:,} in {polls}")
    (copy_s, copied, _), (real_s, _, _) = copies["temp"], copies["raw.odds"]
    store_rate, copy_rate, real_rate = stored / store_s, copied / copy_s, copied / real_s
    of_copy, poll_per_copy = ratio(store_rate, real_rate), ratio(poll_s, poll_copy_s)
    partial = ("" if done == len(fetches)
               else f" (time-boxed at {TIME_BOX_SECONDS:.0f} s: {done} of {len(fetches)} fetches)")
    rest = store_s - sum(phases.values())
    split = " · ".join(f"{name} {seconds / store_s:.0%}" for name, seconds in
                       [*sorted(phases.items(), key=lambda kv: -kv[1]), ("other", rest)])
    per_fetch, copy_per_fetch = poll_s / polls * 1000, poll_copy_s / polls * 1000
    return [
        (f"Odds ingest: parse + gate + COPY into raw.odds, {stored:,} rows in {done:,} fetches, "
         f"{BATCH_FETCHES} fetches per transaction{partial}", f"{store_rate:,.0f}", "rows/s",
         f"goal ≥ {GOAL_ROWS_PER_S:,} rows/s ({store_rate / GOAL_ROWS_PER_S:.2f}× goal); {store_s:.1f} s: {split}"),
        ("Odds ingest limit: plain COPY of the same rows into raw.odds itself (3 indexes, FK, WAL)",
         f"{real_rate:,.0f}", "rows/s", f"{real_s:.1f} s in {CHUNK_ROWS:,}-row chunks, same run"),
        ("Odds ingest: store path / plain COPY into raw.odds (same indexes, FK, WAL)", f"{of_copy:.2f}", "ratio",
         f"{verdict(of_copy, GOAL_OF_COPY, at_most=False, unit='')} of its rows/s"),
        (f"Odds ingest: plain COPY of the same {copied:,} rows into a TEMP copy of raw.odds (no indexes/FK/WAL)",
         f"{copy_rate:,.0f}", "rows/s", f"{copy_s:.1f} s; the store path reaches {store_rate / copy_rate:.2f} of it"),
        (f"Odds ingest, poll path: one fetch (one sport's response) per transaction, {polled:,} rows in {polls} "
         "fetches", f"{per_fetch:.0f}", "ms per fetch", f"~{polled // polls:,} rows per fetch, {polled / poll_s:,.0f} "
         "rows/s"),
        ("Odds ingest, poll path limit: COPY of the same rows alone into raw.odds, one fetch per transaction",
         f"{copy_per_fetch:.1f}", "ms per fetch", f"{poll_copy_s:.2f} s for {poll_copies} fetches, same run"),
        ("Odds ingest, poll path: per fetch / the COPY of its rows alone", f"{poll_per_copy:.1f}", "×",
         verdict(poll_per_copy, GOAL_POLL_COPIES)),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
