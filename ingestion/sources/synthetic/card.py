"""One track's card for one day: which horses run, in which race, from which post, with which jockey.

Every random number of a (track, day) comes from ``SeedSequence([seed, DAY, epoch_day, track.index])`` and is drawn
in a fixed order, so a day is identical whichever date range it is generated in. The racing office takes the horses
whose plan says "run today" (debutants always; others at random if there are too many), tops up short days with
rested horses, sorts them by class with noise and cuts them into 8-12 races of 5-14 entries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.sources.synthetic import model
from ingestion.sources.synthetic.population import Horses, People
from ingestion.sources.synthetic.tracks import Track, from_epoch

_DAY = 4
SURFACE_NAMES = ("dirt", "turf", "synthetic")
DISTANCES = (  # furlongs and weights, per surface
    ((5, 5.5, 6, 6.5, 7, 8, 8.5, 9, 10, 12), (6, 10, 22, 10, 12, 12, 10, 10, 6, 2)),
    ((5, 5.5, 8, 8.5, 9, 10, 11, 12), (10, 12, 20, 20, 15, 12, 6, 5)),
    ((5.5, 6, 6.5, 7, 8, 8.5, 9), (15, 20, 15, 15, 15, 10, 10)),
)
DIRT_GOINGS = (("fast", 0.72), ("good", 0.80), ("wet fast", 0.86), ("muddy", 0.94), ("sloppy", 1.0))
TURF_GOING = {"fast": ("firm", "good", 0.8), "good": ("good", "good", 1.0), "wet fast": ("good", "yielding", 0.5),
              "muddy": ("yielding", "soft", 0.6), "sloppy": ("soft", "soft", 1.0)}
OFF_THE_TURF = 0.5  # share of turf races moved to the (wet) main track
CLASSES = (  # code, description, base purse USD, tier threshold on field mean strength
    ("CLM", "claiming", 25_000, -np.inf), ("SOC", "starter optional claiming", 40_000, -0.55),
    ("AOC", "allowance optional claiming", 70_000, -0.1), ("ALW", "allowance", 85_000, 0.35),
    ("STK", "stakes", 200_000, 1.0),
)
_AGE = np.array([model.AGE_CURVE.get(a, model.AGE_OLD) for a in range(0, 9)])
N_Z, N_U, N_RU, N_RZ = 8, 7, 7, 4  # random columns per runner (normal, uniform) and per race


def age_effect(age: np.ndarray) -> np.ndarray:
    return _AGE[np.clip(age, 2, 8)]


@dataclass
class DayCard:
    """Runner arrays (one row per entry, grouped by race in race-number order) and race arrays."""

    horse: np.ndarray
    jockey: np.ndarray  # row in the track's jockeys
    race: np.ndarray  # 0..n_races-1 within the day
    post: np.ndarray
    debut: np.ndarray
    z: np.ndarray  # (S, N_Z) standard normals
    u: np.ndarray  # (S, N_U) uniforms
    race_number: np.ndarray
    surface: np.ndarray  # index into SURFACE_NAMES
    distance: np.ndarray
    going: list[str]
    tier: np.ndarray  # index into CLASSES
    purse: np.ndarray  # whole dollars
    ru: np.ndarray  # (n, N_RU) uniforms
    rz: np.ndarray  # (n, N_RZ) standard normals


def _going(u: np.ndarray) -> tuple[str, str]:
    dirt = next(name for name, upper in DIRT_GOINGS if u[0] < upper)
    firm, soft, p = TURF_GOING[dirt]
    return dirt, firm if u[1] < p else soft


def _sizes(total: int, n_races: int) -> np.ndarray:
    sizes = np.full(n_races, total // n_races)
    sizes[: total % n_races] += 1
    return sizes


def build_day(seed: int, track: Track, day: int, due: np.ndarray, due_no: np.ndarray, active: np.ndarray,
              horses: Horses, jockeys: People) -> DayCard | None:
    """``due``/``active`` are horse rows in canonical order; returns None if too few horses to race."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, _DAY, day, track.index]))
    dirt_going, turf_going = _going(rng.random(2))
    n_races = int(rng.integers(model.RACES_PER_DAY[0], model.RACES_PER_DAY[1] + 1))
    sizes = model.FIELD_MIN + rng.binomial(model.FIELD_MAX - model.FIELD_MIN, model.FIELD_P, n_races)
    debutants, regulars = due[due_no == 0], due[due_no != 0]
    while debutants.size > sizes.sum() and sizes.min() < model.FIELD_MAX:  # debutants always run
        sizes[np.argmin(sizes)] += 1
    need = int(sizes.sum()) - debutants.size
    if regulars.size >= need:
        chosen = regulars[np.argsort(rng.random(regulars.size), kind="stable")[:need]]
    else:  # top up with rested horses (never a debutant: active means debuted before today)
        rested = np.setdiff1d(active, due, assume_unique=True)
        chosen = np.concatenate([regulars, rested[np.argsort(rng.random(rested.size), kind="stable")]])[:need]
    runners = np.concatenate([debutants, chosen])
    if runners.size < sizes.sum():  # a thin early era: fewer, smaller races
        n_races = min(n_races, runners.size // model.FIELD_MIN)
        if n_races == 0:
            return None
        sizes = _sizes(runners.size, n_races)
        runners = runners[: sizes.sum()]
    total = int(sizes.sum())
    z, u = rng.standard_normal((total, N_Z)), rng.random((total, N_U))
    ru, rz = rng.random((n_races, N_RU)), rng.standard_normal((n_races, N_RZ))
    gumbel = rng.gumbel(size=(n_races, len(jockeys.ids)))
    numbers = rng.permutation(n_races) + 1

    year = from_epoch(day).year
    strength = horses.ability[runners] + age_effect(year - horses.foaled[runners])
    by_class = np.argsort(strength + model.CLASS_SORT_SD * z[:, 0], kind="stable")
    chunk = np.repeat(np.arange(n_races), sizes)  # chunk k = k-th lowest class
    race_of = np.empty(total, dtype=np.int64)
    race_of[by_class] = numbers[chunk] - 1  # race index = race number - 1
    order = np.lexsort((u[:, 0], race_of))  # group by race; random post order inside
    runners, race_of, strength = runners[order], race_of[order], strength[order]
    starts = np.searchsorted(race_of, np.arange(n_races))
    post = np.arange(total) - starts[race_of] + 1

    mean_strength = np.bincount(race_of, strength, n_races) / np.bincount(race_of, minlength=n_races)
    tier = np.searchsorted([c[3] for c in CLASSES[1:]], mean_strength, side="right")
    cum_mix = np.cumsum(track.surface_mix)
    surface = np.minimum(np.searchsorted(cum_mix / cum_mix[-1], ru[:, 0], side="right"), 2)
    wet_day = dirt_going in model.WET_GOINGS
    surface = np.where((surface == 1) & wet_day & (ru[:, 2] < OFF_THE_TURF), 0, surface)
    distance = np.empty(n_races)
    for s, (options, weights) in enumerate(DISTANCES):
        cum = np.cumsum(weights) / np.sum(weights)
        pick = np.minimum(np.searchsorted(cum, ru[:, 1], side="right"), len(options) - 1)
        distance = np.where(surface == s, np.asarray(options, dtype=float)[pick], distance)
    going = [(dirt_going, turf_going, "fast")[s] for s in surface]
    base = np.array([c[2] for c in CLASSES], dtype=float)[tier]
    stakes_boost = np.where(tier == len(CLASSES) - 1, 1 + 3 * ru[:, 4] ** 3, 1.0)
    purse = np.round(base * track.purse_scale * (0.8 + 0.4 * ru[:, 4]) * stakes_boost / 1000) * 1000

    jockey = np.empty(total, dtype=np.int64)
    log_w = np.log(jockeys.weight)
    for r in range(n_races):  # distinct jockeys per race; the better-booked ones get the better horses
        rows = np.arange(starts[r], starts[r] + np.count_nonzero(race_of == r))
        booked = np.argsort(-(log_w + gumbel[r]), kind="stable")[: rows.size]
        jockey[rows[np.argsort(-strength[rows], kind="stable")]] = booked
    debut = np.isin(runners, debutants)
    return DayCard(runners, jockey, race_of, post, debut, z[order], u[order], np.arange(1, n_races + 1), surface,
                   distance, going, tier, purse.astype(np.int64), ru, rz)
