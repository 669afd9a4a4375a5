"""Race-card tables: every fetched page as it was served, and the card rows parsed from it.

Pages are kept (``raw.racecard_pages``) because sites overwrite cards in place: once a scratch is published the
morning's version is gone. With the body stored, a parser fix can be replayed over old pages and a re-parse never
refetches. A page body that did not change between fetches is stored once per URL (``unique (url, content_hash)``);
``last_seen_at`` says when it was last served, so "the newest version" is a question about time, not insert order.

``raw.card_races`` / ``raw.card_runners`` hold the *card* (what is entered), separate from the results tables of #2:
a card row has no finish yet and must never be read as a result. Their quarantine twins reuse the results layout.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ingestion.schema import META_COLUMNS, RACES, RUNNERS
from ingestion.table_ddl import quarantine_table_ddl

# Result columns a card cannot know yet; everything else of the canonical runner row is on the card.
RESULT_COLUMNS = ("final_odds", "finish_position", "status", "margin_lengths", "finish_time_s")

CARD_RACES: dict[str, str] = {**RACES, "runner_count": "integer", "fetched_at": "timestamptz"}
CARD_RUNNERS: dict[str, str] = {
    **{c: t for c, t in RUNNERS.items() if c not in RESULT_COLUMNS},
    "scratched": "boolean",
    "jockey_changed": "boolean",  # the card marks a late jockey replacement
    "fetched_at": "timestamptz",
}
CARD_TABLES: dict[str, dict[str, str]] = {"card_races": CARD_RACES, "card_runners": CARD_RUNNERS}

PAGES_DDL = """
CREATE TABLE IF NOT EXISTS raw.racecard_pages (
    id bigserial PRIMARY KEY,
    url text NOT NULL,
    site text NOT NULL,
    kind text NOT NULL,
    track_code text NOT NULL,
    race_date date NOT NULL,
    fetched_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    content_hash text NOT NULL,
    body text NOT NULL,
    UNIQUE (url, content_hash)
);
CREATE INDEX IF NOT EXISTS racecard_pages_meeting_idx ON raw.racecard_pages (site, kind, track_code, race_date);
"""


def card_table_ddl(table: str) -> str:
    body = ",\n    ".join(f"{c} {t}" for c, t in {**CARD_TABLES[table], **META_COLUMNS}.items())
    return (f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    {body}\n);\n"
            f"CREATE INDEX IF NOT EXISTS {table}_partition_idx ON raw.{table} (_source, _partition, _scope);")


def ensure_racecard_tables(engine: sa.Engine) -> None:
    """Create the page store, the card tables and their quarantine tables; safe to call on every run."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('paddock.ensure_racecard_tables'))"))
        for schema in ("raw", "quarantine"):
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        conn.exec_driver_sql(PAGES_DDL)
        for table in CARD_TABLES:
            conn.exec_driver_sql(card_table_ddl(table))
            conn.exec_driver_sql(quarantine_table_ddl(table))


@dataclass(frozen=True)
class StoredPage:
    url: str
    site: str
    kind: str  # "card" | "results"
    track: str
    race_date: date
    fetched_at: datetime
    body: str

    @property
    def content_hash(self) -> str:
        return content_hash(self.body)


def content_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def store_page(engine: sa.Engine, page: StoredPage) -> None:
    """Keep a new content version, or just move ``last_seen_at`` when the same body was served again."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO raw.racecard_pages (url, site, kind, track_code, race_date, fetched_at, last_seen_at, "
                "content_hash, body) VALUES (:url, :site, :kind, :track, :day, :at, :at, :hash, :body) "
                "ON CONFLICT (url, content_hash) DO UPDATE SET last_seen_at = "
                "greatest(raw.racecard_pages.last_seen_at, excluded.last_seen_at)"
            ),
            {"url": page.url, "site": page.site, "kind": page.kind, "track": page.track, "day": page.race_date,
             "at": page.fetched_at, "hash": page.content_hash, "body": page.body},
        )


def latest_page(engine: sa.Engine, site: str, kind: str, track: str, day: date) -> StoredPage | None:
    """The most recently served version of a meeting's page, for replaying a parser without refetching."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT url, site, kind, track_code, race_date, last_seen_at, body FROM raw.racecard_pages "
                "WHERE site = :s AND kind = :k AND track_code = :t AND race_date = :d "
                "ORDER BY last_seen_at DESC, id DESC LIMIT 1"
            ),
            {"s": site, "k": kind, "t": track, "d": day},
        ).first()
    return None if row is None else StoredPage(*row)
