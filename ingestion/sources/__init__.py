"""Historical sources by name: the one place that maps a configured name to its class.

Imports are cheap (no data is read until ``available_dates``/``read``), so the registry imports every source.
"""
from __future__ import annotations

from ingestion.errors import IngestionError
from ingestion.sources.base import HistoricalSource
from ingestion.sources.hkjc import HKJCResultsSource
from ingestion.sources.kaggle_hk import KaggleHKSource
from ingestion.sources.synthetic import SyntheticSource

SOURCES: dict[str, type[HistoricalSource]] = {
    "synthetic": SyntheticSource,  # deterministic US-style demo data with planted edges (the default)
    "kaggle_hk": KaggleHKSource,  # Kaggle "Horse Racing in HK" CSVs, 2008-2016, calendar restored
    "hkjc": HKJCResultsSource,  # HKJC official results JSON, one file per meeting, 2017-2019
}


class UnknownSourceError(IngestionError, ValueError):
    """A configured source name that is not registered; the message lists the valid names."""


def get_source(name: str, **config) -> HistoricalSource:
    """Instantiate the source registered as ``name`` with its constructor keyword arguments."""
    try:
        cls = SOURCES[name]
    except KeyError:
        raise UnknownSourceError(f"unknown source {name!r}; valid names: {', '.join(sorted(SOURCES))}") from None
    return cls(**config)


__all__ = ["SOURCES", "HistoricalSource", "UnknownSourceError", "get_source"]
