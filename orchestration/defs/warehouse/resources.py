"""The warehouse as a Dagster resource; its URL (with any password) comes only from the environment."""
import dagster as dg
import sqlalchemy as sa

from ingestion.warehouse import ensure_warehouse_once
from paddock import db


class WarehouseResource(dg.ConfigurableResource):
    """PostgreSQL warehouse holding raw, quarantine, ops, staging and marts."""

    database_url: str

    def engine(self) -> sa.Engine:
        return db.engine_for(self.database_url)

    def ready_engine(self) -> sa.Engine:
        """Engine after making sure the ingestion-owned schemas and tables exist (DDL once per process)."""
        engine = self.engine()
        ensure_warehouse_once(engine)
        return engine

    def dbt_env(self) -> dict[str, str]:
        """libpq settings for dbt's profile, derived from the same URL so dbt and Python never disagree."""
        return db.libpq_params(db.to_sqlalchemy_url(self.database_url))


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": WarehouseResource(database_url=dg.EnvVar("DATABASE_URL"))})
