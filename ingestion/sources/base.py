"""The one interface every historical source implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date

from ingestion.schema import RawBatch


class HistoricalSource(ABC):
    """A source of race results: it can list the race dates it holds and read a date range into a ``RawBatch``.

    Reads take a range rather than one day because a backfill runs as a single run: a CSV source parses its file once
    per range instead of once per day. The loader then writes each day in its own transaction.
    """

    name: str

    @abstractmethod
    def available_dates(self) -> list[date]:
        """Race dates this source has data for, ascending."""

    @abstractmethod
    def read(self, start: date, end: date) -> RawBatch:
        """All races, runners and dividends with ``start <= race_date <= end`` in the canonical raw shape."""
