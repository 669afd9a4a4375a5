"""Files in, warehouse rows out: the one exchange load the Dagster partitions and ``paddock exchange load`` both run.

The reader streams each file (constant memory) and the store gates and writes each market date in its own
transaction. A file that cannot be read fails alone: its error (naming the file and line) is collected and every other
file still loads; the caller decides how loudly to fail (the asset check turns red, the CLI exits non-zero).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ingestion.exchange.errors import ExchangeFileError
from ingestion.exchange.reader import read_markets
from ingestion.exchange.schema import MarketRecord
from ingestion.exchange.store import ExchangeLoadReport, load_markets


@dataclass
class ExchangeLoad:
    """What one load did: the store's report (rows published and quarantined per table and date) and the files that
    failed to read, each with its one-line error."""

    report: ExchangeLoadReport
    errors: list[ExchangeFileError] = field(default_factory=list)
    markets_read: int = 0
    markets_skipped: int = 0  # read, but on a market date outside the requested ones


def load_exchange_files(
    engine: sa.Engine,
    paths: Iterable[Path | str],
    *,
    run_id: str,
    dates: Iterable[date] | None = None,
    on_market: Callable[[MarketRecord], None] = lambda _record: None,
) -> ExchangeLoad:
    """Read ``paths`` (files, compressed files, ``.tar`` archives, folders) and load their markets; with ``dates``,
    only markets scheduled on those dates (a partition's run loads its own day from files that span several)."""
    wanted = set(dates) if dates is not None else None
    errors: list[ExchangeFileError] = []
    counts = {"read": 0, "skipped": 0}

    def selected() -> Iterator[MarketRecord]:
        for record in read_markets(list(paths), on_error=errors.append):
            counts["read"] += 1
            if wanted is not None and record.market["market_date"] not in wanted:
                counts["skipped"] += 1
                continue
            on_market(record)
            yield record

    report = load_markets(engine, selected(), run_id=run_id)
    return ExchangeLoad(report, errors, counts["read"], counts["skipped"])
