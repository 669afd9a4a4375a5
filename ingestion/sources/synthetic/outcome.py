"""Strength, market, result: vectorized over every runner of a read at once (see ``model`` for the equations).

Rows are grouped by race (``race`` is non-decreasing), so per-race sums and maxima are ``reduceat`` segments. Only
values of the same race ever meet, which keeps each race independent of what else was generated alongside it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.sources.synthetic import model
from ingestion.sources.synthetic.card import age_effect

GOING_TIME = {"fast": 1.0, "firm": 1.0, "good": 1.007, "wet fast": 1.005, "muddy": 1.015, "sloppy": 1.012,
              "yielding": 1.02, "soft": 1.04}
SURFACE_TIME = np.array([1.0, 0.995, 1.005])
_ML_TEXT = np.array([t for t, _ in model.MORNING_LINES] + [model.UNPARSEABLE_ML_TEXT], dtype=object)
_ML_LOG = np.log1p([v for _, v in model.MORNING_LINES])
_ML_EDGES = (_ML_LOG[1:] + _ML_LOG[:-1]) / 2

# Columns of the per-runner random blocks drawn by ``card.build_day``.
Z_CLASS, Z_PUBLIC, Z_FORM, Z_ML, Z_WIN, Z_PLACE, Z_SHOW, Z_WEIGHT = range(8)
U_POST, U_FINISH, U_SCRATCH, U_DNF, U_ML, U_GAP_KIND, U_GAP = range(7)
RU_DEAD_HEAT, RU_JITTER = 3, 5
RZ_EXACTA, RZ_TRIFECTA, RZ_SUPERFECTA, RZ_TIME = range(4)


@dataclass
class Result:
    scratched: np.ndarray
    finished: np.ndarray
    position: np.ndarray  # 0 = no position
    status: np.ndarray  # object: finished / dnf / scratched
    odds_steps: np.ndarray  # final odds = 1 + 0.05 * steps (0 for scratched)
    morning_line: np.ndarray  # object text
    margin: np.ndarray  # lengths, NaN if not finished
    time: np.ndarray  # seconds, NaN if not finished
    p_public: np.ndarray
    win_share: np.ndarray
    place_share: np.ndarray
    show_share: np.ndarray
    weight: np.ndarray
    order: np.ndarray  # row indices sorted by (race, position), non-finishers last in their race
    rank: np.ndarray  # 1-based rank of each row in ``order`` within its race


def _seg_softmax(x: np.ndarray, mask: np.ndarray, race: np.ndarray, starts: np.ndarray) -> np.ndarray:
    shifted = np.where(mask, x, -np.inf)
    top = np.maximum.reduceat(shifted, starts)[race]
    e = np.where(mask, np.exp(shifted - top), 0.0)
    return e / np.add.reduceat(e, starts)[race]


def _seg_normalize(x: np.ndarray, race: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return x / np.add.reduceat(x, starts)[race]


def strengths(r: dict, races: dict) -> tuple[np.ndarray, np.ndarray]:
    """(known, hidden) strength per runner; ``r`` and ``races`` are the column dicts built by the source."""
    race = r["race"]
    surface, distance = races["surface"][race], races["distance"][race]
    wet_dirt, soft_turf = races["wet_dirt"][race], races["soft_turf"][race]
    turf, dirt = surface == 1, surface == 0
    known = (
        r["ability"] + age_effect(races["year"][race] - r["foaled"]) + r["jockey_effect"] + r["trainer_effect"]
        + np.where(turf, r["turf_aff"], np.where(dirt, -0.5 * r["turf_aff"], r["synth_aff"]))
        - np.minimum(model.DIST_PENALTY * (distance - r["best_dist"]) ** 2, model.DIST_PENALTY_CAP)
        + r["wet_aff"] * (wet_dirt + 0.5 * soft_turf)
        - np.where(dirt & (distance <= 7), model.DRAW_SPRINT_DIRT * (r["post"] - 1), 0.0)
        - np.where(turf & (distance >= 8), model.DRAW_ROUTE_TURF * np.maximum(r["post"] - 7, 0), 0.0)
    )
    hidden = (model.WET_BONUS * (r["wet_specialist"] & wet_dirt)
              + model.DEBUT_BONUS * (r["debut"] & r["debut_trainer"]))
    return known, hidden


def run(r: dict, races: dict) -> Result:
    race, z, u = r["race"], r["z"], r["u"]
    n_races = len(races["surface"])
    starts = np.searchsorted(race, np.arange(n_races))
    entries = np.bincount(race, minlength=n_races)

    scratched = u[:, U_SCRATCH] < model.SCRATCH_RATE
    too_few = entries - np.bincount(race, scratched, n_races) < model.FIELD_MIN
    scratched &= ~too_few[race]
    starter = ~scratched
    finished = starter & (u[:, U_DNF] >= model.DNF_RATE)

    known, hidden = strengths(r, races)
    true = known + hidden + model.FORM_SD * z[:, Z_FORM]
    p_public = _seg_softmax(model.PUBLIC_BETA * (known + model.PUBLIC_SD * z[:, Z_PUBLIC]), starter, race, starts)

    def shares(alpha: float, noise: np.ndarray) -> np.ndarray:
        raw = np.where(starter, p_public ** alpha * np.exp(model.BET_NOISE_SD * noise), 0.0)
        return _seg_normalize(raw, race, starts)

    win, place, show = shares(model.FLB_ALPHA, z[:, Z_WIN]), shares(model.PLACE_ALPHA, z[:, Z_PLACE]), \
        shares(model.SHOW_ALPHA, z[:, Z_SHOW])
    with np.errstate(divide="ignore"):
        to_one = (1 - model.WPS_TAKEOUT) / win - 1
    odds_steps = np.where(starter, np.maximum(np.floor(np.where(starter, to_one, 0) * 20 + 1e-9), 1), 0)

    everyone = np.ones_like(starter)  # the line is made before scratches
    line_view = known + model.MORNING_LINE_SD * z[:, Z_ML]
    p_line = _seg_softmax(model.MORNING_LINE_BETA * line_view, everyone, race, starts)
    line = np.searchsorted(_ML_EDGES, np.log1p(1 / (model.MORNING_LINE_OVERROUND * p_line) - 1).clip(0))
    line = np.where(u[:, U_ML] < model.UNPARSEABLE_ML_RATE, len(_ML_TEXT) - 1, line)

    # Plackett-Luce by Gumbel-max: sort finishers by BETA * true + Gumbel, descending, within each race.
    gumbel = -np.log(-np.log(u[:, U_FINISH]))
    key = np.where(finished, model.BETA * true + gumbel, -np.inf)
    order = np.lexsort((-key, race))
    rank = np.empty_like(order)
    rank[order] = np.arange(race.size) - starts[race[order]] + 1
    position = np.where(finished, rank, 0)
    n_finished = np.bincount(race, finished, n_races)
    dead_heat = (races["ru"][:, RU_DEAD_HEAT] < model.DEAD_HEAT_RATE) & (n_finished >= 2)
    position = np.where(dead_heat[race] & (rank == 2) & finished, 1, position)

    gap_kind, gap_u = u[:, U_GAP_KIND], u[:, U_GAP]
    gap = np.select([gap_kind < 0.10, gap_kind < 0.20, gap_kind < 0.32],
                    [0.05, 0.1, 0.25], 0.5 + np.round(-np.log(gap_u) * 1.5 * 4) / 4)
    gap = np.where(finished & (position > 1), gap, 0.0)[order]
    cum = np.cumsum(gap)
    margin_sorted = cum - (cum[starts] - gap[starts])[race[order]]
    margin = np.empty_like(margin_sorted)
    margin[order] = margin_sorted
    margin = np.where(finished, np.round(margin, 2), np.nan)

    d = races["distance"]
    par = d * (11.6 + 0.09 * (d - 5)) * SURFACE_TIME[races["surface"]] * races["going_time"]
    winner_time = par * (1 - 0.003 * races["tier"]) + 0.6 * races["rz"][:, RZ_TIME]
    time = np.where(finished, np.round(winner_time[race] + margin * model.SECONDS_PER_LENGTH, 2), np.nan)

    status = np.where(scratched, "scratched", np.where(finished, "finished", "dnf")).astype(object)
    weight = np.clip(np.round(120 + 2.2 * z[:, Z_WEIGHT]), 114, 126) + 2 * (races["tier"][race] == 4)
    return Result(scratched, finished, position, status, odds_steps.astype(np.int64), _ML_TEXT[line], margin, time,
                  p_public, win, place, show, weight.astype(np.int64), order, rank)
