"""HKJC official results JSON source; see ``source.py`` for the mapping decisions."""
from ingestion.sources.hkjc.source import HKJCResultsSource

__all__ = ["HKJCResultsSource"]
