"""Postgres COMMENTs for the marts tables Python writes, taken from the dbt sources that declare them.

dbt writes its models' descriptions into Postgres itself (``persist_docs`` in ``dbt_project.yml``). The tables that
Python writes (signals, backtests, portfolio, strategy triggers) are declared as dbt sources in
``dbt_project/models/marts/analytics/__sources.yml``; this module writes that file's descriptions as ``COMMENT ON``,
so dbt docs and a BI tool browsing the catalog read one text kept in one place.

Each writer calls :func:`document_table` in the transaction that creates its table (or re-creates its view). It reads
the catalog first and writes only what differs, so a documented table costs one query and no lock: per-tick writers
(the strategy monitor) issue no COMMENT after their first tick.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml

SOURCES_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts" / "analytics" / "__sources.yml"

_CATALOG = sa.text("""
    SELECT c.relkind, obj_description(c.oid, 'pg_class') AS table_comment,
           coalesce(json_object_agg(a.attname, col_description(c.oid, a.attnum)) FILTER (WHERE a.attnum > 0), '{}')
               AS column_comments
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = :schema AND c.relname = :name
    GROUP BY c.oid, c.relkind""")


@lru_cache(maxsize=1)
def declared() -> dict[str, tuple[str, dict[str, str]]]:
    """``schema.table`` → (table description, {column: description}) for every table of the sources file."""
    document = yaml.safe_load(SOURCES_FILE.read_text())
    out = {}
    for source in document["sources"]:
        schema = source.get("schema", source["name"])
        for table in source["tables"]:
            columns = {c["name"]: " ".join(str(c["description"]).split()) for c in table.get("columns", [])}
            out[f"{schema}.{table['name']}"] = (" ".join(str(table["description"]).split()), columns)
    return out


def _literal(text: str) -> str:
    """A SQL string literal: COMMENT is a utility statement and takes no bind parameters."""
    return "'" + text.replace("'", "''") + "'"


def document_table(conn: sa.Connection, table: str) -> int:
    """Write the declared descriptions of ``table`` (``schema.name``) where the catalog differs; returns how many
    comments were written. Columns declared but absent from the table are left alone (an older table that a writer
    has not migrated yet); ``tests/integration/test_marts_documented.py`` holds the declarations and tables equal."""
    description, columns = declared()[table]
    schema, name = table.split(".")
    row = conn.execute(_CATALOG, {"schema": schema, "name": name}).mappings().first()
    if row is None:
        return 0
    current = row["column_comments"]
    wanted = {c: d for c, d in columns.items() if c in current and current[c] != d}
    relation = f'{schema}."{name}"'
    statements = [f"COMMENT ON {'VIEW' if row['relkind'] == 'v' else 'TABLE'} {relation} IS {_literal(description)}"
                  ] if row["table_comment"] != description else []
    statements += [f'COMMENT ON COLUMN {relation}."{c}" IS {_literal(d)}' for c, d in wanted.items()]
    if statements:  # two first writers at once must not both update one catalog row ("tuple concurrently updated")
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.table_docs:' || :t))"), {"t": table})
        for statement in statements:
            conn.exec_driver_sql(statement.replace("%", "%%"))  # the driver formats even a parameterless call
    return len(statements)
