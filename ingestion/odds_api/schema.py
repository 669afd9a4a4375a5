"""DDL of the odds tables in ``raw``: events (upserted), raw snapshots (one per event per fetch) and normalized odds.

Hybrid storage as in the odds-pipeline design: the JSONB snapshot keeps exactly what the API said (audit, re-parse),
the normalized rows make line-movement and arbitrage queries cheap. ``ensure_warehouse`` calls ``ensure_odds_tables``.
"""
from __future__ import annotations

import sqlalchemy as sa

from ingestion.table_ddl import quarantine_table_ddl

ODDS_DDL = (
    "CREATE SCHEMA IF NOT EXISTS raw",
    """
    CREATE TABLE IF NOT EXISTS raw.events (
        id text PRIMARY KEY,
        sport text NOT NULL,
        sport_title text,
        commence_time timestamptz NOT NULL,
        home_team text NOT NULL,
        away_team text NOT NULL,
        status text NOT NULL DEFAULT 'scheduled',
        scores jsonb,
        completed boolean NOT NULL DEFAULT false,
        last_update timestamptz,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS events_sport_commence_idx ON raw.events (sport, commence_time)",
    """
    CREATE TABLE IF NOT EXISTS raw.odds_snapshots (
        snapshot_id text PRIMARY KEY,
        event_id text NOT NULL,
        sport text NOT NULL,
        payload jsonb NOT NULL,
        snapshot_time timestamptz NOT NULL,
        bookmaker_count integer NOT NULL,
        fetch_tier text,
        hours_until_commence double precision,
        request_id text,
        loaded_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # who took the snapshot: the live poll ("the-odds-api"), the historical backfill, a tote board; added later
    "ALTER TABLE raw.odds_snapshots ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'the-odds-api'",
    "CREATE INDEX IF NOT EXISTS odds_snapshots_event_time_idx ON raw.odds_snapshots (event_id, snapshot_time)",
    "CREATE INDEX IF NOT EXISTS odds_snapshots_event_tier_idx ON raw.odds_snapshots (event_id, fetch_tier)",
    """
    CREATE TABLE IF NOT EXISTS raw.odds (
        snapshot_id text NOT NULL REFERENCES raw.odds_snapshots (snapshot_id) ON DELETE CASCADE,
        event_id text NOT NULL,
        bookmaker text NOT NULL,
        market text NOT NULL,
        outcome text NOT NULL,
        point numeric(8, 2),
        price_american integer NOT NULL,
        price_decimal numeric(10, 4) NOT NULL,
        bookmaker_last_update timestamptz,
        market_last_update timestamptz,
        snapshot_time timestamptz NOT NULL,
        is_valid boolean NOT NULL DEFAULT true,
        validation_notes text
    )
    """,
    # the outcome's subject (team of team_totals, player of a prop); added after the first release, hence ALTER
    "ALTER TABLE raw.odds ADD COLUMN IF NOT EXISTS description text",
    "CREATE INDEX IF NOT EXISTS odds_snapshot_idx ON raw.odds (snapshot_id)",
    "CREATE INDEX IF NOT EXISTS odds_event_book_market_idx ON raw.odds (event_id, bookmaker, market)",
    "CREATE INDEX IF NOT EXISTS odds_book_time_idx ON raw.odds (bookmaker, snapshot_time)",
    # The historical backfill (``backfill_plan``): a reviewed plan, then one row per (event, snapshot time) that is
    # marked done in the transaction that stores its prices; unique across plans, so no credit is spent twice.
    "CREATE SCHEMA IF NOT EXISTS ops",
    """
    CREATE TABLE IF NOT EXISTS ops.odds_backfill_plans (
        plan_id text PRIMARY KEY,
        sport text NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL,
        strategy text NOT NULL,
        regions text NOT NULL,
        markets text NOT NULL,
        games integer NOT NULL,
        calls integer NOT NULL,
        credits integer NOT NULL,
        credits_left integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        plan jsonb NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS ops.odds_backfill_snapshots (
        plan_id text NOT NULL REFERENCES ops.odds_backfill_plans (plan_id) ON DELETE CASCADE,
        event_id text NOT NULL,
        sport text NOT NULL,
        commence_time timestamptz NOT NULL,
        snapshot_time timestamptz NOT NULL,
        fetch_tier text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'missing', 'rejected')),
        api_timestamp timestamptz,
        done_at timestamptz,
        PRIMARY KEY (plan_id, event_id, snapshot_time),
        UNIQUE (event_id, snapshot_time)
    )
    """,
)

#: Column order and PostgreSQL types of the COPY into raw.odds.
ODDS_COPY_COLUMNS = {
    "snapshot_id": "text", "event_id": "text", "bookmaker": "text", "market": "text", "outcome": "text",
    "description": "text", "point": "numeric", "price_american": "integer", "price_decimal": "numeric",
    "bookmaker_last_update": "timestamptz", "market_last_update": "timestamptz", "snapshot_time": "timestamptz",
    "is_valid": "boolean", "validation_notes": "text",
}
SNAPSHOT_COPY_COLUMNS = {
    "snapshot_id": "text", "event_id": "text", "sport": "text", "payload": "jsonb", "snapshot_time": "timestamptz",
    "bookmaker_count": "integer", "fetch_tier": "text", "hours_until_commence": "double precision",
    "request_id": "text", "source": "text",
}


def ensure_odds_tables(engine: sa.Engine) -> None:
    """Create the odds tables (and ``quarantine.odds``, laid out like every quarantine table) if missing; safe to call
    on every run (serialised by an advisory lock)."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.ensure_odds_tables'))"))
        for ddl in ODDS_DDL:
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS quarantine")
        conn.exec_driver_sql(quarantine_table_ddl("odds"))
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS odds_q_scope_idx ON quarantine.odds (_scope)")
