"""The US tracks the generator knows: racing weekdays, local first post, surface mix, purse level.

Days are handled as integer *epoch days* (days since 1970-01-01) so calendars are numpy arrays. A track's ``index``
feeds horse/jockey/trainer ids and the per-day random streams, so it must never change once published.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

EPOCH = date(1970, 1, 1)
DARK_DAYS = ((12, 24), (12, 25))  # no racing on Christmas Eve / Christmas Day
RACE_SPACING_MIN = 30  # minutes between posts


@dataclass(frozen=True)
class Track:
    code: str
    index: int
    name: str
    tz: str
    weekdays: tuple[int, ...]  # Monday = 0
    first_post: tuple[int, int]  # local (hour, minute)
    surface_mix: tuple[float, float, float]  # P(dirt), P(turf), P(synthetic) per race
    purse_scale: float


_ALL = (
    Track("BEL", 0, "Belmont Park", "America/New_York", (3, 4, 5, 6), (13, 0), (0.55, 0.45, 0.0), 1.3),
    Track("CD", 1, "Churchill Downs", "America/Kentucky/Louisville", (2, 4, 5, 6), (12, 45), (0.62, 0.38, 0.0), 1.2),
    Track("SA", 2, "Santa Anita Park", "America/Los_Angeles", (4, 5, 6), (12, 30), (0.60, 0.40, 0.0), 1.2),
    Track("DMR", 3, "Del Mar", "America/Los_Angeles", (3, 4, 5, 6), (14, 0), (0.45, 0.40, 0.15), 1.1),
    Track("AQU", 4, "Aqueduct", "America/New_York", (3, 5, 6), (12, 20), (0.80, 0.10, 0.10), 1.0),
    Track("GP", 5, "Gulfstream Park", "America/New_York", (3, 4, 5, 6), (12, 40), (0.50, 0.45, 0.05), 1.0),
    Track("KEE", 6, "Keeneland", "America/Kentucky/Louisville", (2, 3, 4, 5, 6), (13, 5), (0.55, 0.45, 0.0), 1.2),
    Track("SAR", 7, "Saratoga", "America/New_York", (2, 3, 4, 5, 6), (13, 5), (0.55, 0.45, 0.0), 1.4),
)
TRACKS: dict[str, Track] = {t.code: t for t in _ALL}


def get_track(code: str) -> Track:
    try:
        return TRACKS[code]
    except KeyError:
        raise ValueError(f"unknown synthetic track {code!r}; known: {', '.join(TRACKS)}") from None


def epoch_day(d: date) -> int:
    return (d - EPOCH).days


def from_epoch(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


@lru_cache(maxsize=256)
def _race_days_of_year(code: str, year: int) -> np.ndarray:
    track = TRACKS[code]
    first, last = epoch_day(date(year, 1, 1)), epoch_day(date(year, 12, 31))
    days = np.arange(first, last + 1)
    keep = np.isin((days + 3) % 7, track.weekdays)  # 1970-01-01 was a Thursday (3)
    for month, day in DARK_DAYS:
        keep &= days != epoch_day(date(year, month, day))
    days = days[keep]
    days.setflags(write=False)
    return days


def race_days(track: Track, first: int, last: int) -> np.ndarray:
    """Epoch days in [first, last] on which ``track`` races."""
    years = range(from_epoch(first).year, from_epoch(last).year + 1)
    days = np.concatenate([_race_days_of_year(track.code, y) for y in years])
    return days[(days >= first) & (days <= last)]


def post_times(track: Track, day: int, race_numbers: list[int], jitter_min: list[int]) -> list[datetime]:
    """UTC post times: first post local time + 30 min per race (+ a few minutes' jitter), converted from local."""
    zone = ZoneInfo(track.tz)
    d = from_epoch(day)
    first = datetime(d.year, d.month, d.day, *track.first_post, tzinfo=zone)
    return [
        (first + timedelta(minutes=RACE_SPACING_MIN * (n - 1) + j)).astimezone(timezone.utc)
        for n, j in zip(race_numbers, jitter_min)
    ]
