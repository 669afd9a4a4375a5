"""Great Expectations gate results reported as Dagster asset checks on the historical raw tables (the builder is
shared with every gated load: ``orchestration.defs.warehouse.gate_checks``)."""
import dagster as dg

from ingestion.schema import RAW_TABLES
from orchestration.defs.warehouse.gate_checks import gate_check_results, gate_check_spec

__all__ = ["gate_check_results", "gate_check_specs"]


def gate_check_specs() -> list[dg.AssetCheckSpec]:
    return [gate_check_spec(table, f"Great Expectations suite '{table}': row-level rejects are quarantined, batch "
                                   "failures block.") for table in RAW_TABLES]
