"""dbt CLI resource bound to the project; dbt's profile reads the warehouse from ``PADDOCK_PG_*``.

The executable is the one beside the running interpreter, so runs work without the virtualenv on PATH.
"""
import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import dbt_project
from paddock.dbt_prep import dbt_executable


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())})
