"""dbt CLI resource bound to the project; dbt's profile reads the warehouse from ``PADDOCK_PG_*``."""
import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import dbt_project


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": DbtCliResource(project_dir=dbt_project)})
