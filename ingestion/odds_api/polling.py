"""Which odds to poll now, within the month's credits, and the warehouse upkeep that goes with it.

Plain Python so the decision can be tested with a frozen clock and reused outside Dagster: the sensor only reads the
poll state with one query, calls ``plan_polls`` and turns its requests into runs.

Rules: an event is polled at the cadence of its tier (hours before the start, ``TIERS``) once ``now − last fetch ≥
interval``; live, final, cancelled and postponed events and anything already started are never polled. Due events are
grouped per (sport, tier) — one /odds call serves a whole sport — with a run key bucketed by the tier interval, so a
(sport, tier) costs at most one call per interval however often the sensor wakes. When the credits projected for the
rest of the month exceed what the API says remains, the lowest-value tiers (opening first, closing last) are dropped.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ingestion.http.records import redact_text
from ingestion.odds_api.storage import Fetch, store_fetches
from quality.gate import GateFailure
from quality.suites_odds import missing_coverage
from ingestion.odds_api.tiers import TIER_INTERVAL_MINUTES, TIERS

DISCOVERY = "discovery"
POLLABLE_STATUSES = ("scheduled",)
POLL_STATE_COLUMNS = ["event_id", "sport", "commence_time", "status", "last_fetched_at"]


@dataclass(frozen=True)
class Tier:
    """A row of the tier table: from ``min_hours`` before the start (up to the previous tier) poll every interval."""

    name: str
    min_hours: float
    interval_minutes: int


#: Highest ``min_hours`` first; the order is also the drop order under quota pressure (opening has least value).
DEFAULT_TIERS = tuple(Tier(name, hours, TIER_INTERVAL_MINUTES[name]) for name, hours in TIERS)


@dataclass(frozen=True)
class PollRequest:
    sport: str
    tier: str
    event_ids: tuple[str, ...]
    run_key: str


@dataclass
class PollPlan:
    requests: list[PollRequest] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (tier, why)
    deferred: list[str] = field(default_factory=list)  # "sport/tier" still in flight from an earlier tick
    projected_credits: int | None = None

    def describe(self) -> str:
        parts = [f"{len(self.requests)} poll(s)"]
        if self.dropped:
            parts.append("dropped " + "; ".join(f"{tier}: {why}" for tier, why in self.dropped))
        if self.deferred:
            parts.append("in flight " + ", ".join(self.deferred))
        return " | ".join(parts)


def run_key(sport: str, tier: str, now: datetime, interval: timedelta) -> str:
    """Same (sport, tier) in the same interval bucket → same key, so Dagster launches it once."""
    return f"odds:{sport}:{tier}:{int(now.timestamp() // interval.total_seconds())}"


def _epoch_s(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).astype("int64").to_numpy() // 10**9


def _assign_tiers(hours: np.ndarray, tiers: Sequence[Tier]) -> np.ndarray:
    return np.select([hours >= t.min_hours for t in tiers], [t.name for t in tiers], default="live")


def projected_daily_calls(
    events: pd.DataFrame, now: datetime, tiers: Sequence[Tier] = DEFAULT_TIERS, window: timedelta = timedelta(days=1)
) -> dict[str, int]:
    """Calls per tier over the next ``window``: distinct (sport, interval bucket) pairs in which some known event
    sits in that tier. Pollable events only; vectorised so 10,000 events cost milliseconds."""
    start, end = int(now.timestamp()), int((now + window).timestamp())
    commence = _epoch_s(events["commence_time"]) if len(events) else np.array([], dtype="int64")
    sport_codes = pd.factorize(events["sport"])[0].astype("int64") if len(events) else np.array([], dtype="int64")
    out: dict[str, int] = {}
    upper = math.inf
    for tier in tiers:
        step = tier.interval_minutes * 60
        a = np.full_like(commence, start) if upper == math.inf else np.maximum(commence - int(upper * 3600), start)
        b = np.minimum(commence - int(tier.min_hours * 3600), end)
        keep = a < b
        lo, hi = a[keep] // step, (b[keep] - 1) // step
        counts = (hi - lo + 1).astype("int64")
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        buckets = np.repeat(lo, counts) + offsets
        pairs = np.repeat(sport_codes[keep], counts) * 10**9 + buckets
        out[tier.name] = int(len(np.unique(pairs)))
        upper = tier.min_hours
    return out


def plan_polls(
    events: pd.DataFrame,
    now: datetime,
    tiers: Sequence[Tier] = DEFAULT_TIERS,
    quota_remaining: int | None = None,
    days_left_in_month: float | None = None,
    cost_per_call: int = 1,
    *,
    sports: Iterable[str] = (),
    discovery_every: timedelta = timedelta(hours=6),
    discovery_horizon: timedelta = timedelta(days=5),
    recently_requested: Mapping[tuple[str, str], datetime] | None = None,
    in_flight_grace: timedelta = timedelta(minutes=10),
) -> PollPlan:
    """Decide this tick's polls from the poll state (``POLL_STATE_COLUMNS``, one row per event).

    ``quota_remaining=None`` means unknown (no call yet this month): nothing is dropped. ``recently_requested`` holds
    when each (sport, tier) was last requested, so a run still in flight across a bucket boundary is not doubled.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tiers = sorted(tiers, key=lambda t: -t.min_hours)
    interval = {t.name: timedelta(minutes=t.interval_minutes) for t in tiers}
    frame = events.reindex(columns=POLL_STATE_COLUMNS)
    hours = (_epoch_s(frame["commence_time"]) - now.timestamp()) / 3600.0 if len(frame) else np.array([])
    upcoming = frame[hours > 0].assign(hours=hours[hours > 0])
    wanted = set(sports)
    if wanted:  # a sport dropped from the configuration stops being polled even though its events remain
        upcoming = upcoming[upcoming["sport"].isin(wanted)]
    pollable = upcoming[upcoming["status"].isin(POLLABLE_STATUSES)].copy()
    pollable["tier"] = _assign_tiers(pollable["hours"].to_numpy(), tiers)
    minutes = pollable["tier"].map({t.name: t.interval_minutes for t in tiers}).astype("float64")
    fetched = pd.to_datetime(pollable["last_fetched_at"], utc=True)
    age_min = (pd.Timestamp(now) - fetched).dt.total_seconds() / 60.0
    due = pollable[fetched.isna().to_numpy() | (age_min >= minutes).to_numpy()]

    plan = PollPlan()
    recent = recently_requested or {}
    candidates: list[PollRequest] = []
    for (sport, tier), group in due.groupby(["sport", "tier"], sort=True):
        requested = recent.get((sport, tier))
        if requested is not None and now - requested < min(interval[tier], in_flight_grace):
            plan.deferred.append(f"{sport}/{tier}")
            continue
        ids = tuple(sorted(group["event_id"].astype(str)))
        candidates.append(PollRequest(sport, tier, ids, run_key(sport, tier, now, interval[tier])))

    # Discovery: a sport with nothing upcoming, or whose known horizon is short and unrefreshed, gets one full fetch.
    for sport in sorted(wanted or set(upcoming["sport"])):
        known = upcoming[upcoming["sport"] == sport]
        last = pd.to_datetime(known["last_fetched_at"], utc=True).max() if len(known) else pd.NaT
        newest = pd.to_datetime(known["commence_time"], utc=True).max() if len(known) else pd.NaT
        short = pd.isna(newest) or newest < pd.Timestamp(now + discovery_horizon)
        stale = pd.isna(last) or pd.Timestamp(now) - last >= discovery_every
        if known.empty or (short and stale):
            if (sport, DISCOVERY) in recent and now - recent[(sport, DISCOVERY)] < in_flight_grace:
                plan.deferred.append(f"{sport}/{DISCOVERY}")
                continue
            candidates.append(PollRequest(sport, DISCOVERY, (), run_key(sport, DISCOVERY, now, discovery_every)))

    plan.requests = _within_quota(plan, candidates, pollable, now, tiers, quota_remaining, days_left_in_month,
                                  cost_per_call)
    return plan


def _within_quota(plan, candidates, pollable, now, tiers, remaining, days_left, cost):
    """Drop the lowest-value tiers until the month's projection fits; if this tick alone cannot be paid, stop all.

    The projection is the next 24 h of tier polls for the events known now, times the days left. Discovery is not
    projected (≤ 1 call per sport per ``discovery_every``, and only when no tier poll refreshed the sport); it is
    dropped only when this tick itself cannot be paid.
    """
    if remaining is None:
        return candidates
    daily = projected_daily_calls(pollable, now, tiers)
    days = max(days_left or 0.0, 0.0)

    def projection(kept: set[str]) -> int:
        calls = sum(n for tier, n in daily.items() if tier in kept)
        return int(math.ceil(calls * cost * days))

    kept = {t.name for t in tiers}
    plan.projected_credits = projection(kept)
    for tier in (t.name for t in tiers):  # opening first: the line that moves least and matters least
        if projection(kept) <= remaining:
            break
        if daily.get(tier, 0) == 0:
            continue
        kept.discard(tier)
        plan.dropped.append((tier, f"projected {projection(kept | {tier})} credits for the remaining {days:.1f} "
                                   f"day(s) > {remaining} remaining"))
    kept.add(DISCOVERY)
    requests = [r for r in candidates if r.tier in kept]
    while requests and len(requests) * cost > remaining:
        worst = next(t.name for t in tiers if any(r.tier == t.name for r in requests)) if any(
            r.tier != DISCOVERY for r in requests) else DISCOVERY
        plan.dropped.append((worst, f"this tick needs {len(requests) * cost} credits, {remaining} remaining"))
        requests = [r for r in requests if r.tier != worst]
    return requests


# ---------- executing a poll
def _select(engine: sa.Engine, payload: list, event_ids: Sequence[str]) -> list:
    """The requested events, plus any the warehouse has never seen (discovered for free: the call costs the same)."""
    if not event_ids or not isinstance(payload, list):
        return payload
    ids = [str(e.get("id")) for e in payload if isinstance(e, dict)]
    with engine.connect() as conn:
        known = set(conn.execute(sa.text("SELECT id FROM raw.events WHERE id = ANY(:ids)"), {"ids": ids}).scalars())
    wanted = set(event_ids)
    return [e for e in payload if not isinstance(e, dict) or str(e.get("id")) in wanted or e.get("id") not in known]


def poll_sports(client, engine: sa.Engine, sports: Sequence[str], *, request_prefix: str, event_ids: Sequence[str] = (),
                regions: Sequence[str] = ("us",), markets: Sequence[str] = ("h2h",), odds_format: str = "decimal",
                log=lambda message: None) -> dict[str, dict]:
    """Fetch, gate and store /odds per sport; one sport failing (5xx, malformed JSON, a batch the odds suite rejects)
    is reported and the rest go on. Each sport's entry carries the gate's ``summary`` for the asset check.

    ``request_prefix`` + sport is the snapshot's request id, so executing the same poll again replaces its snapshot
    instead of adding a second one.
    """
    report: dict[str, dict] = {}
    for sport in dict.fromkeys(sports):
        try:
            result = client.odds(sport, regions=regions, markets=markets, odds_format=odds_format)
            payload = _select(engine, result.data, event_ids)
            fetch = Fetch(sport, payload, result.fetched_at, None, f"{request_prefix}:{sport}", odds_format)
            stored = store_fetches(engine, [fetch])
            report[sport] = {**stored.written, "listed": len(result.data), "quota_remaining": result.quota.remaining,
                             "gate": stored.gate.gate.summary,
                             "missing": missing_coverage(stored.gate.published, markets=markets)}
            log(f"{sport}: stored {stored.written['odds_snapshots']} snapshot(s), {stored.written['odds']} odds "
                f"row(s), quarantined {stored.written['quarantined_odds']}")
        except GateFailure as exc:
            report[sport] = {"error": redact_text(str(exc)), "gate": exc.result.summary}
            log(f"{sport}: rejected by the odds suite: {report[sport]['error']}")
        except Exception as exc:  # noqa: BLE001 - isolate sports; the caller fails the run if all failed
            report[sport] = {"error": redact_text(f"{type(exc).__name__}: {exc}")}
            log(f"{sport}: failed: {report[sport]['error']}")
    return report


# ---------- warehouse reads and upkeep
_POLL_STATE = sa.text("""
    SELECT e.id AS event_id, e.sport, e.commence_time, e.status, s.last_fetched_at
    FROM raw.events e
    LEFT JOIN LATERAL (
        SELECT max(snapshot_time) AS last_fetched_at FROM raw.odds_snapshots s WHERE s.event_id = e.id
    ) s ON true
    WHERE e.commence_time > :since
""")


def load_poll_state(engine: sa.Engine, now: datetime, lookback: timedelta = timedelta(days=1)) -> pd.DataFrame:
    """One query: every recent or upcoming event with its status and last successful snapshot time."""
    with engine.connect() as conn:
        rows = conn.execute(_POLL_STATE, {"since": now - lookback}).all()
    return pd.DataFrame(rows, columns=POLL_STATE_COLUMNS)


def latest_quota_remaining(engine: sa.Engine, now: datetime, site: str = "the-odds-api") -> int | None:
    """Credits left as the API last reported them (ops.fetch_log.meta); None if nothing was reported this month,
    because credits reset monthly and an older reading says nothing about the new month."""
    month_start = now.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    query = sa.text("""
        SELECT meta->>'x-requests-remaining' FROM ops.fetch_log
        WHERE site = :site AND meta ? 'x-requests-remaining' AND fetched_at >= :since AND fetched_at <= :now
        ORDER BY fetched_at DESC, id DESC LIMIT 1
    """)
    with engine.connect() as conn:
        value = conn.execute(query, {"site": site, "since": month_start, "now": now}).scalar()
    try:
        return None if value is None else int(float(value))
    except ValueError:
        return None


def days_left_in_month(now: datetime) -> float:
    now = now.astimezone(timezone.utc)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return (nxt - now) / timedelta(days=1)
