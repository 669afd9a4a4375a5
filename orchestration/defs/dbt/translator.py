"""The one dbt -> Dagster mapping: asset keys mirror the warehouse (``schema/model``), groups mirror dbt domains.

dbt models live in ``models/<layer>/<domain>/`` (layer = staging | marts); the layer sets the schema (dbt_project.yml),
the domain folder (results, racecards, odds, stats, ...) is the Dagster group, so a domain's staging views and marts
sit in one group in the UI.
"""
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.defs.automation import ODDS_BACKFILL_KEY, eager_keeping_updates

# Odds arrive from sensor-launched runs many times a day; their models follow each load on their own (the arbitrage and
# value assets downstream too; see orchestration.defs.automation), while the historical layers are rebuilt by the jobs that load them.
EAGER_DOMAINS = {"odds"}
# The backfill writes the same raw tables as live polling (source "the-odds-api-historical"): the models reading them
# depend on it too, so the lineage shows both feeds and a backfilled day triggers the same rebuild as a poll.
BACKFILLED_SOURCES = {f"source.paddock.raw_odds.{table}" for table in ("events", "odds_snapshots", "odds")}
# What the arbitrage and value-bet assets read: this model and its ancestors are rebuilt in the poll's own run, with
# the signals (orchestration.defs.dbt.assets.dbt_odds_signal_inputs); the other odds marts follow in the next run
# (see eager_keeping_updates), off the poll → signal path.
SIGNAL_MODEL = "fct_odds"
SIGNAL_INPUT = f"model.paddock.{SIGNAL_MODEL}"


class PaddockDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._signal_inputs: tuple[int, set[str]] | None = None  # (id of the manifest, its signal inputs)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest.get("nodes", {}).get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "seed", "snapshot"):
            return spec  # sources keep the raw asset keys declared in their meta
        domain = dbt_domain(node["fqn"])
        spec = spec.replace_attributes(key=dg.AssetKey([node["schema"], node["name"]]), group_name=domain)
        if domain in EAGER_DOMAINS:
            if self._signal_inputs is None or self._signal_inputs[0] != id(manifest):  # once, not once per model
                self._signal_inputs = (id(manifest), signal_inputs(manifest))
            hot = unique_id in self._signal_inputs[1]
            spec = spec.replace_attributes(automation_condition=eager_keeping_updates(joins_parent_runs=hot))
        if BACKFILLED_SOURCES & set(node.get("depends_on", {}).get("nodes", [])):
            spec = spec.merge_attributes(deps=[ODDS_BACKFILL_KEY])
        return spec


def dbt_domain(fqn: list[str]) -> str:
    """The domain folder of a model (``fqn`` = project, layer, domain, ..., name); a model placed directly in a
    layer folder falls back to the layer, so it still gets a group rather than dagster's "default"."""
    return fqn[2] if len(fqn) > 3 else fqn[1] if len(fqn) > 2 else "default"


def signal_inputs(manifest: Mapping[str, Any]) -> set[str]:
    """``SIGNAL_INPUT`` and every model it is built from, from the manifest's parent map."""
    parents, found, todo = manifest.get("parent_map", {}), set(), [SIGNAL_INPUT]
    while todo:
        node = todo.pop()
        if node not in found:
            found.add(node)
            todo.extend(p for p in parents.get(node, ()) if p.startswith("model."))
    return found
