"""The layout of every raw and quarantine table: the DDL builders the table owners share.

``ingestion.warehouse`` creates the historical raw tables with them, the exchange tables (``exchange.tables``) pass
their own columns, and the odds, race-card and ledger tables are created beside their code (``odds_api.schema``,
``racecards.pages``, ``ledger_store``) with the same quarantine layout. Kept in a module of their own, below all of those, so that ``warehouse`` can import its table owners at the
top without them importing ``warehouse`` back (an import cycle a lazy import used to hide).
"""
from __future__ import annotations

from collections.abc import Mapping

from ingestion.schema import META_COLUMNS, RAW_TABLES


def raw_table_ddl(table: str, columns: Mapping[str, str] | None = None) -> str:
    """``raw.<table>`` with ``columns`` (default: the historical table's, ``RAW_TABLES``) and the lineage columns."""
    columns = {**(RAW_TABLES[table] if columns is None else columns), **META_COLUMNS}
    body = ",\n    ".join(f"{name} {pg_type}" for name, pg_type in columns.items())
    # The incremental facts read their run's dates through the staging views (``race_date_window``): without an
    # index on race_date each partition's build scanned the whole raw table, so its time grew with the history.
    by_date = (f"\nCREATE INDEX IF NOT EXISTS {table}_race_date_idx ON raw.{table} (race_date);"
               if "race_date" in columns else "")
    return (
        f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    {body}\n);\n"
        f"ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS _scope text;\n"
        f"UPDATE raw.{table} SET _scope = '' WHERE _scope IS NULL;\n"
        f"ALTER TABLE raw.{table} ALTER COLUMN _scope SET DEFAULT '', ALTER COLUMN _scope SET NOT NULL;\n"
        f"CREATE INDEX IF NOT EXISTS {table}_source_partition_idx ON raw.{table} (_source, _partition);{by_date}"
    )


def quarantine_table_ddl(table: str) -> str:
    """Rejected rows keep their whole original record as JSONB with the names of the expectations they failed."""
    return f"""
    CREATE TABLE IF NOT EXISTS quarantine.{table} (
        id bigserial PRIMARY KEY,
        _source text NOT NULL,
        _partition date,
        _scope text NOT NULL DEFAULT '',
        _run_id text,
        quarantined_at timestamptz NOT NULL DEFAULT now(),
        record jsonb NOT NULL,
        reasons text[] NOT NULL
    );
    ALTER TABLE quarantine.{table} ADD COLUMN IF NOT EXISTS _scope text NOT NULL DEFAULT '';
    CREATE INDEX IF NOT EXISTS {table}_q_source_partition_idx ON quarantine.{table} (_source, _partition);
    """
