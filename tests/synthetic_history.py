"""Synthetic history generated in memory, shaped like ``marts.fct_runners`` (test and benchmark helper).

The engine tests and the engine benchmark need years of runners without a warehouse; production reads the marts
(``backtests.frames.load_runners``), so the generator call lives here and ``backtests`` does not import ``ingestion``.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from backtests.frames import runners_from_batch
from ingestion.sources.synthetic import SyntheticSource


def synthetic_runners(start: date, end: date, seed: int = 7, tracks: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The synthetic source's races in [start, end] as a runners frame (see ``backtests.frames.runners_from_batch``);
    only the pools the frame reads are settled (win, place, show: not the exotics)."""
    source = SyntheticSource(seed=seed, start=start, end=end, pools=("win", "place", "show"),
                             **({"tracks": tracks} if tracks else {}))
    return runners_from_batch(source.read(start, end))
