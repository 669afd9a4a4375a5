"""DDL of the exchange tables: ``raw.exchange_markets`` / ``_runners`` / ``_prices`` and their quarantine twins.

The columns are ``ingestion.exchange.schema``'s, plus the lineage columns every raw table carries (``_partition`` is
the market date); the layout comes from ``ingestion.table_ddl`` like every other raw and quarantine table. A load
replaces *markets* (a file holds whole markets, and a market's date follows its scheduled off), so both sides are
indexed by market id: raw by column, quarantine by the id inside the kept record. ``ensure_warehouse`` calls
:func:`ensure_exchange_tables`; its source is part of the warehouse layout fingerprint.
"""
from __future__ import annotations

import sqlalchemy as sa

from ingestion.exchange.schema import EXCHANGE_TABLES
from ingestion.table_ddl import quarantine_table_ddl, raw_table_ddl


def ensure_exchange_tables(engine: sa.Engine) -> None:
    """Create the three raw exchange tables and their quarantine tables if missing; safe to call on every run."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.ensure_exchange_tables'))"))
        for schema in ("raw", "quarantine"):
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        for table, columns in EXCHANGE_TABLES.items():
            conn.exec_driver_sql(raw_table_ddl(table, columns))
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {table}_market_idx ON raw.{table} (market_id)")
            conn.exec_driver_sql(quarantine_table_ddl(table))
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {table}_q_market_idx "
                                 f"ON quarantine.{table} ((record ->> 'market_id'))")
