"""Baseline racing strategies: the favourite, the longshot, and a random bettor to measure the takeout against.

``random_selection`` picks one runner per race at random. Weighted by the market (probability ∝ 1/odds, the share of
the pool) it is the crowd itself: pari-mutuel pays (1 − takeout) / share to a winner, so its expected ROI is exactly
−takeout (a little worse after breakage) whatever the favourite-longshot bias. Uniform weighting over-samples
longshots and loses more where longshots are over-bet; both are offered because both questions get asked. Draws come
from a Gumbel key per row seeded by ``seed`` and depend only on the decision frame, never on outcomes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from backtests.strategies.base import Context, Param, Strategy
from backtests.strategies.registry import register


def first_per_race(decisions: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """The row with the highest ``key`` in each race (ties: first in frame order)."""
    race = pd.factorize(decisions["event_key"])[0]
    order = np.lexsort((np.arange(len(race)), -key, race))
    first = order[np.r_[True, np.diff(race[order]) != 0]]
    return decisions.iloc[np.sort(first)]


@register
class FavouriteFlat(Strategy):
    name = "favourite_flat"
    description = "Win bet on each race's favourite (shortest decision odds)."
    params = {"max_odds": Param(None, "skip favourites longer than this (decimal odds)", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        picks = first_per_race(d, -d["odds"].to_numpy())
        return picks[picks["odds"] <= self.max_odds] if self.max_odds else picks


@register
class LongshotFlat(Strategy):
    name = "longshot_flat"
    description = "Win bet on every runner at long odds: the favourite-longshot bias made visible."
    params = {"min_odds": Param(21.0, "bet runners at or above these decimal odds", float, 1.0),
              "max_odds": Param(None, "and at or below these", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        keep = d["odds"] >= self.min_odds
        if self.max_odds:
            keep &= d["odds"] <= self.max_odds
        return d[keep]


@register
class RandomSelection(Strategy):
    name = "random_selection"
    description = "One random runner per race (market-weighted by default): ROI ≈ −takeout."
    params = {"seed": Param(0, "random seed", int, 0),
              "weighting": Param("market", "market (∝ 1/odds) or uniform", str, choices=("market", "uniform")),
              "share": Param(1.0, "share of races bet", float, 0.0, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        rng = np.random.default_rng(self.seed)
        weight = 1 / d["odds"].to_numpy() if self.weighting == "market" else np.ones(len(d))
        picks = first_per_race(d, np.log(weight) + rng.gumbel(size=len(d)))
        if self.share < 1:
            picks = picks[rng.random(len(picks)) < self.share]
        return picks
