"""The one dbt -> Dagster mapping: asset keys mirror the warehouse (``schema/model``), groups mirror dbt folders."""
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.defs.automation import eager_keeping_updates

LAYER_GROUPS = {"staging": "staging", "marts": "marts", "stats": "stats"}
# Odds arrive from sensor-launched runs many times a day; their models follow each load on their own (the arbitrage and
# value assets downstream too; see orchestration.defs.automation), while the historical layers are rebuilt by the jobs that load them.
EAGER_LAYERS = {"odds"}


class PaddockDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest.get("nodes", {}).get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "seed", "snapshot"):
            return spec  # sources keep the raw asset keys declared in their meta
        layer = node["fqn"][1] if len(node["fqn"]) > 2 else "marts"
        spec = spec.replace_attributes(
            key=dg.AssetKey([node.get("schema") or layer, node["name"]]),
            group_name=LAYER_GROUPS.get(layer, layer),
        )
        if layer in EAGER_LAYERS:
            spec = spec.replace_attributes(automation_condition=eager_keeping_updates())
        return spec
