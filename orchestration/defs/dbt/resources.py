"""dbt CLI resource bound to the project; dbt's profile reads the warehouse from ``PADDOCK_PG_*``.

The executable is the one beside the running interpreter, so runs work without the virtualenv on PATH.

``PaddockDbtCliResource`` drops two costs dagster-dbt pays before every dbt command (measured 3.4 s and 1.4 s on an
idle laptop core, several times that under load, on every odds automation run): it asks the executable for its
version with ``dbt --version`` in a subprocess, and it builds a dbt adapter in the run process, which it only uses
to fetch row counts and column metadata (``.fetch_row_counts()`` / ``.fetch_column_metadata()``), neither of which
these assets request. The executable is dbt-core from this very environment, so its version is the installed
package's.
"""
from functools import cached_property
from importlib.metadata import version as installed_version

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.defs.dbt.project import dbt_project
from paddock.dbt_prep import dbt_executable


class PaddockDbtCliResource(DbtCliResource):
    """``DbtCliResource`` without the per-command version subprocess and the unused in-process adapter."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 — dagster-dbt's hook; the adapter is never used
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "dbt": PaddockDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())})
