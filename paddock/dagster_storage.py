"""Dagster's PostgreSQL storage, keeping its connections open between queries (``storage: custom:`` in dagster.yaml).

Why: dagster-postgres gives its run, event-log and schedule storages a ``NullPool`` engine, so every query opens a
new PostgreSQL connection (a server process forked, authenticated, its catalog cache warmed) and closes it. A run
stores each event that way, and the daemon each tick, run-queue look and heartbeat: one `paddock run` opened 3,939
sessions to the Dagster database, ~2 ms of CPU each (1.9 ms server, 0.4 ms client, measured on the embedded server)
against 0.1 ms for a pooled one. dagster-webserver already swaps in pooled engines for itself
(``optimize_for_webserver``); this does the same in every process (daemon, code server, each run, the CLI), with a
pre-ping so a connection that died with a server restart is replaced rather than failing the next query.

One connection per storage stays open per process (up to ``MAX_OVERFLOW`` more while threads query at once, closed
on return): a few dozen on a busy race day, far under PostgreSQL's default 100.
"""
from __future__ import annotations

from dagster import _check as check
from dagster._core.storage.base_storage import DagsterStorage
from dagster_postgres import (DagsterPostgresStorage, PostgresEventLogStorage, PostgresRunStorage,
                              PostgresScheduleStorage)
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

POOL_RECYCLE_S = 3600  # as dagster-webserver's default: a connection older than an hour is replaced at checkout
MAX_OVERFLOW = 20  # as dagster-webserver's default


def _pooled(stock: type) -> type:
    """``stock`` (one of dagster-postgres' three storages) with a pooled engine, closed when it is disposed."""

    class Pooled(stock):
        def __init__(self, postgres_url, should_autocreate_tables=True, token_provider=None):
            super().__init__(postgres_url, should_autocreate_tables, token_provider=token_provider)
            # the attribute dagster's own optimize_for_webserver replaces, built the way it builds it there
            self._engine = create_pg_engine(
                postgres_url, token_provider, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=MAX_OVERFLOW,
                pool_recycle=POOL_RECYCLE_S, pool_pre_ping=True)

        def dispose(self) -> None:
            super().dispose()
            self._engine.dispose()

    Pooled.__name__ = Pooled.__qualname__ = f"Pooled{stock.__name__}"
    return Pooled


PooledRunStorage = _pooled(PostgresRunStorage)
PooledEventLogStorage = _pooled(PostgresEventLogStorage)
PooledScheduleStorage = _pooled(PostgresScheduleStorage)


class PooledPostgresStorage(DagsterPostgresStorage):
    """:class:`dagster_postgres.DagsterPostgresStorage` (same config, same tables) made of the pooled storages."""

    def __init__(self, postgres_url, should_autocreate_tables=True, inst_data=None, token_provider=None):
        # DagsterPostgresStorage.__init__ with the pooled parts (calling it would build and discard the stock ones)
        self.postgres_url = postgres_url
        self.should_autocreate_tables = check.bool_param(should_autocreate_tables, "should_autocreate_tables")
        self._inst_data = inst_data
        self._run_storage = PooledRunStorage(postgres_url, should_autocreate_tables, token_provider)
        self._event_log_storage = PooledEventLogStorage(postgres_url, should_autocreate_tables, token_provider)
        self._schedule_storage = PooledScheduleStorage(postgres_url, should_autocreate_tables, token_provider)
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(postgres_url=pg_url_from_config(config_value), inst_data=inst_data,
                   should_autocreate_tables=config_value.get("should_autocreate_tables", True),
                   token_provider=get_token_provider_from_config(config_value))
