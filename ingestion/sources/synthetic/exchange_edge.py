"""The planted exchange edge (late steamers) and the fair BSP it is measured against.

Each runner's BSP is fair: the winner is drawn (greyhounds) or already decided (horses) with chance about 1/BSP.
Given the result, a runner is then labelled a *steamer* with the probability Bayes' rule needs for
P(win | steamer) = ``STEAM_LIFT`` x 1/BSP while P(steamer) stays ``STEAM_RATE`` among eligible runners
(BSP ``STEAM_BSP``): a winner steams with probability LIFT x RATE, a loser with RATE x (1 - LIFT p) / (1 - p),
p = 1/BSP. The label only decides the price path (``exchange_paths``): a steamer's best back price shortens by at
least 20 % between T-10 min and the last pre-off book; nobody else's does. Some other runners *drift* (lengthen
by 25-50 %) independently of the result, so drifting carries no information. Everything else in the market stays
fair at BSP, less the share of winners the steamers take: eligible non-steamers win (1 - 0.3 x 0.12) / 0.88, about
0.96, of 1/BSP (seed 7 measures 0.96 over all non-steamers; numbers in ``exchange_streams``).
"""
from __future__ import annotations

import numpy as np

STEAM_LIFT = 1.3  # a steamer's true chance / its 1/BSP
STEAM_RATE = 0.12  # share of eligible runners that steam
STEAM_BSP = (2.0, 30.0)  # eligible BSP band: short enough to be backed seriously, long enough for LIFT x p < 1
DRIFT_RATE = 0.1  # share of the other runners that drift (no edge)
BSP_NOISE_SD = 0.03  # log-sd between a runner's fair price and its BSP


def bsp_from_chances(rng: np.random.Generator, chance: np.ndarray) -> np.ndarray:
    """Betfair-style BSPs (two decimals, 1.01-1000) around 1/chance."""
    raw = np.exp(rng.standard_normal(len(chance)) * BSP_NOISE_SD) / np.maximum(chance, 1e-6)
    return np.clip(np.round(raw, 2), 1.01, 1000.0)


def assign_moves(rng: np.random.Generator, bsp: np.ndarray, won: np.ndarray) -> list[str]:
    """'steam' / 'drift' / 'flat' per runner from its BSP and result (see the module docstring for the rule)."""
    u, v = rng.random(len(bsp)), rng.random(len(bsp))
    p = 1 / bsp
    eligible = (bsp >= STEAM_BSP[0]) & (bsp <= STEAM_BSP[1])
    steam_chance = np.where(won, STEAM_LIFT * STEAM_RATE, STEAM_RATE * (1 - STEAM_LIFT * p) / (1 - p))
    steam = eligible & (u < steam_chance)
    drift = ~steam & (v < DRIFT_RATE)
    return ["steam" if s else "drift" if d else "flat" for s, d in zip(steam.tolist(), drift.tolist())]
