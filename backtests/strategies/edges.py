"""Strategies written to find the synthetic generator's planted edges from published rows alone.

They know *what kind* of edge to look for (``ingestion.sources.synthetic.model.PLANTED_EDGES``), never *who* has
it: no horse ids, no trainer ids, no hidden columns. Both measure "better than the market thought" as actual /
expected wins (expected = Σ of the market's probabilities), which weighs a 10-1 win more than an even-money one.
``wet_specialist`` backs horses on wet dirt whose earlier wet-dirt wins beat expectation; ``first_time_starter``
backs debutants of trainers whose earlier debutants did (seed 7, 2023-2025: ROI +70 %, 95 % interval +37 % to
+106 %). The wet edge is much harder to see from prior rows: a horse meets wet dirt a couple of times a year, so
on seed 7 only 27 % of specialists' wet-dirt starts come after an earlier wet-dirt win, and among horses with such
a win only one in ten is a specialist. Backing them loses (ROI about −15 %) although the specialists themselves
return +85 % on wet dirt; finding them needs more history per horse or a better detector, not a looser rule.
On real data the same strategies are honest hypotheses to test.
"""
from __future__ import annotations

import pandas as pd

from backtests.strategies import register
from backtests.strategies.base import Context, Param, Strategy


@register
class WetSpecialist(Strategy):
    name = "wet_specialist"
    description = "Wet-dirt runners whose earlier wet-dirt wins beat the market's expectation (planted edge a)."
    params = {"min_wet_dirt_wins": Param(1, "earlier wins on wet dirt", int, 0),
              "min_wet_dirt_ae": Param(3.0, "earlier wet-dirt actual/expected wins", float, 0.0),
              "min_odds": Param(1.0, "lowest decimal odds to back", float, 1.0),
              "max_odds": Param(21.0, "longest decimal odds to back", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        keep = (d["is_wet_dirt"] & (d["horse_wet_dirt_wins"] >= self.min_wet_dirt_wins)
                & (d["horse_wet_dirt_ae"] >= self.min_wet_dirt_ae) & d["odds"].between(self.min_odds, self.max_odds))
        return d[keep]


@register
class FirstTimeStarter(Strategy):
    name = "first_time_starter"
    description = "Debutants of trainers whose earlier debutants beat the market's expectation (planted edge b)."
    params = {"min_trainer_debuts": Param(20, "earlier debutants of the trainer", int, 1),
              "min_trainer_debut_ae": Param(1.8, "their actual/expected wins", float, 0.0),
              "max_age": Param(3, "debutants are young; older first appearances are usually imports", int, 2),
              "max_odds": Param(21.0, "longest decimal odds to back", float, 1.0)}

    def select(self, context: Context) -> pd.DataFrame:
        d = context.decisions
        keep = (d["is_debut"] & (d["horse_age"] <= self.max_age)
                & (d["trainer_debut_starts"] >= self.min_trainer_debuts)
                & (d["trainer_debut_ae"] >= self.min_trainer_debut_ae) & (d["odds"] <= self.max_odds))
        return d[keep]
