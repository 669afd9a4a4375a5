"""Great Expectations gate results reported as Dagster asset checks on the raw tables.

The gate already kept bad rows out of the tables (it runs before publishing); these checks make its verdict visible in
the UI and block downstream dbt runs when a critical expectation failed.
"""
import dagster as dg

from ingestion.gated_load import WindowReport, outcome_dict
from ingestion.schema import RAW_TABLES

SAMPLE_LIMIT = 10


def gate_check_name(table: str) -> str:
    return f"{table}_quality_gate"


def gate_check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=gate_check_name(table),
            asset=dg.AssetKey(["raw", table]),
            blocking=True,
            description=f"Great Expectations suite '{table}': row-level rejects are quarantined, batch failures block.",
        )
        for table in RAW_TABLES
    ]


def gate_check_results(table: str, report: WindowReport) -> list[dg.AssetCheckResult]:
    """One check result per table, summarising every source's suite outcome for the window."""
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
    passed = not failing
    severity = dg.AssetCheckSeverity.ERROR if any(r.critical_failure for r in results) else dg.AssetCheckSeverity.WARN
    return [
        dg.AssetCheckResult(
            asset_key=dg.AssetKey(["raw", table]),
            check_name=gate_check_name(table),
            passed=passed,
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
