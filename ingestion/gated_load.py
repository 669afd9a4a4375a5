"""Read -> gate -> publish for a window of race dates: the body of the raw results asset, as plain Python.

The gate runs over the whole staged window at once (GX has a fixed cost per validation), then each race date is
published in its own transaction. A critical batch failure raises before anything is published: only quarantine and
``ops.data_quality_log`` record what was seen.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa

from ingestion.loader import PartitionPayload, replace_partition
from ingestion.schema import RAW_TABLES
from ingestion.sources.base import HistoricalSource
from quality.gate import GateResult, gate_batch, raise_if_critical


class GatedWrites:
    """Row counts and gate results as every gated load reports them (``written`` by table and
    ``"quarantine.<table>"``; ``gate`` by batch, then table): the shape the Dagster gate checks read."""

    written: dict[str, int]
    gate: dict

    def published(self, table: str) -> int:
        return self.written.get(table, 0)

    def quarantined(self, table: str) -> int:
        return self.written.get(f"quarantine.{table}", 0)

    def results_for(self, table: str) -> list[GateResult]:
        return [per_table[table] for per_table in self.gate.values() if table in per_table]


@dataclass
class WindowReport(GatedWrites):
    """What a window load did, per source and table; the asset turns it into metadata and check results."""

    start: date
    end: date
    sources: list[str] = field(default_factory=list)
    gate: dict[str, dict[str, GateResult]] = field(default_factory=dict)  # source -> table -> result
    written: dict[str, int] = field(default_factory=dict)


def _dates(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _split_by_date(frame: pd.DataFrame | None) -> dict[date, pd.DataFrame]:
    if frame is None or frame.empty:
        return {}
    keys = pd.to_datetime(frame["race_date"], errors="coerce").dt.date
    return {day: part for day, part in frame.groupby(keys, sort=True, dropna=False)}


def outcome_dict(outcome: object) -> dict:
    return asdict(outcome) if is_dataclass(outcome) else dict(vars(outcome))


def log_data_quality(
    engine: sa.Engine, source: str, results: dict[str, GateResult], start: date, end: date, run_id: str
) -> None:
    """Record every expectation's outcome for this window; a re-run of the same window replaces its entries."""
    rows = []
    for table, result in results.items():
        for outcome in result.results:
            o = outcome_dict(outcome)
            rows.append({
                "run_id": run_id, "source": source, "table_name": table, "start": start, "end": end,
                "suite": table, "expectation": o.get("name"), "severity": o.get("severity"),
                "success": bool(o.get("success")), "evaluated": o.get("evaluated"),
                "unexpected": o.get("unexpected_count"),
                "details": json.dumps({"sample": o.get("unexpected_sample", [])}, default=str),
            })
    with engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM ops.data_quality_log WHERE source = :s AND partition_start = :a AND partition_end = :b"),
            {"s": source, "a": start, "b": end},
        )
        if rows:
            conn.execute(
                sa.text(
                    "INSERT INTO ops.data_quality_log (run_id, source, table_name, partition_start, partition_end, "
                    "suite, expectation, severity, success, evaluated, unexpected, details) VALUES (:run_id, :source, "
                    ":table_name, :start, :end, :suite, :expectation, :severity, :success, :evaluated, :unexpected, "
                    "CAST(:details AS jsonb))"
                ),
                rows,
            )


def load_history_window(
    engine: sa.Engine,
    sources: Sequence[HistoricalSource],
    start: date,
    end: date,
    *,
    run_id: str,
    quarantine_warnings: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> WindowReport:
    """Load every race date in [start, end] from each source; raises ``GateFailure`` on a critical batch failure."""
    report = WindowReport(start=start, end=end)
    for source in sources:
        batch = source.read(start, end)
        results = gate_batch(batch.frames(), quarantine_warnings=quarantine_warnings)
        report.sources.append(source.name)
        report.gate[source.name] = results
        log_data_quality(engine, source.name, results, start, end, run_id)
        published = {t: _split_by_date(r.published) for t, r in results.items()}
        quarantined = {t: _split_by_date(r.quarantined) for t, r in results.items()}
        critical = [r for r in results.values() if r.critical_failure]
        days = list(_dates(start, end))
        for day in days:
            payload = PartitionPayload(source=source.name, partition=day)
            payload.quarantined = {t: q[day] for t, q in quarantined.items() if day in q}
            if not critical:
                payload.published = {t: p[day] for t, p in published.items() if day in p}
            if critical and not payload.quarantined:
                continue  # a failed batch touches nothing but quarantine for the days that had rejects
            written = replace_partition(engine, payload, run_id, raw=not critical)
            for key, n in written.items():
                report.written[key] = report.written.get(key, 0) + n
        for result in critical:
            raise_if_critical(result)
        log(f"{source.name}: {start}..{end} published " + ", ".join(
            f"{t}={report.published(t)} (quarantined {report.quarantined(t)})" for t in RAW_TABLES))
    return report
