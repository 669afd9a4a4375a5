"""Great Expectations gate results reported as Dagster asset checks on raw tables: one builder every gated load uses.

The gate already kept bad rows out of the tables (it runs before publishing); these checks make its verdict visible in
the UI and block downstream dbt runs when a critical expectation failed. A load report is anything with
``results_for(table)`` (the gate results of every batch), ``published(table)`` and ``quarantined(table)`` row counts:
the historical window load and the exchange load both are.
"""
from typing import Protocol

import dagster as dg

from ingestion.gated_load import outcome_dict
from quality.gate import GateResult

SAMPLE_LIMIT = 10


class GatedLoadReport(Protocol):
    def results_for(self, table: str) -> list[GateResult]: ...
    def published(self, table: str) -> int: ...
    def quarantined(self, table: str) -> int: ...


def gate_check_name(table: str) -> str:
    return f"{table}_quality_gate"


def gate_check_spec(table: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name=gate_check_name(table), asset=dg.AssetKey(["raw", table]), blocking=True,
                             description=description)


def gate_check_results(table: str, report: GatedLoadReport) -> list[dg.AssetCheckResult]:
    """One check result per table, summarising every batch's suite outcome in the run."""
    results = report.results_for(table)
    evaluated = failed = 0
    failing: dict[str, int] = {}
    samples: list[str] = []
    for result in results:
        for outcome in result.results:
            o = outcome_dict(outcome)
            evaluated += int(o.get("evaluated") or 0)
            if o.get("success"):
                continue
            unexpected = int(o.get("unexpected_count") or 0)
            failed += unexpected
            failing[o.get("name", "?")] = failing.get(o.get("name", "?"), 0) + unexpected
            samples.extend(str(v) for v in (o.get("unexpected_sample") or [])[:SAMPLE_LIMIT])
    # Rejected rows are already quarantined, so a row-level failure is a warning; a critical batch failure (which also
    # stops the load before publishing) is an error that blocks downstream models.
    severity = dg.AssetCheckSeverity.ERROR if any(r.critical_failure for r in results) else dg.AssetCheckSeverity.WARN
    return [
        dg.AssetCheckResult(
            asset_key=dg.AssetKey(["raw", table]),
            check_name=gate_check_name(table),
            passed=not failing,
            severity=severity,
            metadata={
                "evaluated": dg.MetadataValue.int(evaluated),
                "failed": dg.MetadataValue.int(failed),
                "quarantined_rows": dg.MetadataValue.int(report.quarantined(table)),
                "published_rows": dg.MetadataValue.int(report.published(table)),
                "failed_expectations": dg.MetadataValue.json(failing),
                "unexpected_sample": dg.MetadataValue.json(samples[:SAMPLE_LIMIT]),
            },
        )
    ]
