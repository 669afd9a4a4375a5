"""A historical odds backfill, planned and priced before a credit is spent.

The historical /odds endpoint costs 10 × markets × regions per call (``quota.odds_cost``), so a season is expensive
and a plan is a reviewable artifact first: the games of a sport in a date range (listed with the historical /events
endpoint, 1 credit per day listed), a sample of them chosen by a named strategy, and for each game the moments it is
snapshotted. By default those moments follow the tier table the live sensor polls by (``tiers.TIERS`` and
``TIER_INTERVAL_MINUTES``): the opening line at the opening tier's bound, every tier's interval down through its
window, and the closing line — the last archived snapshot before the start — so a backfilled game looks like a
polled one to every mart, signal and backtest.

The archive answers a ``date`` with the snapshot at or before it, every 5 minutes, and one call returns every event
of the sport at that moment: moments are put on that grid, and games that share one share its call. The price is
therefore calls (distinct moments) × cost per call — exact, before anything is fetched. Pure functions except
:func:`list_events`, which calls the API.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from ingestion.odds_api.poll_budget import DEFAULT_TIERS, Tier
from ingestion.odds_api.quota import odds_cost
from ingestion.odds_api.tiers import fetch_tier, hours_until

HISTORICAL_SOURCE = "the-odds-api-historical"  # raw.odds_snapshots.source, quarantine._source, the quality log
STRATEGIES = ("uniform", "random", "team_weighted")
ARCHIVE_STEP = timedelta(minutes=5)  # the archive's snapshot spacing since September 2022
CLOSING_LEAD = ARCHIVE_STEP  # the closing line: the last snapshot before the start (a snapshot at the start is live)
EVENT_COLUMNS = ["event_id", "commence_time", "home_team", "away_team"]


class PlanRefused(ValueError):
    """The plan would spend more credits than are left this month (or what is left is unknown)."""


def tier_offsets(tiers: Sequence[Tier] = DEFAULT_TIERS) -> tuple[timedelta, ...]:
    """How long before the start a game is snapshotted, farthest first: 72 h, 48, 24, 12, 9, 6, 3, 2.5 ... 0.5 h and
    5 minutes with the default tiers (13 moments)."""
    ordered = sorted(tiers, key=lambda t: -t.min_hours)
    out = [timedelta(hours=ordered[0].min_hours)]
    for upper, tier in zip(ordered, ordered[1:]):
        step, at = timedelta(minutes=tier.interval_minutes), timedelta(hours=upper.min_hours)
        while (at := at - step) >= timedelta(hours=tier.min_hours) and at > timedelta(0):
            out.append(at)
    return (*out, CLOSING_LEAD)


def iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def on_grid(at: datetime) -> datetime:
    """The archive snapshot a request for ``at`` returns: the last 5-minute mark at or before it."""
    at = at.astimezone(timezone.utc)
    return at - timedelta(seconds=at.timestamp() % ARCHIVE_STEP.total_seconds(), microseconds=at.microsecond)


def select_games(events: pd.DataFrame, strategy: str, *, games: int | None = None, sample: float | None = None,
                 seed: int = 0) -> pd.DataFrame:
    """``games`` events (or ``sample`` × all of them, rounded up) by start time:

    - uniform: evenly spaced through the range (first and last included), so every week is represented;
    - random: a seeded draw without replacement (the same seed, the same games);
    - team_weighted: each pick is a game whose teams have appeared least so far (then the earliest), so every team
      is in the sample before any team is in it twice."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
    if (games is None) == (sample is None):
        raise ValueError("give either a number of games or a sample rate")
    ordered = events.sort_values(["commence_time", "event_id"]).reset_index(drop=True)
    n = games if games is not None else math.ceil(float(sample) * len(ordered))
    if n < 0 or (sample is not None and not 0 < sample <= 1):
        raise ValueError("games must be ≥ 0 and a sample rate in (0, 1]")
    n = min(n, len(ordered))
    if n == 0:
        return ordered.iloc[:0]
    if strategy == "uniform":
        picks = np.unique(np.linspace(0, len(ordered) - 1, n).round().astype(int))
    elif strategy == "random":
        picks = np.sort(np.random.default_rng(seed).choice(len(ordered), size=n, replace=False))
    else:
        homes, aways = ordered["home_team"].tolist(), ordered["away_team"].tolist()
        seen: dict[str, int] = {}
        left, picks = list(range(len(ordered))), []
        for _ in range(n):
            def need(i: int) -> tuple[int, int, int]:
                home, away = seen.get(homes[i], 0), seen.get(aways[i], 0)
                return min(home, away), home + away, i
            best = min(left, key=need)
            left.remove(best)
            picks.append(best)
            for team in (homes[best], aways[best]):
                seen[team] = seen.get(team, 0) + 1
        picks = sorted(picks)
    return ordered.iloc[picks].reset_index(drop=True)


@dataclass(frozen=True)
class BackfillPlan:
    """What will be fetched and what it costs; ``snapshots`` has one entry per (event, moment)."""

    plan_id: str
    sport: str
    start: date
    end: date
    strategy: str
    regions: tuple[str, ...]
    markets: tuple[str, ...]
    games: list[dict]
    snapshots: list[dict]
    cost_per_call: int
    listing_credits: int = 0
    seed: int = 0
    credits_left: int | None = None
    skipped: int = 0  # (event, moment) pairs some earlier plan already holds: never paid twice
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def calls(self) -> int:
        return len({s["snapshot_time"] for s in self.snapshots})

    @property
    def credits(self) -> int:
        return self.calls * self.cost_per_call

    def to_json(self) -> str:
        body = {**asdict(self), "calls": self.calls, "credits": self.credits}
        return json.dumps(body, default=lambda v: v.isoformat(), indent=1, sort_keys=True)

    def describe(self) -> str:
        left = "unknown" if self.credits_left is None else str(self.credits_left)
        return (f"{self.sport} {self.start}..{self.end}: {len(self.games)} game(s) ({self.strategy}), "
                f"{len(self.snapshots)} snapshot(s) in {self.calls} call(s) × {self.cost_per_call} = {self.credits} "
                f"credits ({self.listing_credits} spent listing events; {left} left this month)")


def build_plan(sport: str, start: date, end: date, events: pd.DataFrame, *, strategy: str = "uniform",
               games: int | None = None, sample: float | None = None, seed: int = 0,
               regions: Sequence[str] = ("us",), markets: Sequence[str] = ("h2h",),
               offsets: Sequence[timedelta] | None = None, already: Collection[tuple[str, datetime]] = (),
               listing_credits: int = 0) -> BackfillPlan:
    """The plan for the events starting in [start, end] (``EVENT_COLUMNS``); pairs in ``already`` are left out."""
    lo = datetime.combine(start, datetime.min.time(), timezone.utc)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), timezone.utc)
    frame = events.reindex(columns=EVENT_COLUMNS).assign(
        commence_time=lambda f: pd.to_datetime(f["commence_time"], utc=True))
    frame = frame[(frame["commence_time"] >= lo) & (frame["commence_time"] < hi)].drop_duplicates("event_id")
    chosen = select_games(frame, strategy, games=games, sample=sample, seed=seed)
    taken, snapshots, skipped = set(already), [], 0
    for game in chosen.to_dict("records"):
        commence = game["commence_time"].to_pydatetime()
        for offset in offsets or tier_offsets():
            at = on_grid(commence - offset)
            if (game["event_id"], at) in taken:
                skipped += 1
                continue
            snapshots.append({"event_id": game["event_id"], "commence_time": commence, "snapshot_time": at,
                              "fetch_tier": fetch_tier(hours_until(commence, at))})
    key = json.dumps([sport, str(start), str(end), strategy, games, sample, seed, sorted(regions), sorted(markets),
                      [o.total_seconds() for o in offsets or ()]])
    plan_id = f"{sport}-{start:%Y%m%d}-{end:%Y%m%d}-{hashlib.md5(key.encode()).hexdigest()[:8]}"
    return BackfillPlan(
        plan_id, sport, start, end, strategy, tuple(regions), tuple(markets),
        [{**g, "commence_time": g["commence_time"].to_pydatetime()} for g in chosen.to_dict("records")],
        snapshots, odds_cost(markets, regions, historical=True), listing_credits, seed, skipped=skipped)


def check_affordable(plan: BackfillPlan, credits_left: int | None, committed: int = 0) -> BackfillPlan:
    """The plan with the credits left recorded, or :class:`PlanRefused` when it costs more than what is left after
    the ``committed`` credits earlier plans will still spend."""
    if credits_left is None:
        raise PlanRefused("credits left this month are unknown (no Odds API call reported them yet): refusing to "
                          f"spend {plan.credits} credits blind")
    if plan.credits > credits_left - committed:
        held = f" ({committed} of them held by pending plans)" if committed else ""
        raise PlanRefused(f"the plan costs {plan.credits} credits ({plan.calls} call(s) × {plan.cost_per_call}) but "
                          f"only {credits_left} are left this month{held}: sample fewer games or fewer "
                          "markets/regions")
    return replace(plan, credits_left=credits_left)


def list_events(client, sport: str, start: date, end: date) -> tuple[pd.DataFrame, int]:
    """The events starting on each day of [start, end], as the archive listed them at that day's midnight UTC
    (one historical /events call per day, 1 credit each when it lists something); with the credits spent."""
    rows, credits = [], 0
    day = start
    while day <= end:
        midnight = datetime.combine(day, datetime.min.time(), timezone.utc)
        result = client.historical_events(sport, midnight, commence_from=midnight,
                                          commence_to=midnight + timedelta(days=1) - timedelta(seconds=1))
        credits += result.cost or 0
        rows += [{"event_id": str(e["id"]), "commence_time": e["commence_time"], "home_team": e["home_team"],
                  "away_team": e["away_team"]} for e in result.data]
        day += timedelta(days=1)
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.assign(commence_time=pd.to_datetime(frame["commence_time"], utc=True)), credits
