"""The bettor's view in the UI: the arbitrage and value-bet assets put their best open rows in the materialization as
a table. On a database of its own (the shared marts are counted by other modules) with rows written here."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from backtests.live.signals import ARBITRAGE_DDL, VALUE_DDL
from orchestration.defs.arbitrage.assets import TOP_ARBITRAGE, TOP_ROWS, TOP_VALUE, _top

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def signals(runtime_env):
    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS signal_metadata_test WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE signal_metadata_test"))
    admin.dispose()
    engine = sa.create_engine(sa.make_url(runtime_env["DATABASE_URL"]).set(database="signal_metadata_test"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA marts")
        conn.exec_driver_sql(ARBITRAGE_DDL)
        conn.exec_driver_sql(VALUE_DDL)
        for i in range(12):  # 12 open opportunities, profit 0.5 % .. 6.0 %, and one expired at 9 %
            conn.execute(sa.text(
                "INSERT INTO marts.arbitrage_opportunities (id, event_id, event, market, legs, profit_pct, total_stake,"
                " guaranteed_return, binding_bookmaker, commence_time, detected_at, last_seen_at, expired) VALUES "
                "(:id, :id, :event, 'h2h', '[]', :p, 100, 100 + :p, 'bookA', :t, :t, :t, false)"),
                {"id": f"a{i}", "event": f"Home {i} | Away", "p": 0.5 * (i + 1), "t": NOW + timedelta(hours=i)})
            conn.execute(sa.text(
                "INSERT INTO marts.value_bets (id, event_id, event, market, outcome, bookmaker, price_decimal, ev_pct,"
                " kelly_fraction, detected_at, last_seen_at, expired) VALUES "
                "(:id, :id, :event, 'h2h', 'Home', 'bookB', 2.10, :ev, 0.012345, :t, :t, false)"),
                {"id": f"v{i}", "event": f"Home {i} v Away", "ev": 3.0 + i, "t": NOW})
        conn.execute(sa.text(
            "INSERT INTO marts.arbitrage_opportunities (id, event_id, market, legs, profit_pct, detected_at, "
            "last_seen_at, expired) VALUES ('gone', 'gone', 'h2h', '[]', 9, :t, :t, true)"), {"t": NOW})
    yield engine
    engine.dispose()


def test_arbitrage_metadata_is_the_best_open_rows(signals):
    lines = _top(signals, TOP_ARBITRAGE).value.splitlines()
    assert lines[0] == ("| event | market | line | profit_pct | total_stake | guaranteed_return | binding_bookmaker | "
                        "commence_time |")
    assert len(lines) == 2 + TOP_ROWS  # header, rule, the 10 best of 12 open; the expired 9 % is not among them
    assert lines[2].startswith("| Home 11 / Away | h2h |  | 6.00 | 100 | 106.0 | bookA |")
    assert lines[-1].startswith("| Home 2 / Away | h2h |  | 1.50 |")


def test_value_bet_metadata_is_the_best_open_rows(signals):
    lines = _top(signals, TOP_VALUE).value.splitlines()
    assert lines[0] == "| event | market | outcome | bookmaker | price_decimal | ev_pct | kelly_fraction | commence_time |"
    assert lines[2] == "| Home 11 v Away | h2h | Home | bookB | 2.10 | 14.00 | 0.0123 |  |"
    assert len(lines) == 2 + TOP_ROWS
