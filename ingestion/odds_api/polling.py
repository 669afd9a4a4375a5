"""Which odds to poll now, within the month's credits, and the warehouse upkeep that goes with it.

Plain Python so the decision can be tested with a frozen clock and reused outside Dagster: the sensor only reads the
poll state with one query, calls ``plan_polls`` and turns its requests into runs.

Rules: an event is polled at the cadence of its tier (hours before the start, ``TIERS``) once ``now − last fetch ≥
interval``; live, final, cancelled and postponed events and anything already started are never polled. Due events are
grouped per (sport, tier) — one /odds call serves a whole sport — with a run key bucketed by the tier interval, so a
(sport, tier) costs at most one call per interval however often the sensor wakes. When the credits projected for the
rest of the month exceed what the API says remains, ``ingestion.odds_api.poll_budget`` spends them on the tiers nearest
the start first and stretches intervals before it drops a tier; this tick's polls are paid nearest start first.
"""
from __future__ import annotations

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
from ingestion.odds_api.poll_budget import DEFAULT_TIERS, Tier, TierBudget, _epoch_s, allocate
from ingestion.odds_api.poll_budget import projected_daily_calls  # noqa: F401 - part of this module's interface

DISCOVERY = "discovery"
POLLABLE_STATUSES = ("scheduled",)
POLL_STATE_COLUMNS = ["event_id", "sport", "commence_time", "status", "last_fetched_at"]


@dataclass(frozen=True)
class PollRequest:
    sport: str
    tier: str
    event_ids: tuple[str, ...]
    run_key: str
    first_start: datetime | None = None  # nearest start among the events: this tick's polls are paid nearest first


@dataclass
class PollPlan:
    requests: list[PollRequest] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (tier, why)
    deferred: list[str] = field(default_factory=list)  # "sport/tier" still in flight from an earlier tick
    projected_credits: int | None = None
    budget: list[TierBudget] = field(default_factory=list)  # kept tiers, closing first, when the quota is known
    quota_remaining: int | None = None

    @property
    def stretched(self) -> bool:
        return any(b.stretch != 1 for b in self.budget)

    def describe(self) -> str:
        parts = [f"{len(self.requests)} poll(s)"]
        if self.quota_remaining is not None:
            parts.append(f"budget of {self.quota_remaining} remaining: "
                         + (", ".join(b.describe() for b in self.budget) or "no tier"))
        if self.dropped:
            parts.append("dropped " + "; ".join(f"{tier}: {why}" for tier, why in self.dropped))
        if self.deferred:
            parts.append("in flight " + ", ".join(self.deferred))
        return " | ".join(parts)


def run_key(sport: str, tier: str, now: datetime, interval: timedelta) -> str:
    """Same (sport, tier) in the same interval bucket → same key, so Dagster launches it once."""
    return f"odds:{sport}:{tier}:{int(now.timestamp() // interval.total_seconds())}"


def _assign_tiers(hours: np.ndarray, tiers: Sequence[Tier]) -> np.ndarray:
    return np.select([hours >= t.min_hours for t in tiers], [t.name for t in tiers], default="live")


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
    frame = events.reindex(columns=POLL_STATE_COLUMNS)
    hours = (_epoch_s(frame["commence_time"]) - now.timestamp()) / 3600.0 if len(frame) else np.array([])
    upcoming = frame[hours > 0].assign(hours=hours[hours > 0])
    wanted = set(sports)
    if wanted:  # a sport dropped from the configuration stops being polled even though its events remain
        upcoming = upcoming[upcoming["sport"].isin(wanted)]
    pollable = upcoming[upcoming["status"].isin(POLLABLE_STATUSES)].copy()
    pollable["tier"] = _assign_tiers(pollable["hours"].to_numpy(), tiers)

    plan = PollPlan(quota_remaining=quota_remaining)
    if quota_remaining is not None:  # the month's budget decides each tier's interval (stretched) or drops it
        plan.budget, dropped = allocate(pollable, now, tiers, quota_remaining, days_left_in_month or 0.0,
                                        cost_per_call)
        plan.dropped = dropped[::-1]  # lowest value first, the order they give way in
        plan.projected_credits = sum(b.credits for b in plan.budget)
        tiers = [b.tier for b in plan.budget]
    interval = {t.name: timedelta(minutes=t.interval_minutes) for t in tiers}
    pollable = pollable[pollable["tier"].isin(list(interval))]
    minutes = pollable["tier"].map({t.name: t.interval_minutes for t in tiers}).astype("float64")
    fetched = pd.to_datetime(pollable["last_fetched_at"], utc=True)
    age_min = (pd.Timestamp(now) - fetched).dt.total_seconds() / 60.0
    due = pollable[fetched.isna().to_numpy() | (age_min >= minutes).to_numpy()]

    recent = recently_requested or {}
    candidates: list[PollRequest] = []
    for (sport, tier), group in due.groupby(["sport", "tier"], sort=True):
        requested = recent.get((sport, tier))
        if requested is not None and now - requested < min(interval[tier], in_flight_grace):
            plan.deferred.append(f"{sport}/{tier}")
            continue
        ids = tuple(sorted(group["event_id"].astype(str)))
        first = pd.to_datetime(group["commence_time"], utc=True).min().to_pydatetime()
        candidates.append(PollRequest(sport, tier, ids, run_key(sport, tier, now, interval[tier]), first))

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

    plan.requests = _affordable_now(plan, candidates, tiers, quota_remaining, cost_per_call)
    return plan


def _affordable_now(plan: PollPlan, candidates: list[PollRequest], tiers: Sequence[Tier], remaining: int | None,
                    cost: int) -> list[PollRequest]:
    """This tick's polls that the credits left can pay, most valuable first: tiers nearest the start first (then
    discovery, which is not projected: ≤ 1 call per sport per ``discovery_every``), nearest start first within a
    tier. What does not fit waits for a later tick (and a refilled month)."""
    if remaining is None:
        return candidates
    rank = {t.name: i for i, t in enumerate(sorted(tiers, key=lambda t: t.min_hours))}
    far = datetime.max.replace(tzinfo=timezone.utc)
    ordered = sorted(candidates, key=lambda r: (rank.get(r.tier, len(rank)), r.first_start or far, r.sport))
    affordable = max(remaining, 0) // max(cost, 1)
    kept, left_out = ordered[:affordable], ordered[affordable:]
    for tier in dict.fromkeys(r.tier for r in left_out):
        waiting = sum(r.tier == tier for r in left_out)
        plan.dropped.append((tier, f"{waiting} poll(s) wait: this tick needs {len(ordered) * cost} credits, "
                                   f"{remaining} remaining"))
    order = {id(r): i for i, r in enumerate(candidates)}
    return sorted(kept, key=lambda r: order[id(r)])


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
