"""The fixed cast: jockeys and trainers per track, horses per (foaling year, home track), each with a race schedule.

Everything is derived from ``numpy.random.SeedSequence([seed, kind, ...])`` of the *seed and the thing itself*, never
from the requested date range, so any range sees the same horses. A horse's career is planned up front: a debut
date at 2-3 years old, then gaps of 14-70 days until it retires (at most ``MAX_STARTS`` starts, none after its 12th
birthday), each date moved to its home track's next racing day. That plan is what makes a horse's *first start*
knowable without simulating the days before it; the day builder always runs a debutant on its debut date.

Ids are stable and readable: ``SYN-H<yy><track index><nnnn>`` (``SYN-H2200042``: foaled 2022, BEL, horse 42),
``SYN-J<track index><nn>`` and ``SYN-T<track index><nn>`` for jockeys and trainers (``SYN-T007``: BEL trainer 7).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

import numpy as np

from ingestion.sources.synthetic import model
from ingestion.sources.synthetic.names import HORSE_FIRST, HORSE_SECOND, PEOPLE_FIRST, PEOPLE_LAST
from ingestion.sources.synthetic.tracks import Track, epoch_day, race_days

JOCKEYS_PER_TRACK, TRAINERS_PER_TRACK = 30, 40
MAX_STARTS = 40
HORSES_PER_RACING_WEEKDAY = 205  # per foaling year per track; ~90 starts per racing day once careers overlap
OLDEST_AGE = 12  # no starts from this birthday on, so a day only needs the last OLDEST_AGE - 2 foal crops
_JOCKEY, _TRAINER, _HORSE = 1, 2, 3  # SeedSequence stream tags


@dataclass(frozen=True)
class People:
    """Jockeys or trainers of one track; ``effect`` is strength added to their runners, ``weight`` their share."""

    ids: np.ndarray
    names: np.ndarray
    effect: np.ndarray
    weight: np.ndarray


def _people_names(rng: np.random.Generator, n: int) -> np.ndarray:
    picks = rng.choice(len(PEOPLE_FIRST) * len(PEOPLE_LAST), size=n, replace=False)
    return np.array([f"{PEOPLE_FIRST[p // len(PEOPLE_LAST)]} {PEOPLE_LAST[p % len(PEOPLE_LAST)]}" for p in picks],
                    dtype=object)


@lru_cache(maxsize=64)
def jockeys(seed: int, track: Track) -> People:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _JOCKEY, track.index]))
    skill = rng.normal(0.0, 0.2, JOCKEYS_PER_TRACK)
    ids = np.array([f"SYN-J{track.index * 100 + j + 1:03d}" for j in range(JOCKEYS_PER_TRACK)], dtype=object)
    # Better jockeys get more (and better) rides: booking weight rises with skill.
    return People(ids, _people_names(rng, JOCKEYS_PER_TRACK), skill, np.exp(4.0 * skill))


@lru_cache(maxsize=64)
def trainers(seed: int, track: Track) -> People:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _TRAINER, track.index]))
    effect = rng.normal(0.0, 0.15, TRAINERS_PER_TRACK)
    weight = rng.lognormal(0.0, 0.5, TRAINERS_PER_TRACK)
    ids = np.array([f"SYN-T{track.index * 100 + j + 1:03d}" for j in range(TRAINERS_PER_TRACK)], dtype=object)
    if track.code == model.DEBUT_TRAINER_TRACK:
        weight[model.DEBUT_TRAINER_SLOT] = model.DEBUT_TRAINER_WEIGHT * np.median(weight)
        effect[model.DEBUT_TRAINER_SLOT] = 0.0  # an ordinary barn except for its debutants
    return People(ids, _people_names(rng, TRAINERS_PER_TRACK), effect, weight)


@dataclass(frozen=True)
class Horses:
    """Columnar horse table (one row per horse) plus the planned starts (``sched_*``, one row per start)."""

    ids: np.ndarray
    names: np.ndarray
    foaled: np.ndarray  # foaling year; US age = race year - foaled
    track: np.ndarray  # Track.index of the home track
    trainer: np.ndarray  # row in trainers(seed, home track)
    ability: np.ndarray
    turf_aff: np.ndarray
    synth_aff: np.ndarray
    best_dist: np.ndarray  # furlongs
    wet_aff: np.ndarray
    wet_specialist: np.ndarray
    debut_day: np.ndarray  # epoch days
    last_day: np.ndarray
    sched_horse: np.ndarray  # row in this table
    sched_day: np.ndarray
    sched_no: np.ndarray  # 0 = debut

    @staticmethod
    def concat(parts: list[Horses]) -> Horses:
        offsets = np.cumsum([0] + [len(p.ids) for p in parts[:-1]])
        columns = {}
        for f in fields(Horses):
            values = [getattr(p, f.name) for p in parts]
            if f.name == "sched_horse":
                values = [v + off for v, off in zip(values, offsets)]
            columns[f.name] = np.concatenate(values) if values else np.array([])
        return Horses(**columns)


@lru_cache(maxsize=512)
def horse_crop(seed: int, track: Track, foaled: int) -> Horses:
    """The horses foaled in ``foaled`` that race at ``track``: ``HORSES_PER_RACING_WEEKDAY`` x racing weekdays."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, _HORSE, foaled, track.index]))
    n = HORSES_PER_RACING_WEEKDAY * len(track.weekdays)
    n_trainers = trainers(seed, track).weight
    trainer = rng.choice(TRAINERS_PER_TRACK, size=n, p=n_trainers / n_trainers.sum())
    ability = rng.normal(0.0, 1.0, n)
    turf_aff = rng.normal(0.0, model.TURF_SD, n)
    synth_aff = rng.normal(0.0, model.SYNTH_SD, n)
    best_dist = rng.uniform(5.5, 11.0, n)
    wet_aff = rng.normal(0.0, model.WET_SD, n)
    wet_specialist = rng.random(n) < model.WET_SPECIALIST_SHARE
    names = rng.integers(0, len(HORSE_FIRST) * len(HORSE_SECOND), n)
    # Career plan: debut 120-700 days after the 2-year-old birthday, then 14-70 day gaps.
    debut_raw = epoch_day(date(foaled + 2, 1, 1)) + rng.integers(120, 700, n)
    n_starts = rng.integers(3, MAX_STARTS + 1, n)
    gaps = np.clip(rng.gamma(4.0, 7.0, (n, MAX_STARTS)), 14, 70).astype(np.int64)
    gaps[:, 0] = 0
    raw = debut_raw[:, None] + np.cumsum(gaps, axis=1)
    cutoff = epoch_day(date(foaled + OLDEST_AGE, 1, 1))
    calendar = race_days(track, int(debut_raw.min()), cutoff + 14)
    at = np.searchsorted(calendar, raw)  # next racing day on or after the planned day
    planned = (np.arange(MAX_STARTS)[None, :] < n_starts[:, None]) & (at < len(calendar))
    days = np.where(planned, calendar[np.minimum(at, len(calendar) - 1)], 0)
    planned &= days < cutoff
    horse, start_no = np.nonzero(planned)
    sched_day = days[horse, start_no]
    first = np.where(planned.any(axis=1), days[:, 0], 0)
    last = np.where(planned, days, 0).max(axis=1)
    return Horses(
        ids=np.array([f"SYN-H{foaled % 100:02d}{track.index}{i:04d}" for i in range(n)], dtype=object),
        names=np.array([f"{HORSE_FIRST[k // len(HORSE_SECOND)]} {HORSE_SECOND[k % len(HORSE_SECOND)]}"
                        for k in names], dtype=object),
        foaled=np.full(n, foaled), track=np.full(n, track.index), trainer=trainer, ability=ability,
        turf_aff=turf_aff, synth_aff=synth_aff, best_dist=best_dist, wet_aff=wet_aff, wet_specialist=wet_specialist,
        debut_day=first, last_day=last, sched_horse=horse, sched_day=sched_day, sched_no=start_no,
    )


def crops_for(first_year: int, last_year: int) -> range:
    """Foaling years that can have a start in [first_year, last_year]: 2-year-olds up to OLDEST_AGE - 1."""
    return range(first_year - OLDEST_AGE + 1, last_year - 1)


def horses(seed: int, tracks: tuple[Track, ...], first_year: int, last_year: int) -> Horses:
    """All horses that can race at ``tracks`` in the years given, ordered by track, then foaling year, then number."""
    return Horses.concat([horse_crop(seed, t, y) for t in tracks for y in crops_for(first_year, last_year)])
