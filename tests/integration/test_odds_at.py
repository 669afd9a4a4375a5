"""The as-of read on the real embedded PostgreSQL, over a handcrafted fct_odds (a scratch schema with the mart's
columns): exact prices at, just before and just after a snapshot, a book's stale quote kept with its own time, the
closing line before the start, and nothing recorded after the time asked for — changing later rows changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from backtests.odds_at import AS_OF_SQL, closing_lines, odds_as_of, odds_at
from paddock.dbt_prep import DBT_DIR

pytestmark = pytest.mark.integration

SCHEMA = "odds_at_test"
START = datetime(2025, 3, 1, 20, tzinfo=timezone.utc)
T10, T14, T1955, T2030 = (START.replace(hour=10), START.replace(hour=14), START - timedelta(minutes=5),
                          START + timedelta(minutes=30))
US = timedelta(microseconds=1)
# (event, snapshot time, book, market, outcome, point, price): draftkings skips the 14:00 snapshot, the 20:30 one
# is in play, E2 is another game whose prices must never leak into E1's.
ROWS = [
    ("E1", T10, "pinnacle", "h2h", "Home", None, "1.91"), ("E1", T10, "pinnacle", "h2h", "Away", None, "2.00"),
    ("E1", T10, "pinnacle", "spreads", "Home", "-3.5", "1.95"), ("E1", T10, "draftkings", "h2h", "Home", None, "1.87"),
    ("E1", T10, "draftkings", "h2h", "Away", None, "2.05"),
    ("E1", T14, "pinnacle", "h2h", "Home", None, "1.80"), ("E1", T14, "pinnacle", "h2h", "Away", None, "2.12"),
    ("E1", T14, "pinnacle", "spreads", "Home", "-4.5", "1.93"),
    ("E1", T1955, "pinnacle", "h2h", "Home", None, "1.75"), ("E1", T1955, "pinnacle", "h2h", "Away", None, "2.20"),
    ("E1", T1955, "draftkings", "h2h", "Home", None, "1.72"),
    ("E1", T2030, "pinnacle", "h2h", "Home", None, "3.40"), ("E1", T2030, "pinnacle", "h2h", "Away", None, "1.35"),
    ("E2", T14 - timedelta(hours=1), "pinnacle", "h2h", "Home", None, "9.99"),
]


def _insert(conn, rows) -> None:
    conn.execute(sa.text(f"""
        INSERT INTO {SCHEMA}.fct_odds (snapshot_id, event_id, bookmaker, market, outcome, description, point,
                                      price_decimal, snapshot_time, commence_time)
        VALUES (:event || '@' || :at, :event, :book, :market, :outcome, NULL, CAST(:point AS numeric),
                CAST(:price AS numeric), :at, :start)"""),
        [{"event": e, "at": at, "book": b, "market": m, "outcome": o, "point": p, "price": pr, "start": START}
         for e, at, b, m, o, p, pr in rows])


@pytest.fixture
def marts(engine):
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
        conn.execute(sa.text(f"""
            CREATE TABLE {SCHEMA}.fct_odds (snapshot_id text, event_id text, bookmaker text, market text,
                outcome text, description text, point numeric, price_decimal numeric, snapshot_time timestamptz,
                commence_time timestamptz)"""))
        _insert(conn, ROWS)
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))


def prices(frame: pd.DataFrame) -> dict:
    return {(r.bookmaker, r.market, r.outcome): (r.price_decimal, None if pd.isna(r.point) else r.point,
                                                 r.snapshot_time.to_pydatetime()) for r in frame.itertuples()}


def test_exact_prices_at_just_before_and_just_after_a_snapshot(marts):
    at_14 = prices(odds_at(marts, "E1", T14, schema=SCHEMA))
    assert at_14 == {
        ("pinnacle", "h2h", "Home"): (1.80, None, T14), ("pinnacle", "h2h", "Away"): (2.12, None, T14),
        ("pinnacle", "spreads", "Home"): (1.93, -4.5, T14),
        # draftkings was not in the 14:00 snapshot: its 10:00 quote, with its own time so its age shows
        ("draftkings", "h2h", "Home"): (1.87, None, T10), ("draftkings", "h2h", "Away"): (2.05, None, T10),
    }
    assert prices(odds_at(marts, "E1", T14 + US, schema=SCHEMA)) == at_14
    before = prices(odds_at(marts, "E1", T14 - US, schema=SCHEMA))
    assert before[("pinnacle", "h2h", "Home")] == (1.91, None, T10)
    assert before[("pinnacle", "spreads", "Home")] == (1.95, -3.5, T10)
    assert {t for _, _, t in before.values()} == {T10}
    assert odds_at(marts, "E1", T10 - US, schema=SCHEMA).empty  # nothing recorded yet
    # the same instant in another zone is the same answer; a naive time is refused, not guessed
    assert prices(odds_at(marts, "E1", T14.astimezone(timezone(timedelta(hours=-5))), schema=SCHEMA)) == at_14
    with pytest.raises(ValueError, match="no time zone"):
        odds_at(marts, "E1", T14.replace(tzinfo=None), schema=SCHEMA)


def test_nothing_recorded_after_the_time_asked_for_changes_the_answer(marts):
    requests = pd.DataFrame({"event_id": ["E1", "E1", "E1", "E2"], "at": [T10, T14 - US, T14, T14]})
    first = odds_as_of(marts, requests, schema=SCHEMA)
    with marts.begin() as conn:  # rewrite every later price, add a book and a market right after the latest `at`
        conn.execute(sa.text(f"UPDATE {SCHEMA}.fct_odds SET price_decimal = 101, point = 99 WHERE snapshot_time > :t"),
                     {"t": T14})
        _insert(conn, [("E1", T14 + US, "betfair", "h2h", "Home", None, "50"),
                       ("E1", T14 + US, "pinnacle", "totals", "Over", "210.5", "50"),
                       ("E1", T14 + US, "pinnacle", "h2h", "Home", None, "50"),
                       ("E2", T14 + US, "pinnacle", "h2h", "Home", None, "50")])
    again = odds_as_of(marts, requests, schema=SCHEMA)
    pd.testing.assert_frame_equal(first, again)
    assert (again["snapshot_time"] <= again["at"]).all()
    # the frame version is the one-at-a-time read, request by request
    one_by_one = pd.concat([odds_at(marts, e, t, schema=SCHEMA) for e, t in requests.itertuples(index=False)])
    pd.testing.assert_frame_equal(again, one_by_one.reset_index(drop=True))
    assert again.groupby(["event_id", "at"]).size().tolist() == [5, 5, 5, 1]
    e2 = {("pinnacle", "h2h", "Home"): (9.99, None, T14 - timedelta(hours=1))}
    assert prices(again[again["event_id"] == "E2"]) == e2
    assert prices(odds_at(marts, "E1", T14 + US, schema=SCHEMA))[("pinnacle", "h2h", "Home")] == (50.0, None, T14 + US)


def test_closing_line_is_the_last_snapshot_before_the_start(marts):
    closing = closing_lines(marts, ["E1"], schema=SCHEMA)
    assert prices(closing) == {
        ("pinnacle", "h2h", "Home"): (1.75, None, T1955), ("pinnacle", "h2h", "Away"): (2.20, None, T1955),
        ("draftkings", "h2h", "Home"): (1.72, None, T1955),
        # not re-quoted after 10:00 / 14:00: the last quote before the start is still its closing price
        ("draftkings", "h2h", "Away"): (2.05, None, T10), ("pinnacle", "spreads", "Home"): (1.93, -4.5, T14),
    }
    assert (closing["at"] == START).all()  # the 20:30 in-play prices are never a closing line
    assert closing_lines(marts, [], schema=SCHEMA).empty


def test_the_scratch_table_has_only_columns_the_mart_has():
    """The handcrafted table stands in for marts.fct_odds: every column the read uses must be one the mart's model
    file declares, or these tests could pass on a schema production does not have."""
    spec = yaml.safe_load((DBT_DIR / "models" / "marts" / "odds" / "fct_odds.yml").read_text())
    (model,) = [m for m in spec["models"] if m["name"] == "fct_odds"]
    documented = {c["name"] for c in model["columns"]}
    used = {"snapshot_id", "event_id", "bookmaker", "market", "outcome", "description", "point", "price_decimal",
            "snapshot_time", "commence_time"}
    assert used <= documented
    assert all(f"o.{c}" in AS_OF_SQL for c in used - {"snapshot_id"})
