"""Kaggle "Horse Racing in HK" CSV source; see ``source.py`` for the mapping decisions."""
from ingestion.sources.kaggle_hk.source import DATE_SHIFT, KaggleHKSource

__all__ = ["DATE_SHIFT", "KaggleHKSource"]
