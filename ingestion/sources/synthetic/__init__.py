"""Synthetic US racing results: the demo default source, deterministic from a seed, with planted edges.

What it generates (``SyntheticSource(seed=7, start=2024-01-01, end=2025-12-31, tracks=BEL CD SA DMR AQU)``):
five tracks racing 3-4 fixed weekdays each (seed 7: 1,868 cards, 18,658 races, 163,895 runner rows in two years),
8-12 races a card, 5-14 entries a race, distances 5-12 furlongs on dirt/turf/synthetic, US going words, post times in
UTC from local first post, purses in USD, morning lines as text ("5-2", "EVEN"; ~0.2 % "N/A" for the data-quality
report to count), final tote odds as decimal odds from a 17 %-takeout pool with a favourite-longshot bias, finishing
order from latent ability (Plackett-Luce), rare dead heats for win, scratches and DNFs, margins and times, and $2
dividends for win/place/show/exacta/trifecta/superfecta.

Planted edges with known answers (exact definitions in ``model.PLANTED_EDGES``; hidden from the public's odds):

(a) **Wet-track specialists**: 5 % of horses (``population()["wet_specialist"]``) run +0.8 strength (0.8 standard
    deviations of ability) on dirt rated ``muddy`` or ``sloppy``. Seed 7, 2024-2025: 870 wet-dirt starts won 26.6 %
    (mean 1/odds 14.6 %, flat-stake ROI +97 %) against 12.3 % in their 7,481 other starts.
(b) **First-time-starter trainer** ``SYN-T007`` (Belmont): its horses run +1.0 strength on their career debut
    (``race_date == population()["debut_date"]``). Seed 7, 2024-2025: 143 debutants won 27.3 % against a mean
    1/odds of 12.4 %; its other 3,148 starts won 10.5 %, like everyone else's.

Both are found from the published rows alone: the wet edge by grouping a horse's starts by going, the debut edge
by a trainer's first-time starters - a horse's first appearance is its debut unless it debuted before the range
starts (``population()`` says which).

Module map: ``tracks`` (calendar, time zones), ``population`` (horses, jockeys, trainers, career plans), ``card``
(one track-day's races and entries), ``outcome`` (strength, odds, result, vectorized), ``payouts`` (dividends),
``model`` (constants, planted edges), ``source`` (the ``HistoricalSource``), ``seed_csv`` (CSV export).
"""
from ingestion.sources.synthetic.model import PLANTED_EDGES
from ingestion.sources.synthetic.seed_csv import write_seed_csvs
from ingestion.sources.synthetic.source import SyntheticSource

__all__ = ["PLANTED_EDGES", "SyntheticSource", "write_seed_csvs"]
