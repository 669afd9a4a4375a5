"""The month's odds credits spent on the most valuable polls first: stretch intervals before dropping a tier.

A poll's value follows how close its events are to the start: the closing line is what CLV and the signals are
measured against, an opening line moves least. So the credits left for the month go to the tiers nearest the start
first (closing, pregame, sharp, early, opening), each at the shortest interval the rest of the budget allows: its own
interval if that fits, else 1.5×, 2×, 3× ... up to :data:`MAX_STRETCH`; a tier is dropped only when not even one
poll per stretched interval fits. Whatever is left after closing goes to pregame, and so on — the planner degrades
(fewer polls) instead of going dark (none), which is what a full month of 10,000 events on a small plan needs.

The projection is the next 24 h of polls for the events known now (``projected_daily_calls``) times the days left in
the month, at ``cost_per_call`` credits per call; plain numpy, so 10,000 events cost milliseconds.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from ingestion.odds_api.tiers import TIER_INTERVAL_MINUTES, TIERS

STRETCHES = (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24)
MAX_STRETCH = STRETCHES[-1]


@dataclass(frozen=True)
class Tier:
    """A row of the tier table: from ``min_hours`` before the start (up to the previous tier) poll every interval."""

    name: str
    min_hours: float
    interval_minutes: float


#: Highest ``min_hours`` first (the table's order); value order is the reverse (closing first).
DEFAULT_TIERS = tuple(Tier(name, hours, TIER_INTERVAL_MINUTES[name]) for name, hours in TIERS)


@dataclass(frozen=True)
class TierBudget:
    """What the month allows a tier: its (possibly stretched) interval and the credits that projects to."""

    tier: Tier
    stretch: float
    credits: int

    def describe(self) -> str:
        every = f"every {self.tier.interval_minutes:g} min"
        return f"{self.tier.name} {every}{f' (x{self.stretch:g})' if self.stretch != 1 else ''} ~{self.credits} cr"


def _epoch_s(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).astype("int64").to_numpy() // 10**9


def _tier_calls(commence: np.ndarray, sports: np.ndarray, start: int, end: int, tier: Tier, upper: float) -> int:
    """Distinct (sport, interval bucket) pairs in [start, end) in which some event sits in ``tier``'s window."""
    step = int(tier.interval_minutes * 60)
    a = np.full_like(commence, start) if upper == math.inf else np.maximum(commence - int(upper * 3600), start)
    b = np.minimum(commence - int(tier.min_hours * 3600), end)
    keep = a < b
    lo, hi = a[keep] // step, (b[keep] - 1) // step
    counts = (hi - lo + 1).astype("int64")
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    pairs = np.repeat(sports[keep], counts) * 10**9 + np.repeat(lo, counts) + offsets
    return int(len(np.unique(pairs)))


def _arrays(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if not len(events):
        return np.array([], dtype="int64"), np.array([], dtype="int64")
    return _epoch_s(events["commence_time"]), pd.factorize(events["sport"])[0].astype("int64")


def _uppers(tiers: Sequence[Tier]) -> dict[str, float]:
    ordered = sorted(tiers, key=lambda t: -t.min_hours)
    return {t.name: (math.inf if i == 0 else ordered[i - 1].min_hours) for i, t in enumerate(ordered)}


def projected_daily_calls(
    events: pd.DataFrame, now: datetime, tiers: Sequence[Tier] = DEFAULT_TIERS, window: timedelta = timedelta(days=1)
) -> dict[str, int]:
    """Calls per tier over the next ``window``: distinct (sport, interval bucket) pairs in which some known event
    sits in that tier. Pollable events only."""
    commence, sports = _arrays(events)
    start, end = int(now.timestamp()), int((now + window).timestamp())
    upper = _uppers(tiers)
    return {t.name: _tier_calls(commence, sports, start, end, t, upper[t.name]) for t in tiers}


def allocate(events: pd.DataFrame, now: datetime, tiers: Sequence[Tier], remaining: int, days_left: float,
             cost_per_call: int) -> tuple[list[TierBudget], list[tuple[str, str]]]:
    """(budgets of the tiers kept, nearest-the-start first; (tier, why) of the tiers dropped)."""
    commence, sports = _arrays(events)
    start, end = int(now.timestamp()), int((now + timedelta(days=1)).timestamp())
    upper = _uppers(tiers)
    days = max(days_left, 0.0)
    left, kept, dropped = remaining, [], []
    for tier in sorted(tiers, key=lambda t: t.min_hours):  # closing first
        need_at = {}
        for stretch in STRETCHES:
            stretched = replace(tier, interval_minutes=tier.interval_minutes * stretch)
            calls = _tier_calls(commence, sports, start, end, stretched, upper[tier.name])
            need_at[stretch] = int(math.ceil(calls * cost_per_call * days))
            if calls == 0 or need_at[stretch] <= left:
                kept.append(TierBudget(stretched, stretch, need_at[stretch]))
                left -= need_at[stretch]
                break
        else:
            dropped.append((tier.name, f"projected {need_at[1]} credits ({need_at[MAX_STRETCH]} even at x{MAX_STRETCH} "
                                       f"its interval) for the remaining {days:.1f} day(s) > {left} left of "
                                       f"{remaining} remaining"))
    return kept, dropped
