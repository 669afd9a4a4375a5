"""The facts behind ``paddock status``: is the pipeline healthy? Plain functions returning data; rendering is elsewhere.

Everything is read live from the warehouse (``ops.fetch_log``, ``raw``/``quarantine``, ``marts``) and from the Dagster
instance (run storage, sensor and schedule states), never from the marts that summarise them (``marts.fetch_health``),
because a stale mart is one of the things this screen must reveal.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ingestion.clock import utcnow
from paddock.status_dagster import (  # noqa: F401  (re-exported: callers read them from here)
    FAILING_STREAK, WINDOW, InstigatorHealth, JobHealth, _ts, instigator_health, job_health,
)

ODDS_API_SITE = "the-odds-api"
#: Thresholds of the one-line verdict; the figures themselves are always shown.
MIN_SUCCESS_RATE = 0.9
MAX_QUARANTINE_SHARE = 0.05
MIN_QUOTA = 100
#: HTTP answers that say "no such thing" (a dark day's race card, an event the API no longer lists): the site
#: answered, so they count as successful fetches here, unlike 5xx, timeouts or 401/429.
ANSWERED_NOT_FOUND = (404, 410)
#: Quarantine tables of files the user types by hand. Their rejects are the user's typos, listed with reasons in the
#: table and the ``ledger_rows_parse`` check (the example ledger carries two on purpose); they say nothing about
#: whether the pipeline is healthy, so they are shown but never a problem. Feed tables are judged per source.
USER_INPUT_TABLES = frozenset({"ledger_bets"})
#: Columns that say when a mart row was loaded or last changed, in order of preference.
FRESHNESS_COLUMNS = ("_loaded_at", "loaded_at", "updated_at", "snapshot_time")


@dataclass(frozen=True)
class SourceHealth:
    """One fetched site. Success = no error and HTTP 2xx/3xx, or a 404/410 answer (``ANSWERED_NOT_FOUND``)."""

    source: str
    last_success: datetime | None
    last_failure: datetime | None
    attempts_24h: int
    success_rate_24h: float | None  # None without attempts in the window
    failing_streak: int  # failed attempts since the last success (all of them if it never succeeded)


@dataclass(frozen=True)
class QuarantineShare:
    """Rows of one source in one table: a share over the threshold means that feed or its parser broke. Per source,
    because a broken small source must not hide behind a big healthy one."""

    table: str
    published: int
    quarantined: int
    source: str | None = None  # the rows' ``_source``; None when the table has no such column

    @property
    def judged(self) -> bool:
        return self.table not in USER_INPUT_TABLES

    @property
    def share(self) -> float | None:
        total = self.published + self.quarantined
        return self.quarantined / total if total else None


@dataclass(frozen=True)
class MartFreshness:
    table: str
    rows: int
    column: str | None  # the freshness column used, None when the mart has none
    latest: datetime | None
    materialized_at: datetime | None = None  # from Dagster's event log, when an instance is given


@dataclass
class PipelineStatus:
    generated_at: datetime
    database_bytes: int
    odds_quota_remaining: int | None
    sources: list[SourceHealth]
    quarantine: list[QuarantineShare]
    marts: list[MartFreshness]
    jobs: list[JobHealth] = field(default_factory=list)
    instigators: list[InstigatorHealth] = field(default_factory=list)
    dagster_unavailable: str | None = None  # why the instance could not be read: its half of the screen is blind

    def problems(self) -> list[str]:
        """What an operator should look at; empty when the pipeline is healthy."""
        found = [f"Dagster instance unavailable: {self.dagster_unavailable}"] if self.dagster_unavailable else []
        found += [f"{s.source}: {s.failing_streak} failed fetches in a row" for s in self.sources
                 if s.failing_streak >= FAILING_STREAK]
        found += [f"{s.source}: {s.success_rate_24h:.0%} of fetches succeeded in 24 h" for s in self.sources
                  if s.success_rate_24h is not None and s.success_rate_24h < MIN_SUCCESS_RATE]
        found += [f"{i.name} ({i.kind}): {i.failed_ticks_24h} failed tick(s) in 24 h, last tick "
                  f"{(i.last_tick_status or '').lower()}" + (f": {i.last_error}" if i.last_error else "")
                  for i in self.instigators if i.failing]
        found += [f"{j.job}: {j.failed_24h} failed run(s) in 24 h" for j in self.jobs if j.failed_24h]
        found += [f"{q.table}{f' ({q.source})' if q.source else ''}: {q.share:.1%} of rows quarantined"
                  for q in self.quarantine if q.judged and q.share is not None and q.share > MAX_QUARANTINE_SHARE]
        if self.odds_quota_remaining is not None and self.odds_quota_remaining < MIN_QUOTA:
            found.append(f"odds API: only {self.odds_quota_remaining} credits left this month")
        return found

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = self.problems()
        data["quarantine"] = [{**asdict(q), "share": q.share} for q in self.quarantine]
        return _jsonable(data)


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def source_health(engine: sa.Engine, now: datetime) -> list[SourceHealth]:
    query = sa.text("""
        WITH fetches AS (
            SELECT id, fetched_at, coalesce(site, 'unknown') AS source,
                   (error IS NULL AND status BETWEEN 200 AND 399) OR coalesce(status = ANY(:answered), false) AS ok
            FROM ops.fetch_log WHERE fetched_at <= :now
        ), last_ok AS (
            SELECT source, max(fetched_at) AS at FROM fetches WHERE ok GROUP BY source
        )
        SELECT f.source,
               max(f.fetched_at) FILTER (WHERE f.ok) AS last_success,
               max(f.fetched_at) FILTER (WHERE NOT f.ok) AS last_failure,
               count(*) FILTER (WHERE f.fetched_at > :since) AS attempts_24h,
               avg(f.ok::int) FILTER (WHERE f.fetched_at > :since) AS success_rate_24h,
               count(*) FILTER (WHERE NOT f.ok AND (l.at IS NULL OR f.fetched_at > l.at)) AS failing_streak
        FROM fetches f LEFT JOIN last_ok l USING (source)
        GROUP BY f.source ORDER BY f.source
    """)
    with engine.connect() as conn:
        rows = conn.execute(query, {"now": now, "since": now - WINDOW, "answered": list(ANSWERED_NOT_FOUND)}).all()
    return [SourceHealth(r.source, r.last_success, r.last_failure, r.attempts_24h,
                         None if r.success_rate_24h is None else float(r.success_rate_24h), r.failing_streak)
            for r in rows]


def odds_quota_remaining(engine: sa.Engine, now: datetime) -> int | None:
    """Credits left this month as The Odds API last reported them (the figure the polling sensor plans with)."""
    from ingestion.odds_api.polling import latest_quota_remaining

    return latest_quota_remaining(engine, now, site=ODDS_API_SITE)


def _tables(conn, schema: str) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"), {"schema": schema}).scalars())


def _has_source(conn, schema: str, table: str) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM information_schema.columns WHERE table_schema = :s "
                                "AND table_name = :t AND column_name = '_source'"), {"s": schema, "t": table}).first() is not None


def quarantine_shares(engine: sa.Engine) -> list[QuarantineShare]:
    """Rows quarantined vs published for every quarantine table with a raw twin (all time), per ``_source``."""
    with engine.connect() as conn:
        raw = set(_tables(conn, "raw"))
        shares = []
        for table in _tables(conn, "quarantine"):
            if table not in raw:
                continue
            if not (_has_source(conn, "raw", table) and _has_source(conn, "quarantine", table)):
                published = conn.execute(sa.text(f'SELECT count(*) FROM raw."{table}"')).scalar_one()
                quarantined = conn.execute(sa.text(f'SELECT count(*) FROM quarantine."{table}"')).scalar_one()
                shares.append(QuarantineShare(table, published, quarantined))
                continue
            counts = conn.execute(sa.text(
                f'SELECT _source, sum(p)::bigint, sum(q)::bigint FROM ('
                f'SELECT _source, 1 AS p, 0 AS q FROM raw."{table}" UNION ALL '
                f'SELECT _source, 0, 1 FROM quarantine."{table}") rows GROUP BY _source ORDER BY _source')).all()
            shares += [QuarantineShare(table, p, q, source) for source, p, q in counts]
            if not counts:
                shares.append(QuarantineShare(table, 0, 0))
    return shares


def mart_freshness(engine: sa.Engine) -> list[MartFreshness]:
    """Row count and newest load/update timestamp of every table in ``marts`` (views are always current)."""
    with engine.connect() as conn:
        columns: dict[str, set[str]] = {}
        for table, column in conn.execute(sa.text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'")):
            columns.setdefault(table, set()).add(column)
        marts = []
        for table in _tables(conn, "marts"):
            column = next((c for c in FRESHNESS_COLUMNS if c in columns.get(table, ())), None)
            latest_sql = f'max("{column}")' if column else "NULL::timestamptz"
            rows, latest = conn.execute(sa.text(f'SELECT count(*), {latest_sql} FROM marts."{table}"')).one()
            marts.append(MartFreshness(table, rows, column, latest))
    return marts


def database_bytes(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()


def materialized_at(instance, marts: list[MartFreshness]) -> list[MartFreshness]:
    """The marts with the time Dagster last materialized ``marts/<table>`` filled in."""
    import dagster as dg

    keys = [dg.AssetKey(["marts", m.table]) for m in marts]
    events = instance.get_latest_materialization_events(keys)
    return [MartFreshness(m.table, m.rows, m.column, m.latest,
                          _ts(events[k].timestamp) if events.get(k) is not None else None)
            for m, k in zip(marts, keys)]


def collect(engine: sa.Engine, instance=None, definitions=None, now: datetime | None = None) -> PipelineStatus:
    """The whole screen's data; the Dagster parts are left empty when no instance (or no definitions) is given."""
    now = now or utcnow()
    marts = mart_freshness(engine)
    status = PipelineStatus(
        generated_at=now, database_bytes=database_bytes(engine), odds_quota_remaining=odds_quota_remaining(engine, now),
        sources=source_health(engine, now), quarantine=quarantine_shares(engine), marts=marts)
    if instance is not None:
        status.marts = materialized_at(instance, marts)
        status.jobs = job_health(instance, now)
        if definitions is not None:
            status.instigators = instigator_health(instance, definitions, now)
    return status
