"""The exchange gate's verdict as Dagster asset checks on the raw exchange tables, plus whether every file read.

The gate already kept bad rows out (it runs before publishing; the check builder is the one every gated load shares).
A market date failing as a batch is not published and blocks the marts (ERROR); quarantined rows are a WARN.
``exchange_files_read`` fails when a landed file could not be read (truncated, corrupt): its markets are missing until
the file is replaced, which the sensor notices by its new content hash.
"""
import dagster as dg

from ingestion.exchange.schema import EXCHANGE_TABLES
from orchestration.defs.warehouse.gate_checks import gate_check_results, gate_check_spec

__all__ = ["FILES_CHECK", "MARKETS_KEY", "gate_check_results", "gate_check_specs"]

FILES_CHECK = "exchange_files_read"
MARKETS_KEY = dg.AssetKey(["raw", "exchange_markets"])


def gate_check_specs() -> list[dg.AssetCheckSpec]:
    specs = [gate_check_spec(table, f"Great Expectations suite '{table}': rejected rows are quarantined, a market "
                                    "date failing as a batch is not published and blocks the marts.")
             for table in EXCHANGE_TABLES]
    specs.append(dg.AssetCheckSpec(name=FILES_CHECK, asset=MARKETS_KEY,
                                   description="Every stream file covering the partition could be read."))
    return specs
