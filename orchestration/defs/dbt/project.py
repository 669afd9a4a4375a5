"""The dbt project, wrapped once. Its manifest is prepared explicitly (``paddock.dbt_prep``), never at import time."""
from dagster_dbt import DbtProject

from paddock.db import PROJECT_ROOT

dbt_project = DbtProject(project_dir=PROJECT_ROOT / "dbt_project", profiles_dir=PROJECT_ROOT / "dbt_project")
