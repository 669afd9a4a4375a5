"""dbt models as assets, split the way the reference Dagster project splits them.

Incremental facts keyed by race date (tag ``race_date_partitioned``) share the race-date partitions and receive the partition window as
``--vars``, so a one-day run costs the same however long the history is and re-running a day replaces exactly that day.
Everything else (staging views, dimensions, stats, quality report) is unpartitioned and rebuilt whole.

The models the arbitrage and value signals read (``fct_odds`` and the staging views it is built from) are a definition
of their own, ``dbt_odds_signal_inputs``: the odds polling job builds them, and the signals, in the poll's own run
(``orchestration.defs.odds.schedules``), so a new price reaches the signals without a second run launch. Two polls
may run at once (a sport's and the tote's): their dbt builds and the signals' publishes take turns in the
``odds_signals`` pool (limit 1, ``dagster.yaml``), never two at once on the same views and tables.
"""
import json
import os
from datetime import timedelta

import dagster as dg
from dagster_dbt import dbt_assets

from orchestration.defs.automation import ODDS_SIGNALS_POOL
from orchestration.defs.dbt import in_process
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.dbt.translator import SIGNAL_MODEL, PaddockDbtTranslator
from orchestration.defs.history.partitions import race_date_partitions
from orchestration.defs.warehouse.resources import WarehouseResource

# Models whose rows belong to a race date share the race-date partitions (tagged in their config); other incremental
# models (odds, keyed by snapshot time) are not date-partitioned.
INCREMENTAL = "tag:race_date_partitioned"
# Dagster splits the unpartitioned models around the partitioned facts (staging first, stats after), so a test that
# joins a dim to a fact must run with the fact's step, not the dim's: "cautious" runs only fully selected tests.
BUILD = ["build", "--indirect-selection", "cautious"]
# The signals' inputs: the model they read and every model it is built from (dbt's ``+model``).
SIGNAL_INPUTS = f"+{SIGNAL_MODEL}"


def partition_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """dbt vars for the run's partition window (inclusive dates)."""
    window = context.partition_time_window
    return {"min_date": window.start.date().isoformat(), "max_date": (window.end - timedelta(days=1)).date().isoformat()}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=INCREMENTAL,
    partitions_def=race_date_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=PaddockDbtTranslator(),
    name="dbt_incremental_models",
)
def dbt_incremental_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    os.environ.update(warehouse.dbt_env())
    yield from in_process.build(context, [*BUILD, "--vars", json.dumps(partition_vars(context))])


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=SIGNAL_INPUTS,
    exclude=INCREMENTAL,
    dagster_dbt_translator=PaddockDbtTranslator(),
    name="dbt_odds_signal_inputs",
    pool=ODDS_SIGNALS_POOL,
)
def dbt_odds_signal_inputs(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    os.environ.update(warehouse.dbt_env())
    yield from in_process.build(context, BUILD)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=f"{INCREMENTAL} {SIGNAL_INPUTS}",
    dagster_dbt_translator=PaddockDbtTranslator(),
    name="dbt_models",
)
def dbt_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    os.environ.update(warehouse.dbt_env())
    yield from in_process.build(context, BUILD)
