"""Sports strategies on a games frame (one row per side of a game: ``engine.prepare_sports``).

``home_flat`` is the baseline every sports model should beat: back the home side's moneyline in every game. On the
real NBA closing lines it loses roughly the bookmaker's margin, which is the point of a baseline. Lines flagged
``suspect`` (moneylines that contradict the spread: in-play prices recorded as closing lines) are skipped by
default, because a line posted after tip-off carries information about the result.
"""
from __future__ import annotations

import pandas as pd

from backtests.strategies.base import Context, Param, Strategy
from backtests.strategies.registry import register


@register
class HomeFlat(Strategy):
    name = "home_flat"
    market = "sports"
    bet_type = "moneyline"
    description = "Moneyline on the home side of every game."
    params = {"min_odds": Param(1.0, "lowest decimal odds to back", float, 1.0),
              "max_odds": Param(1000.0, "longest decimal odds to back", float, 1.0),
              "skip_suspect": Param(True, "skip lines that contradict the spread", bool)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        keep = (d["side"] == "home") & d["odds"].between(self.min_odds, self.max_odds)
        if self.skip_suspect:
            keep &= ~d["suspect"]
        return d[keep]


@register
class EvVsSharp(Strategy):
    name = "ev_vs_sharp"
    market = "sports"
    bet_type = "h2h"
    description = "Best retail price per outcome when the sharp book's no-vig probability × price − 1 ≥ min_ev."
    params = {"min_ev": Param(0.03, "minimum expected value per unit against the sharp no-vig line", float, 0.0, 1.0),
              "max_odds": Param(10.0, "longest decimal odds to back", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        if "fair_probability" not in d:
            raise ValueError("ev_vs_sharp needs bookmaker prices: engine.prepare_sports_prices(prices, events)")
        ev = d["fair_probability"] * d["odds"] - 1
        candidates = d[(ev >= self.min_ev) & (d["odds"] <= self.max_odds)]
        best = candidates.sort_values("odds", ascending=False, kind="stable").drop_duplicates(
            ["event_key", "outcome"])  # one bet per outcome, at the best qualifying price
        return best.assign(probability=best["fair_probability"])
