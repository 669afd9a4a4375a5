"""Load exchange MarketRecords into ``raw.exchange_*``: gate per market date, then one transaction per market date.

Why per market date and not per file: the warehouse is partitioned by market date (``_partition``), Dagster asks for
dates, and a file or archive may hold markets of many dates. Each date is gated on its own (so a date whose batch
fails the gate, or whose write fails, never blocks the others) and written in one transaction that first deletes
every row, raw and quarantined, of the market ids being loaded: loading the same records twice leaves the same rows,
and a market read again from a better file replaces its old version whatever date it had.

A defect in one row quarantines that row (and, for a market, its runners and prices: see
``quality.suites_exchange``); a *critical* date (a batch-level rule failed, or its transaction raised) keeps its
published rows as they were, records its quarantined rows, and is reported in ``ExchangeLoadReport.critical``: the
caller decides to raise, with :meth:`ExchangeLoadReport.raise_if_critical`.

Records are grouped in memory before anything is written (a date is one transaction): pass a day's or a few days'
files per call, not a month's archive of PRO files at once.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd
import psycopg2
import sqlalchemy as sa

from ingestion.exchange.schema import EXCHANGE_TABLES, MarketRecord
from ingestion.gated_load import GatedWrites, log_data_quality
from ingestion.loader import quarantine_records
from ingestion.schema import META_COLUMNS
from paddock.pgcopy import copy_rows
from quality.gate import REASONS_COLUMN, GateFailure, GateResult
from quality.suites_exchange import gate_exchange

TABLES = tuple(EXCHANGE_TABLES)
# what a date's write can fail with on a value the gate let through (a cell COPY cannot convert, a constraint): the
# date's transaction rolls back and the other dates still load
WRITE_ERRORS = (sa.exc.SQLAlchemyError, psycopg2.Error, ValueError, TypeError)
Q_COLUMNS = {"_source": "text", "_partition": "date", "_scope": "text", "_run_id": "text", "record": "jsonb",
             "reasons": "text[]"}


@dataclass(frozen=True)
class CriticalFailure:
    """A market date that was not published: the gate blocked the batch, or its transaction failed."""

    market_date: date | None
    table: str | None  # the gated table whose batch rule failed; None when the write itself failed
    message: str


@dataclass
class ExchangeLoadReport(GatedWrites):
    """What ``load_markets`` did. It is a ``GatedLoadReport`` (``orchestration.defs.warehouse.gate_checks``): the
    Dagster assets turn it into asset-check results with the same builder as the historical load."""

    source: str
    dates: list[date | None] = field(default_factory=list)
    market_ids: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # table / "quarantine.<table>" -> rows
    gate: dict[date | None, dict[str, GateResult]] = field(default_factory=dict)  # market date -> table -> result
    critical: list[CriticalFailure] = field(default_factory=list)

    def describe(self) -> str:
        """One line for logs and the CLI: markets and dates, rows published and quarantined, dates not published."""
        tables = ", ".join(f"{t}={self.published(t)} (quarantined {self.quarantined(t)})" for t in EXCHANGE_TABLES)
        line = f"{len(self.market_ids)} market(s) on {len(self.dates)} date(s): {tables}"
        if self.critical:
            line += "; not published: " + "; ".join(f"{f.market_date}: {f.message}" for f in self.critical)
        return line

    def raise_if_critical(self) -> ExchangeLoadReport:
        if self.critical:
            raise ExchangeLoadFailure(self.critical)
        return self


class ExchangeLoadFailure(Exception):
    """Some market dates were not published; the others were (names each failed date and why)."""

    def __init__(self, failures: list[CriticalFailure]):
        self.failures = failures
        super().__init__("exchange load failed for " + "; ".join(f"{f.market_date}: {f.message}" for f in failures))


def load_markets(engine: sa.Engine, records: Iterable[MarketRecord], *, run_id: str,
                 source: str = "betfair") -> ExchangeLoadReport:
    """Gate and publish ``records``, one transaction per market date; never raises for bad data (see the report)."""
    report = ExchangeLoadReport(source=source)
    by_date: dict[date | None, list[MarketRecord]] = {}
    for record in records:
        by_date.setdefault(record.market.get("market_date"), []).append(record)
    now = datetime.now(timezone.utc)
    seen: set[str] = set()
    for day in sorted(by_date, key=lambda d: (d is None, d or date.min)):
        batch = by_date[day]
        market_ids = list(dict.fromkeys(r.market_id for r in batch if r.market_id is not None))
        report.dates.append(day)
        report.market_ids.extend(m for m in market_ids if m not in seen)
        seen.update(market_ids)
        results = gate_exchange(frames_of(batch), now)
        report.gate[day] = results
        blocked = [(t, r) for t, r in results.items() if r.critical_failure]
        for table, result in blocked:
            report.critical.append(CriticalFailure(day, table, str(GateFailure(result))))
        if day is not None:
            log_data_quality(engine, source, results, day, day, run_id)
        try:
            written = _replace_markets(engine, source, day, market_ids, results, run_id, publish=not blocked)
        except WRITE_ERRORS as exc:
            report.critical.append(CriticalFailure(day, None, f"write failed, nothing of this date changed: {exc}"))
            continue
        for key, n in written.items():
            report.written[key] = report.written.get(key, 0) + n
    return report


def frames_of(records: list[MarketRecord]) -> dict[str, pd.DataFrame]:
    """The three raw tables' rows as object columns: ints stay ints and Decimals stay Decimals next to a null."""
    rows = {"exchange_markets": [r.market for r in records],
            "exchange_runners": [row for r in records for row in r.runners],
            "exchange_prices": [row for r in records for row in r.prices]}
    return {table: pd.DataFrame({c: pd.Series([row.get(c) for row in rows[table]], dtype=object)
                                 for c in EXCHANGE_TABLES[table]})
            for table in TABLES}


def _replace_markets(engine: sa.Engine, source: str, day: date | None, market_ids: list[str],
                     results: dict[str, GateResult], run_id: str, *, publish: bool) -> dict[str, int]:
    """Delete the markets' rows and write the gate's split, in one transaction. Without ``publish`` (a blocked date)
    raw keeps what it had and only the quarantine side of these markets is replaced."""
    loaded_at = datetime.now(timezone.utc)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        key = {"s": source, "ids": market_ids, "p": day}
        for table, columns in EXCHANGE_TABLES.items():
            # rows without a market id have no market to be replaced with: they go with their date's next load
            cursor.execute(f"DELETE FROM quarantine.{table} WHERE _source = %(s)s AND (record ->> 'market_id' = "
                           f"ANY(%(ids)s) OR (record ->> 'market_id' IS NULL AND _partition IS NOT DISTINCT FROM "
                           f"%(p)s))", key)
            result = results[table]
            if publish:
                cursor.execute(f"DELETE FROM raw.{table} WHERE _source = %(s)s AND market_id = ANY(%(ids)s)", key)
                rows = result.published.reindex(columns=list(columns)).copy()
                rows["_source"], rows["_partition"], rows["_scope"] = source, day, ""
                rows["_loaded_at"], rows["_run_id"] = loaded_at, run_id
                written[table] = copy_rows(cursor, f"raw.{table}", {**columns, **META_COLUMNS}, rows)
            rejects = result.quarantined
            if not rejects.empty:
                q = quarantine_records(rejects.reindex(columns=[*columns, REASONS_COLUMN]))
                q.insert(0, "_run_id", run_id)
                q.insert(0, "_scope", "")
                q.insert(0, "_partition", day)
                q.insert(0, "_source", source)
                written[f"quarantine.{table}"] = copy_rows(cursor, f"quarantine.{table}", Q_COLUMNS, q)
        cursor.close()
    return written
