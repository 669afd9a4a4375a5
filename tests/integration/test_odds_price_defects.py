"""A poll with suspended prices (1.0) and team totals, end to end through the real gate, PostgreSQL and the dbt odds
models: the bad prices are quarantined with their reason while the rest of the poll loads, and each outcome keeps
its ``description`` (the team of a team total) from the payload to the marts.

The fixture (tests/fixtures/odds_api/suspended-prices-team-totals.json) is our own, in the shape of a real recorded
``/odds`` response that carried ``"price": 1.0`` for four outcomes.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingestion.odds_api.schema import ODDS_DDL, ensure_odds_tables
from ingestion.odds_api.storage import Fetch, store_fetches
from tests.dbt_build import dbt_build
from tests.conftest import clear_odds_tables

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "odds_api" / "suspended-prices-team-totals.json"
AT = datetime(2025, 12, 31, 18, 0, tzinfo=timezone.utc)
EVENTS = ["fx-nba-1", "fx-nba-2"]
SUSPENDED = ["odds.price_american_not_null", "odds.price_decimal_ge_1_01"]


def _rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), {"ids": EVENTS, **params})]


@pytest.fixture(scope="module")
def loaded(engine, tmp_path_factory):
    """Load the fixture alone (other modules' odds would be built and tested too) and rebuild the odds models."""
    ensure_odds_tables(engine)
    clear_odds_tables(engine)
    result = store_fetches(engine, [Fetch("basketball_nba", json.loads(FIXTURE.read_text()), AT,
                                          request_id="fx-suspended-1")])
    target = str(tmp_path_factory.mktemp("dbt-odds-defects"))
    dbt_build(target, "--select", "path:models/staging/odds", "path:models/marts/odds", "--full-refresh")
    return result


def test_suspended_prices_are_quarantined_and_the_rest_of_the_poll_loads(engine, loaded):
    assert loaded.written == {"events": 2, "odds_snapshots": 2, "odds": 14, "quarantined_odds": 4,
                              "flagged_odds": 0}
    assert _rows(engine, "SELECT record->>'bookmaker', record->>'outcome', record->>'price_decimal', "
                         "record->>'price_american', reasons FROM quarantine.odds WHERE _run_id = 'fx-suspended-1' "
                         "ORDER BY 1, 2") == [
        ("fanduel", "Denver Nuggets", "1.0000", None, SUSPENDED),
        ("fanduel", "Phoenix Suns", "1.0000", None, SUSPENDED),
        ("pinnacle", "Boston Celtics", "1.0000", None, SUSPENDED),
        ("pinnacle", "Miami Heat", "1.0000", None, SUSPENDED)]
    assert _rows(engine, "SELECT bookmaker, market, count(*) FROM raw.odds WHERE event_id = ANY(:ids) "
                         "GROUP BY 1, 2 ORDER BY 1, 2") == [
        ("betmgm", "h2h", 2), ("betmgm", "team_totals", 4), ("draftkings", "alternate_spreads", 2),
        ("draftkings", "h2h", 2), ("draftkings", "spreads", 2), ("pinnacle", "totals", 2)]


def test_team_totals_keep_their_team_from_raw_to_the_marts(engine, loaded):
    expected = [("Over", "Denver Nuggets", Decimal("112.50")), ("Over", "Phoenix Suns", Decimal("112.50")),
                ("Under", "Denver Nuggets", Decimal("112.50")), ("Under", "Phoenix Suns", Decimal("112.50"))]
    for table in ("raw.odds", "marts.fct_odds"):
        assert _rows(engine, f"SELECT outcome, description, point FROM {table} WHERE event_id = ANY(:ids) "
                             f"AND market = 'team_totals' ORDER BY 1, 2") == expected, table
    # each team's Over/Under is its own two-outcome line: best prices sum per team, not across the two teams
    assert _rows(engine, "SELECT description, line_outcomes, round(line_best_implied_sum, 4) FROM marts.best_odds "
                         "WHERE event_id = ANY(:ids) AND market = 'team_totals' AND outcome = 'Over' ORDER BY 1") == [
        ("Denver Nuggets", 2, Decimal("1.0476")),  # 1/1.87 + 1/1.95
        ("Phoenix Suns", 2, Decimal("1.0471"))]  # 1/1.90 + 1/1.92
    assert _rows(engine, "SELECT description, outcome, round(fair_probability, 4) FROM marts.consensus_prices "
                         "WHERE event_id = ANY(:ids) AND market = 'team_totals' ORDER BY 1, 2") == [
        ("Denver Nuggets", "Over", Decimal("0.5105")), ("Denver Nuggets", "Under", Decimal("0.4895")),
        ("Phoenix Suns", "Over", Decimal("0.5026")), ("Phoenix Suns", "Under", Decimal("0.4974"))]


def test_alternate_spreads_pair_home_and_away_on_one_line(engine, loaded):
    """Boston −8.5 and Miami +8.5 are one line (the home handicap), as for spreads."""
    assert _rows(engine, "SELECT market, outcome, point, line FROM marts.fct_odds WHERE event_id = 'fx-nba-1' "
                         "AND market LIKE '%spreads' ORDER BY 1, 2") == [
        ("alternate_spreads", "Boston Celtics", Decimal("-8.50"), Decimal("-8.50")),
        ("alternate_spreads", "Miami Heat", Decimal("8.50"), Decimal("-8.50")),
        ("spreads", "Boston Celtics", Decimal("-4.50"), Decimal("-4.50")),
        ("spreads", "Miami Heat", Decimal("4.50"), Decimal("-4.50"))]
    assert _rows(engine, "SELECT line_outcomes, round(line_best_implied_sum, 4) FROM marts.best_odds "
                         "WHERE event_id = 'fx-nba-1' AND market = 'alternate_spreads'") == [
        (2, Decimal("1.0667")), (2, Decimal("1.0667"))]  # 1/2.5 + 1/1.5


def test_description_column_is_added_to_an_existing_raw_odds(engine):
    """A warehouse created before ``description`` existed gets the column from ensure_odds_tables (ALTER ... IF NOT
    EXISTS), checked on a scratch database holding the old table."""
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS paddock_odds_migration")
        conn.exec_driver_sql("CREATE DATABASE paddock_odds_migration")
    old = sa.create_engine(engine.url.set(database="paddock_odds_migration"))
    try:
        with old.begin() as conn:
            for ddl in ODDS_DDL:  # the tables as the previous release created them: no description yet
                if "description" not in ddl:
                    conn.exec_driver_sql(ddl)
            conn.exec_driver_sql(
                "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, "
                "bookmaker_count) VALUES ('s1', 'e1', 'nba', '[]', now(), 1); "
                "INSERT INTO raw.odds (snapshot_id, event_id, bookmaker, "
                "market, outcome, price_american, price_decimal, snapshot_time) "
                "VALUES ('s1', 'e1', 'b', 'h2h', 'A', 100, 2, now())")
            assert "description" not in {c["name"] for c in sa.inspect(conn).get_columns("odds", schema="raw")}
        ensure_odds_tables(old)
        ensure_odds_tables(old)  # idempotent
        with old.connect() as conn:
            assert conn.execute(sa.text("SELECT outcome, description FROM raw.odds")).all() == [("A", None)]
    finally:
        old.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS paddock_odds_migration")
        admin.dispose()
