"""What the demo site shows at a given moment: the synthetic generator's rows plus a clock-driven reveal.

The truth is ``SyntheticSource`` for the requested day (any date: the source is built for that calendar year and
that one track, so a page never depends on what was requested before). That is what makes the site's horses, jockeys
and trainers the synthetic *history's*: the generator's cast and each (track, day) card depend only on the seed and
the track, never on the date range or the other tracks configured (``ingestion.sources.synthetic.card``), so a
meeting here has exactly the rows -- ids, names, results -- that ``SyntheticSource(seed, tracks=(..., track, ...))``
loads as history for that day (``tests/unit/test_demo_site_identity.py`` holds it to that). The seed must be the
history's (``paddock.cli.simulators`` passes ``PADDOCK_SYNTHETIC_SEED``). The clock decides how much of it is public:

- a runner the generator scratched appears as scratched from ``SCRATCH_NOTICE`` before its post time;
- ``JOCKEY_CHANGE_RATE`` of runners were first declared with another jockey, replaced ``JOCKEY_CHANGE_NOTICE``
  before post (after that the card shows the generator's jockey, so a late card equals the generator's rows);
- live win odds wander around the final tote odds, the wander shrinking to zero at post time (then = final odds);
- results are published once the meeting's last race has gone off.

Every "random" choice is a hash of (seed, race, horse, ...), so the same clock always gives the same page.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache

import pandas as pd

from ingestion.normalize import UnrecognisedValue, parse_odds
from ingestion.schema import RawBatch, empty_batch
from ingestion.sources.synthetic import SyntheticSource
from ingestion.sources.synthetic.tracks import TRACKS, Track

SCRATCH_NOTICE = timedelta(hours=3)
JOCKEY_CHANGE_NOTICE = timedelta(hours=1)
JOCKEY_CHANGE_RATE = 0.05
ODDS_DRIFT, ODDS_HORIZON, ODDS_BUCKET_S = 0.25, timedelta(hours=2), 300
_LOCK = threading.Lock()


def unit(*parts: object) -> float:
    """A deterministic uniform in [0, 1) from its arguments (stable across processes, unlike ``hash``)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


@lru_cache(maxsize=16)
def _source(seed: int, year: int, track: str) -> SyntheticSource:
    """One track's source: only that track's horses are generated (the rows are the same as in a wider source)."""
    return SyntheticSource(seed, date(year, 1, 1), date(year, 12, 31), tracks=(track,))


@lru_cache(maxsize=64)
def _day(seed: int, track: str, day: date) -> RawBatch:
    return _source(seed, day.year, track).read(day, day)


def day_batch(seed: int, track: str, day: date) -> RawBatch:
    """The generator's rows for one track and day (empty frames when the track does not race that day)."""
    if track not in TRACKS:
        return empty_batch()
    with _LOCK:  # the server is threaded; generating a year's population twice at once is wasted work
        batch = _day(seed, track, day)
    return RawBatch(batch.races.copy(), batch.runners.copy(), batch.dividends.copy())  # callers never touch the cache


@lru_cache(maxsize=16)
def _jockeys(seed: int, year: int, track: str) -> tuple[str, ...]:
    return tuple(_source(seed, year, track).people("jockey")["jockey_name"])


@dataclass(frozen=True)
class Meeting:
    seed: int
    track: Track
    day: date
    races: pd.DataFrame
    runners: pd.DataFrame
    dividends: pd.DataFrame

    @property
    def last_post(self) -> datetime:
        return self.races["post_time"].max().to_pydatetime()

    def results_published(self, now: datetime) -> bool:
        return now >= self.last_post

    def post_of(self, race_id: str) -> datetime:
        return self.races.loc[self.races["race_id"] == race_id, "post_time"].iloc[0].to_pydatetime()

    def scratch_shown(self, runner: pd.Series, post: datetime, now: datetime) -> bool:
        return runner["status"] == "scratched" and now >= post - SCRATCH_NOTICE

    def jockey_shown(self, runner: pd.Series, post: datetime, now: datetime) -> tuple[str, str | None]:
        """(jockey on the card now, the jockey replaced or None)."""
        actual = runner["jockey_name"]
        key = (self.seed, runner["race_id"], int(runner["horse_number"]))
        if unit("jockey-change", *key) >= JOCKEY_CHANGE_RATE:
            return actual, None
        pool = [j for j in _jockeys(self.seed, self.day.year, self.track.code) if j != actual]
        original = pool[int(unit("first-jockey", *key) * len(pool))]
        return (actual, original) if now >= post - JOCKEY_CHANGE_NOTICE else (original, None)

    def live_odds(self, runner: pd.Series, post: datetime, now: datetime) -> Decimal | None:
        """Win odds on the board at ``now``; the final tote odds from post time on; None when unpriced."""
        final = runner["final_odds"]
        if final is None:  # scratched in the end: until the scratch is public, the board shows the morning line
            try:
                return parse_odds(runner["morning_line"]).decimal
            except UnrecognisedValue:
                return None
        if now >= post:
            return final
        share = min(1.0, (post - now) / ODDS_HORIZON)
        u = unit("odds", self.seed, runner["race_id"], int(runner["horse_number"]),
                 int(now.timestamp()) // ODDS_BUCKET_S)
        wandered = Decimal(repr(float(final) * (1 + ODDS_DRIFT * share * (2 * u - 1))))
        return max(Decimal("1.05"), (wandered * 20).to_integral_value(ROUND_FLOOR) / 20).quantize(Decimal("0.01"))


def meeting(seed: int, track: str, day: date) -> Meeting | None:
    """The meeting at ``track`` on ``day``, or None (unknown track, or no racing there that day)."""
    if track not in TRACKS:
        return None
    batch = day_batch(seed, track, day)
    if batch.races.empty:
        return None
    return Meeting(seed, TRACKS[track], day, batch.races, batch.runners, batch.dividends)
