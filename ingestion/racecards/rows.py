"""Typed rows every race-card parser returns, and their conversion to the canonical raw tables.

A parsed page is one meeting (one track, one day): a ``Card`` (races + runners), a ``Results`` page (races + results
+ dividends) or an ``OddsBoard`` (one race's live prices). Rows inside a page are keyed by ``race_number`` - the page
already fixes track and date - so a parser never has to invent a race id; ``to_raw_batch`` builds the schema's
``race_id`` (``ingestion.sources.common.make_race_id``) when the rows head for the raw tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from ingestion.normalize import Distance
from ingestion.schema import RawBatch
from ingestion.sources.common import canonical, make_race_id, slug


@dataclass(frozen=True)
class RaceRow:
    site: str
    url: str
    track: str  # the site's track code ("BEL", "ST", "CHEPSTOW")
    race_date: date  # local race date at the track
    race_number: int
    post_time: datetime | None = None  # tz-aware UTC
    tz: str | None = None  # the track's IANA zone, kept so the local time can be shown again
    distance: Distance | None = None
    surface: str | None = None  # dirt | turf | synthetic
    going: str | None = None  # canonical English going word, lower case
    going_scale: int | None = None  # ingestion.normalize.GOING_SCALE
    purse: Decimal | None = None
    currency: str | None = None
    race_class: str | None = None
    race_type: str | None = None
    race_name: str | None = None

    @property
    def race_id(self) -> str:
        return make_race_id(self.track, self.race_date, self.race_number)


@dataclass(frozen=True)
class RunnerRow:
    race_number: int
    horse_name: str
    horse_number: int | None = None  # saddle cloth / program number
    post_position: int | None = None  # draw / gate; null where a race has no stalls (jumps)
    horse_id: str | None = None
    age: int | None = None
    jockey: str | None = None
    trainer: str | None = None
    weight_lbs: Decimal | None = None
    horse_weight_lbs: Decimal | None = None
    morning_line: str | None = None  # as printed
    morning_line_odds: Decimal | None = None  # decimal odds incl. stake; null when unpriced or "N/A"
    price: Decimal | None = None  # a current price shown on the card (decimal odds), when the page has one
    scratched: bool = False
    jockey_changed: bool = False
    rating: int | None = None
    gear: str | None = None
    last_runs: str | None = None


@dataclass(frozen=True)
class ResultRow:
    race_number: int
    horse_number: int
    horse_name: str
    finish_position: int | None  # null for non-finishers; equal positions are a dead heat
    status: str  # finished | dnf | scratched | disqualified
    dead_heat: bool = False
    horse_id: str | None = None
    post_position: int | None = None
    jockey: str | None = None
    trainer: str | None = None
    weight_lbs: Decimal | None = None
    horse_weight_lbs: Decimal | None = None
    margin_lengths: Decimal | None = None
    finish_time_s: Decimal | None = None
    final_odds: Decimal | None = None  # decimal odds incl. stake
    running_positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class DividendRow:
    race_number: int
    pool: str  # one of ingestion.schema.POOLS
    combination: str  # "3-11-7": official order, unordered pools sorted
    dividend: Decimal
    stake_unit: Decimal
    currency: str


@dataclass(frozen=True)
class OddsRow:
    race_number: int
    horse_number: int
    odds: Decimal | None  # decimal odds incl. stake; null when scratched or not yet priced
    scratched: bool = False


@dataclass(frozen=True)
class Card:
    races: list[RaceRow]
    runners: list[RunnerRow]

    def to_raw_batch(self, source_ref: str | None = None) -> RawBatch:
        return to_raw_batch(self.races, self.runners, source_ref=source_ref)


@dataclass(frozen=True)
class Results:
    races: list[RaceRow]
    results: list[ResultRow]
    dividends: list[DividendRow] = field(default_factory=list)

    def to_raw_batch(self, source_ref: str | None = None) -> RawBatch:
        return to_raw_batch(self.races, results=self.results, dividends=self.dividends, source_ref=source_ref)


@dataclass(frozen=True)
class OddsBoard:
    race: RaceRow
    pool: str  # tote pool the prices come from ("win")
    as_of: datetime | None  # UTC time the board was published
    rows: list[OddsRow]


def _race_record(race: RaceRow, source_ref: str | None) -> dict:
    d = race.distance
    return {
        "race_id": race.race_id, "race_date": race.race_date, "track_code": race.track,
        "race_number": race.race_number, "post_time": race.post_time,
        "distance": None if d is None else d.published, "distance_unit": None if d is None else d.unit,
        "surface": race.surface, "going": race.going, "race_class": race.race_class, "race_type": race.race_type,
        "purse": race.purse, "currency": race.currency, "source_ref": source_ref or f"{race.site} {race.url}",
    }


def to_raw_batch(races: list[RaceRow], runners: list[RunnerRow] = (), results: list[ResultRow] = (),
                 dividends: list[DividendRow] = (), source_ref: str | None = None) -> RawBatch:
    """Rows of one page -> the three raw tables. Results win over card rows for the same horse (they are later);
    horse/jockey/trainer ids fall back to name slugs for sites that publish names only."""
    by_number = {r.race_number: r for r in races}
    merged: dict[tuple[int, int | str], dict] = {}
    for r in runners:
        merged[(r.race_number, r.horse_number if r.horse_number is not None else r.horse_name)] = {
            "horse_number": r.horse_number, "post_position": r.post_position, "horse_id": r.horse_id,
            "horse_name": r.horse_name, "horse_age": r.age, "jockey_name": r.jockey, "trainer_name": r.trainer,
            "weight_lbs": r.weight_lbs, "horse_weight_lbs": r.horse_weight_lbs, "morning_line": r.morning_line,
            "status": "scratched" if r.scratched else None}
    for r in results:
        row = merged.setdefault((r.race_number, r.horse_number), {})
        update = {"horse_number": r.horse_number, "horse_name": r.horse_name, "post_position": r.post_position,
                  "horse_id": r.horse_id, "jockey_name": r.jockey, "trainer_name": r.trainer,
                  "weight_lbs": r.weight_lbs, "horse_weight_lbs": r.horse_weight_lbs, "final_odds": r.final_odds,
                  "finish_position": r.finish_position, "status": r.status, "margin_lengths": r.margin_lengths,
                  "finish_time_s": r.finish_time_s}
        row.update({k: v for k, v in update.items() if v is not None or k not in row})
    runner_rows = []
    for (number, _), row in merged.items():
        race = by_number[number]
        row.setdefault("horse_id", None)
        row["horse_id"] = row["horse_id"] or slug(row.get("horse_name"))
        row["jockey_id"], row["trainer_id"] = slug(row.get("jockey_name")), slug(row.get("trainer_name"))
        runner_rows.append({"race_id": race.race_id, "race_date": race.race_date, **row})
    dividend_rows = [{"race_id": by_number[d.race_number].race_id, "race_date": by_number[d.race_number].race_date,
                      "pool": d.pool, "combination": d.combination, "dividend": d.dividend,
                      "stake_unit": d.stake_unit, "currency": d.currency} for d in dividends]
    frames = {"races": pd.DataFrame([_race_record(r, source_ref) for r in races]),
              "runners": pd.DataFrame(runner_rows), "dividends": pd.DataFrame(dividend_rows)}
    for name, frame in frames.items():
        frames[name] = canonical(frame, name)
    frames["races"]["post_time"] = pd.to_datetime(frames["races"]["post_time"], utc=True)
    frames["runners"]["finish_position"] = frames["runners"]["finish_position"].astype("Int64")
    return RawBatch(frames["races"], frames["runners"], frames["dividends"])
