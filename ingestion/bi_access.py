"""The read-only ``bi_reader`` role BI tools connect as.

It may read every table in ``marts`` — including tables dbt creates later, through default privileges of the role that
runs dbt — and nothing else: no writes anywhere, no ``raw``, ``quarantine`` or ``ops``. The password comes only from the
environment (``BI_READER_PASSWORD``); without it the role exists but cannot log in with a password (the embedded server's
unix socket still trusts local connections, which is what a laptop BI tool uses).
"""
from __future__ import annotations

import os

import sqlalchemy as sa

ROLE = "bi_reader"
READABLE_SCHEMA = "marts"


def ensure_bi_reader(engine: sa.Engine, password: str | None = None) -> None:
    password = password if password is not None else os.environ.get("BI_READER_PASSWORD")
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.ensure_bi_reader'))"))
        exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).first()
        if not exists:
            conn.exec_driver_sql(f"CREATE ROLE {ROLE} NOLOGIN")
        # LOGIN with a password from the environment only; the password is bound by the driver, never logged
        if password:
            conn.exec_driver_sql(f"ALTER ROLE {ROLE} LOGIN PASSWORD %(pw)s", {"pw": password})
        else:
            conn.exec_driver_sql(f"ALTER ROLE {ROLE} LOGIN PASSWORD NULL")
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        owner = conn.execute(sa.text("SELECT current_user")).scalar_one()
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO {ROLE}')
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {READABLE_SCHEMA}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {READABLE_SCHEMA} TO {ROLE}")
        # only tables that lack the grant (created before the default privileges, or by another role): a blanket
        # GRANT ON ALL TABLES rewrites every table's ACL and collides with dbt replacing tables at the same moment
        ungranted = conn.execute(sa.text(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
            "AND NOT has_table_privilege(:role, c.oid, 'SELECT')"),
            {"schema": READABLE_SCHEMA, "role": ROLE}).scalars().all()
        for table in ungranted:
            conn.exec_driver_sql(f"GRANT SELECT ON {table} TO {ROLE}")
        conn.exec_driver_sql(
            f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA {READABLE_SCHEMA} GRANT SELECT ON TABLES TO {ROLE}'
        )
        for schema in ("raw", "quarantine", "ops", "staging", "public"):
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {schema} FROM {ROLE}")
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC")
