"""``exotic_box``: box the market's top horses in a multi-horse pool, settled against the real dividends.

A box of ``size`` horses in a ``legs``-horse ordered pool (exacta/forecast, trifecta/tierce, superfecta/quartet) is
every ordering of every ``legs`` of them (size!/(size−legs)! tickets; a trifecta box of three is six tickets); in an
unordered pool (quinella, trio, first4) every set of ``legs`` of them (C(size, legs) tickets). The stake is split
evenly over the tickets. Hong Kong's names are the same pools as the US ones they mirror (tierce = trifecta), so the
strategy runs on HKJC history with ``pool: tierce`` and on US history with ``pool: trifecta``. The
"model" is the market: the ``size`` shortest prices at decision time (the value model's ranking can be swapped in
by subclassing ``ranking``). Settlement happens after selection, in :meth:`ExoticBox.settle`, which the engine calls
with the outcomes: which combinations won comes from :func:`backtests.betting.tickets.settle_combinations` (the one
settlement core, dead heats included), what they paid from the dividends table (``frames.load_dividends`` or
``frames.dividends_from_batch``).
A winning combination with no published dividend pays nothing and is counted in ``missing_dividends``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from backtests.betting.exotics import Outcome
from backtests.betting.pools import POOL_RULES
from backtests.betting.tickets import box as box_ticket
from backtests.betting.tickets import settle_combinations
from backtests.strategies.base import Context, Param, Strategy
from backtests.strategies.registry import register

# Pools a box can play: several horses, paid on exactly the first `legs` places (not quinella place / place).
POOL_LEGS = {pool: rule.legs for pool, rule in POOL_RULES.items() if 2 <= rule.legs == rule.places}


@register
class ExoticBox(Strategy):
    name = "exotic_box"
    bet_type = "exotic_box"
    needs_dividends = True
    description = "Box the market's top horses in an exotic pool (trifecta, tierce, trio, ...); settled on dividends."
    params = {"pool": Param("trifecta", "ordered pool to play", str, choices=tuple(POOL_LEGS)),
              "size": Param(3, "horses in the box", int, 2, 6)}

    def ranking(self, decisions: pd.DataFrame) -> np.ndarray:
        """Higher is better; the market's order by default."""
        return -decisions["odds"].to_numpy()

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        legs = POOL_LEGS[self.pool]
        if self.size < legs:
            raise ValueError(f"a {self.pool} box needs at least {legs} horses")
        race = pd.factorize(d["event_key"])[0]
        order = np.lexsort((np.arange(len(d)), -self.ranking(d), race))
        rank = np.empty(len(d), dtype=np.int64)
        starts = np.r_[0, np.flatnonzero(np.diff(race[order])) + 1]
        rank[order] = np.arange(len(d)) - np.repeat(starts, np.diff(np.r_[starts, len(d)]))
        top = d[rank < self.size]
        boxes = top.groupby("event_key", sort=False, observed=True)["horse_number"].agg(tuple)
        boxes = boxes[boxes.map(len) == self.size]  # fields smaller than the box are skipped
        picks = d[(rank == 0) & d["event_key"].isin(boxes.index).to_numpy()].copy()
        picks["box"] = picks["event_key"].map(boxes)
        picks["bet_type"], picks["market"] = f"{self.pool}_box", self.pool
        picks["odds"] = np.nan  # an exotic has no fixed price at decision time
        return picks

    def settle(self, picks: pd.DataFrame, outcomes: pd.DataFrame, dividends: pd.DataFrame | None) -> np.ndarray:
        """Gross return per unit staked on each box (Σ dividends of its winning tickets / tickets)."""
        if dividends is None:
            raise ValueError("exotic_box needs dividends: prepare_racing(runners, dividends=...)")
        pool = dividends[dividends["pool"] == self.pool]
        paid = dict(zip(zip(pool["race_key"], pool["combination"]), pool["payout_per_unit"].astype(float)))
        races = outcomes[outcomes["event_key"].isin(set(picks["event_key"]))]
        placings = {race: dict(zip(g["horse_number"], g["finish_position"]))
                    for race, g in races.groupby("event_key", sort=False, observed=True)}
        returns, self.missing_dividends = [], 0
        for race, horses in zip(picks["event_key"], picks["box"]):
            finish = {int(h): (None if pd.isna(p) else int(p)) for h, p in placings[race].items()}
            ticket = box_ticket(self.pool, [int(h) for h in horses])
            total = 0.0
            for combo in settle_combinations(self.pool, ticket.combinations(), finish)[Outcome.WIN]:
                key = (race, "-".join(map(str, combo)))
                self.missing_dividends += key not in paid
                total += paid.get(key, 0.0)
            returns.append(total / ticket.count())
        return np.asarray(returns, dtype=float)
