"""The exchange job: load a range of market dates from the landing folder, then rebuild every model downstream."""
import dagster as dg

from ingestion.exchange.schema import EXCHANGE_TABLES
from orchestration.defs.exchange.partitions import market_date_partitions

RAW_EXCHANGE_KEYS = [dg.AssetKey(["raw", table]) for table in EXCHANGE_TABLES]
# the backtests read the landed files too (lineage), but replay whole windows per named run, not per market date
BACKTESTS = dg.AssetSelection.groups("backtests")

exchange_job = dg.define_asset_job(
    name="exchange_job",
    selection=dg.AssetSelection.assets(*RAW_EXCHANGE_KEYS).downstream() - BACKTESTS,
    partitions_def=market_date_partitions,
    description="Read the Betfair stream files of PADDOCK_EXCHANGE_DIR for a range of market dates, gate them, and "
                "rebuild the exchange marts and stats.",
)

# The marts alone, for loads made outside a partition run (``paddock exchange load``): the same dbt models the
# exchange job rebuilds after its raw load.
exchange_marts_job = dg.define_asset_job(
    name="exchange_marts_job",
    selection=(dg.AssetSelection.assets(*RAW_EXCHANGE_KEYS).downstream() - dg.AssetSelection.assets(*RAW_EXCHANGE_KEYS)
               - BACKTESTS),
    description="Rebuild the exchange marts and stats from what raw.exchange_* hold.",
)
