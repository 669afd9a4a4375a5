"""Quality-gate verdicts of one meeting load, reported as asset checks (the history domain's pattern, per meeting).

The gate has already kept bad rows out (they are in quarantine); a check makes that visible per partition in the UI.
Row-level rejects are a warning; a critical batch failure makes the load raise before anything is published, so
it shows as a failed partition rather than as a check.
"""
import dagster as dg

from ingestion.gated_load import outcome_dict
from ingestion.racecards.pages import CARD_TABLES
from ingestion.racecards.pipeline import MeetingLoad
from ingestion.schema import RAW_TABLES
from orchestration.defs.warehouse.gate_checks import SAMPLE_LIMIT, gate_check_name

__all__ = ["card_check_specs", "gate_check_name", "gate_check_result", "results_check_specs"]
RESULTS_KEY = dg.AssetKey(["raw", "race_results"])
CARD_KEYS = {table: dg.AssetKey(["raw", table]) for table in CARD_TABLES}


def card_check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(gate_check_name(table), asset=key, blocking=True,
                          description=f"Great Expectations suite '{table}' (quality/suites_racecards.py) on the card.")
        for table, key in CARD_KEYS.items()
    ]


def results_check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(gate_check_name(table), asset=RESULTS_KEY, blocking=True,
                          description=f"Great Expectations suite '{table}' on the meeting's results page.")
        for table in RAW_TABLES
    ]


def gate_check_result(key: dg.AssetKey, table: str, load: MeetingLoad) -> dg.AssetCheckResult:
    result = load.gate.get(table)
    outcomes = [outcome_dict(o) for o in (result.results if result else [])]
    failing = {o["name"]: int(o.get("unexpected_count") or 0) for o in outcomes if not o.get("success")}
    samples = [str(v) for o in outcomes if not o.get("success") for v in (o.get("unexpected_sample") or [])]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=gate_check_name(table),
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "meeting_published": load.meeting,
            "evaluated": dg.MetadataValue.int(len(result.published) + len(result.quarantined) if result else 0),
            "quarantined_rows": dg.MetadataValue.int(len(result.quarantined) if result else 0),
            "failed_expectations": dg.MetadataValue.json(failing),
            "unexpected_sample": dg.MetadataValue.json(samples[:SAMPLE_LIMIT]),
        },
    )
