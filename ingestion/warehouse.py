"""Warehouse layout owned by the ingestion layer: schemas, raw tables, quarantine tables and the ops logs.

dbt owns ``staging`` and ``marts``; everything it reads from is created here, idempotently, before any load.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa

from ingestion.bi_access import ensure_bi_reader
from ingestion.exchange.tables import ensure_exchange_tables
from ingestion.odds_api.schema import ensure_odds_tables
from ingestion.racecards.pages import ensure_racecard_tables
from ingestion.schema import RAW_TABLES
from ingestion.table_ddl import quarantine_table_ddl, raw_table_ddl

SCHEMAS = ("raw", "quarantine", "ops", "staging", "marts")

OPS_DDL = (
    """
    CREATE TABLE IF NOT EXISTS ops.data_quality_log (
        id bigserial PRIMARY KEY,
        checked_at timestamptz NOT NULL DEFAULT now(),
        run_id text,
        source text NOT NULL,
        table_name text NOT NULL,
        partition_start date,
        partition_end date,
        suite text NOT NULL,
        expectation text NOT NULL,
        severity text NOT NULL,
        success boolean NOT NULL,
        evaluated bigint,
        unexpected bigint,
        details jsonb
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS ops.fetch_log (
        id bigserial PRIMARY KEY,
        fetched_at timestamptz NOT NULL DEFAULT now(),
        site text,
        url text,
        status integer,
        bytes bigint,
        ms integer,
        attempt integer,
        error text,
        parser text,
        rows_parsed integer,
        meta jsonb
    )
    """,
    # older warehouses were created before quota headers were kept
    "ALTER TABLE ops.fetch_log ADD COLUMN IF NOT EXISTS meta jsonb",
    # one row per alert the webhook accepted (paddock.alerts): each opportunity or incident is sent once
    """
    CREATE TABLE IF NOT EXISTS ops.alerts_sent (
        alert_key text PRIMARY KEY,
        kind text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        title text
    )
    """,
)


def ensure_warehouse(engine: sa.Engine) -> None:
    """Create schemas and ingestion-owned tables if missing. Safe to call on every run."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.ensure_warehouse'))"))
        for schema in SCHEMAS:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        for table in RAW_TABLES:
            conn.exec_driver_sql(raw_table_ddl(table))
            conn.exec_driver_sql(quarantine_table_ddl(table))
        for ddl in OPS_DDL:
            conn.exec_driver_sql(ddl)
    ensure_odds_tables(engine)
    ensure_racecard_tables(engine)
    ensure_exchange_tables(engine)
    ensure_bi_reader(engine)


_READY: set[tuple[str, int]] = set()
_READY_LOCK = threading.Lock()
# the modules whose DDL ensure_warehouse runs: a change to any of them is a new layout to apply
_DDL_MODULES = ("ingestion.warehouse", "ingestion.table_ddl", "ingestion.schema", "ingestion.odds_api.schema",
                "ingestion.racecards.pages", "ingestion.exchange.schema", "ingestion.exchange.tables",
                "ingestion.bi_access")


def ddl_fingerprint() -> str:
    """What the warehouse layout of this code is: a hash of the DDL modules' source and of the bi_reader password
    setting (a changed password must be applied too, but is never stored: only its hash enters the digest)."""
    import hashlib
    import importlib
    import inspect
    import os

    digest = hashlib.sha256()
    for name in _DDL_MODULES:
        digest.update(inspect.getsource(importlib.import_module(name)).encode())
    digest.update(hashlib.sha256(os.environ.get("BI_READER_PASSWORD", "").encode()).digest())
    return digest.hexdigest()


def _layout_applied(engine: sa.Engine, fingerprint: str) -> tuple[int, bool]:
    with engine.connect() as conn:
        oid = conn.execute(sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar_one()
        if conn.execute(sa.text("SELECT to_regclass('ops.warehouse_layout')")).scalar() is None:
            return int(oid), False
        found = conn.execute(sa.text("SELECT 1 FROM ops.warehouse_layout WHERE fingerprint = :f"),
                             {"f": fingerprint}).first()
    return int(oid), found is not None


def ensure_warehouse_once(engine: sa.Engine) -> None:
    """:func:`ensure_warehouse` only when this code's layout is not yet applied: sensor ticks and runs issue no DDL.

    The DDL takes ALTER TABLE locks on raw tables and re-grants on marts tables. Run on every tick and at the start
    of every run it deadlocked with a concurrent odds load and collided with dbt replacing tables ("tuple
    concurrently updated"). So the applied layout is recorded in ``ops.warehouse_layout`` by a fingerprint of the
    DDL source (a read, no lock), and remembered per process and database (a database dropped and created again
    under the same URL has a new oid and no record, so it is prepared again).
    """
    fingerprint = ddl_fingerprint()
    with _READY_LOCK:
        oid, applied = _layout_applied(engine, fingerprint)
        key = (engine.url.render_as_string(hide_password=True), oid)
        if key in _READY:
            return
        if not applied:
            ensure_warehouse(engine)
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE IF NOT EXISTS ops.warehouse_layout (fingerprint text PRIMARY KEY, "
                                     "applied_at timestamptz NOT NULL DEFAULT now())"))
                conn.execute(sa.text("INSERT INTO ops.warehouse_layout (fingerprint) VALUES (:f) "
                                     "ON CONFLICT DO NOTHING"), {"f": fingerprint})
        _READY.add(key)
