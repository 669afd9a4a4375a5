"""Published arbitrage rows are what the rounded stakes guarantee in every result (issue 14, items 1 and 11).

Its own database on the session's embedded server: publishing expires every open row it did not see, so it must
not share ``marts.arbitrage_opportunities`` with the modules that publish the simulator's prices.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.live.signals import publish_arbitrage

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def warehouse(runtime_env):
    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS arbitrage_publish_test WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE arbitrage_publish_test"))
    admin.dispose()
    engine = sa.create_engine(sa.make_url(runtime_env["DATABASE_URL"]).set(database="arbitrage_publish_test"))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA marts"))
    yield engine
    engine.dispose()


def quote(event, sport, market, outcome, book, price, point=None, description=None):
    return {"event_id": event, "sport": sport, "event": f"{event} home v away", "commence_time": NOW + timedelta(hours=5),
            "market": market, "point": point, "outcome": outcome, "bookmaker": book, "price_decimal": price,
            "last_update": NOW - timedelta(minutes=1), "description": description}


def test_push_lines_are_never_published_with_a_profit(warehouse):
    rows = [
        # whole-number lines at 2.08 / 2.08: a margin of 3 or a total of 45 returns 100 on 100
        quote("nfl-push", "americanfootball_nfl", "spreads", "Bears", "b1", 2.08, -3.0),
        quote("nfl-push", "americanfootball_nfl", "spreads", "Packers", "b2", 2.08, 3.0),
        quote("nfl-push", "americanfootball_nfl", "totals", "Over", "b1", 2.08, 45.0),
        quote("nfl-push", "americanfootball_nfl", "totals", "Under", "b2", 2.08, 45.0),
        # a soccer moneyline missing its draw: a draw loses both legs
        quote("epl-nodraw", "soccer_epl", "h2h", "Arsenal", "b1", 2.3),
        quote("epl-nodraw", "soccer_epl", "h2h", "Chelsea", "b2", 2.3),
        # team totals of two different teams are not one market
        quote("nba-tt", "basketball_nba", "team_totals", "Over", "b1", 2.1, 110.5, "Lakers"),
        quote("nba-tt", "basketball_nba", "team_totals", "Under", "b2", 2.1, 110.5, "Celtics"),
        quote("nba-tt", "basketball_nba", "team_totals", "Under", "b1", 1.7, 110.5, "Lakers"),
        quote("nba-tt", "basketball_nba", "team_totals", "Over", "b2", 1.7, 110.5, "Celtics"),
        # a half-point line at the same prices is a real 4 % arbitrage
        quote("nfl-half", "americanfootball_nfl", "spreads", "Bears", "b1", 2.08, -3.5),
        quote("nfl-half", "americanfootball_nfl", "spreads", "Packers", "b2", 2.08, 3.5),
    ]
    counts = publish_arbitrage(warehouse, NOW, min_profit=0.0, prices=pd.DataFrame(rows))
    with warehouse.connect() as conn:
        written = conn.execute(sa.text(
            "SELECT event_id, market, line, total_stake, guaranteed_return, profit, profit_pct, legs "
            "FROM marts.arbitrage_opportunities WHERE NOT expired")).mappings().all()
    assert counts["open"] == 1 and [(r["event_id"], r["market"], r["line"]) for r in written] == [
        ("nfl-half", "spreads", Decimal("-3.5"))]
    row = written[0]
    assert (row["total_stake"], row["guaranteed_return"], row["profit"], row["profit_pct"]) == (
        Decimal("100.00"), Decimal("104.0000"), Decimal("4.0000"), Decimal("4.0000"))
    assert {leg["outcome"]: leg["stake"] for leg in row["legs"]} == {"Bears": "50.00", "Packers": "50.00"}
