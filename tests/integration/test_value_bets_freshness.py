"""``publish_value_bets`` on real PostgreSQL: a retail price two days old is not a value bet, a fresh one is.

Two /odds fetches of one event go through the real storage and ``dbt build`` of ``fct_odds``: two days ago only
``stale_book`` quoted it (Home 2.30), ten minutes ago Pinnacle (1.95 / 1.95, fair 0.5 each) and ``fresh_book``
(Home 2.30). Each book's latest snapshot is what the signal reads, so ``stale_book``'s two-day-old 2.30 is still
there: against the fair 0.5 both would be EV 0.5 × 2.30 − 1 = +15 %, but only the fresh one may be published under
the default freshness limit. Passing a limit of three days publishes both: the limit is what keeps it out.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from backtests.live.signals import DEFAULT_MAX_PRICE_AGE, publish_value_bets
from ingestion.odds_api.storage import store_snapshot
from tests.conftest import forget_odds
from tests.dbt_build import dbt_build as run_build

pytestmark = pytest.mark.integration

EVENT = "freshness-ev-1"
NOW = datetime.now(timezone.utc).replace(microsecond=0)  # the gate judges last_update against the wall clock
STALE_AT, FRESH_AT = NOW - timedelta(days=2), NOW - timedelta(minutes=10)


def payload(at: datetime, books: dict[str, tuple[float, float]]) -> list[dict]:
    return [{
        "id": EVENT, "sport_key": "basketball_nba", "sport_title": "NBA",
        "commence_time": (NOW + timedelta(days=1)).isoformat(), "home_team": "Home", "away_team": "Away",
        "bookmakers": [
            {"key": book, "title": book, "last_update": (at - timedelta(minutes=1)).isoformat(),
             "markets": [{"key": "h2h", "outcomes": [{"name": "Home", "price": home}, {"name": "Away", "price": away}]}]}
            for book, (home, away) in books.items()],
    }]


def dbt_build(target: str) -> None:
    run_build(target, "--select", "+fct_odds", "--indirect-selection", "cautious")


def published(engine) -> dict[str, tuple[float, float]]:
    """Open value bets on the event: bookmaker -> (price, ev_pct)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT bookmaker, price_decimal, ev_pct FROM marts.value_bets "
                                    "WHERE event_id = :e AND outcome = 'Home' AND NOT expired"), {"e": EVENT}).all()
    return {book: (float(price), ev_pct) for book, price, ev_pct in rows}


@pytest.fixture(scope="module")
def odds(runtime_env, engine, tmp_path_factory):
    store_snapshot(engine, "basketball_nba", payload(STALE_AT, {"stale_book": (2.30, 1.62)}), STALE_AT, None,
                   "freshness-stale", odds_format="decimal")
    store_snapshot(engine, "basketball_nba", payload(FRESH_AT, {"pinnacle": (1.95, 1.95), "fresh_book": (2.30, 1.62)}),
                   FRESH_AT, None, "freshness-fresh", odds_format="decimal")
    dbt_build(str(tmp_path_factory.mktemp("dbt-freshness")))
    yield
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM marts.value_bets WHERE event_id = :e"), {"e": EVENT})
    forget_odds(engine, event_ids=[EVENT])


def test_two_day_old_retail_price_is_not_published_and_a_fresh_one_is(engine, odds):
    assert DEFAULT_MAX_PRICE_AGE == timedelta(minutes=90)
    publish_value_bets(engine, NOW, min_ev=0.03)  # the default limit
    assert set(published(engine)) == {"fresh_book"}
    price, ev_pct = published(engine)["fresh_book"]
    assert price == 2.30 and ev_pct == pytest.approx(15.0, abs=1e-9)  # 0.5 × 2.30 − 1


def test_the_freshness_limit_is_configurable(engine, odds):
    publish_value_bets(engine, NOW, min_ev=0.03, max_age=timedelta(days=3))
    both = published(engine)
    assert set(both) == {"fresh_book", "stale_book"} and both["stale_book"][1] == pytest.approx(15.0, abs=1e-9)
    publish_value_bets(engine, NOW, min_ev=0.03, max_age=timedelta(minutes=30))
    assert set(published(engine)) == {"fresh_book"}  # the stale one expires again ("prices moved")
