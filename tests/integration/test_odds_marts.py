"""The odds marts built by dbt from real simulator fetches (HTTP on 127.0.0.1) on the session's embedded PostgreSQL.

Three fetches of three sports at simulated clock times 8 h, 5 h and 0 h before now; the last one has one book's h2h
prices swapped on one event (a "news" flip) so the movement alert has something to find. Expected values are
recomputed in pandas from raw.odds, and every query is scoped to this module's event ids: other modules' odds rows
share the database (nothing here deletes them), so the checks hold in any test order.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from ingestion.http import RetryPolicy, ops_fetch_log_sink
from ingestion.odds_api.client import OddsApiClient
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.odds_api.storage import store_snapshot
from tests.odds_marts_helpers import current_prices, dbt_build_odds, lopsided_event, read_frame, swap_h2h

pytestmark = pytest.mark.integration

SEED = 20240611
SPORTS = ("basketball_nba", "icehockey_nhl", "soccer_epl")
OFFSETS_H = (8, 5, 0)  # hours before the real now of the three fetches
KEY = ["event_id", "bookmaker", "market", "outcome"]


@pytest.fixture(scope="module")
def odds_world(engine, tmp_path_factory):
    """Load three fetches from the simulator, build the odds models (full, then incremental); yield what was loaded."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    clock = {"now": now - timedelta(hours=OFFSETS_H[0])}
    sim = OddsApiSimulator(seed=SEED, clock=lambda: clock["now"])
    client = OddsApiClient("sim-key", base_url=sim.start(), sink=ops_fetch_log_sink(engine),
                           retry=RetryPolicy(max_attempts=3, backoff_base=0.01), sleep=lambda s: None)
    target = str(tmp_path_factory.mktemp("dbt-odds-target"))
    events: set[str] = set()
    first_nhl: set[str] = set()
    swapped = None
    try:
        for i, hours in enumerate(OFFSETS_H):
            clock["now"] = now - timedelta(hours=hours)
            if i == len(OFFSETS_H) - 1:
                sim.inject("status", status=500)  # one failed attempt, retried, for fetch_health
            for sport in SPORTS:
                result = client.odds(sport, regions=("us", "eu"), markets=("h2h", "spreads", "totals"))
                if i == 0 and sport == "icehockey_nhl":
                    first_nhl = {e["id"] for e in result.data}
                if i == len(OFFSETS_H) - 1 and sport == "icehockey_nhl":  # an event priced in all three fetches
                    swapped = lopsided_event([e for e in result.data if e["id"] in first_nhl], "pinnacle")
                    swap_h2h(result.data, swapped, "pinnacle")
                store_snapshot(engine, sport, result.data, clock["now"], None, result.request_id)
                events |= {e["id"] for e in result.data}
            if i == 1:  # first build after two fetches (full refresh: other tests may have built fct_odds before)
                dbt_build_odds(target, "--full-refresh")
        dbt_build_odds(target)  # incremental: appends the third fetch
        arbitrage = sim.arbitrage("basketball_nba", clock["now"])
        yield {"events": sorted(events), "swapped": swapped, "arbitrage": arbitrage, "remaining": sim.remaining,
               "times": [now - timedelta(hours=h) for h in OFFSETS_H]}
    finally:
        client.close()
        sim.stop()


@pytest.fixture(scope="module")
def raw_odds(engine, odds_world) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(conn, "SELECT o.*, e.commence_time, e.away_team FROM raw.odds o "
                            "JOIN raw.events e ON e.id = o.event_id WHERE o.event_id = ANY(:ids)",
                      ids=odds_world["events"])


def test_fct_odds_holds_exactly_the_valid_raw_rows(engine, odds_world, raw_odds):
    with engine.connect() as conn:
        fct, valid, flagged = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM marts.fct_odds WHERE event_id = ANY(:ids)), "
            "(SELECT count(*) FROM raw.odds WHERE is_valid AND event_id = ANY(:ids)), "
            "(SELECT count(*) FROM raw.odds WHERE NOT is_valid AND event_id = ANY(:ids))"),
            {"ids": odds_world["events"]}).one()
        snapshots = conn.execute(sa.text(
            "SELECT count(DISTINCT snapshot_time) FROM marts.fct_odds WHERE event_id = ANY(:ids)"),
            {"ids": odds_world["events"]}).scalar()
    assert fct == valid > 0
    # soft rules (a book's overround outside 2-15 %, as at a planted arbitrage) only add a note by default
    assert flagged == 0
    with engine.connect() as conn:
        noted = conn.execute(sa.text(
            "SELECT count(*) FROM raw.odds WHERE is_valid AND validation_notes LIKE '%odds.overround_in_range%' "
            "AND event_id = ANY(:ids)"), {"ids": odds_world["events"]}).scalar()
    assert noted > 0
    assert snapshots == 3  # the incremental run appended the third fetch
    assert len(raw_odds) > 3000


def test_opening_and_closing_lines_are_first_and_last_snapshot(engine, odds_world, raw_odds):
    valid = raw_odds[raw_odds["is_valid"] & (raw_odds["snapshot_time"] < raw_odds["commence_time"])]
    ordered = valid.sort_values("snapshot_time")
    expected = ordered.groupby(KEY).agg(opening=("price_decimal", "first"), closing=("price_decimal", "last"),
                                        first_at=("snapshot_time", "first"), n=("snapshot_time", "size"))
    with engine.connect() as conn:
        got = read_frame(conn, "SELECT * FROM marts.opening_closing_lines WHERE event_id = ANY(:ids)",
                     ids=odds_world["events"]).set_index(KEY)
    both = expected.join(got, how="inner")
    assert len(both) == len(expected) == len(got)
    assert (both["opening"] == both["opening_price_decimal"]).all()
    assert (both["closing"] == both["closing_price_decimal"]).all()
    assert (both["first_at"] == both["opening_snapshot_time"]).all() and (both["n"] == both["snapshots"]).all()
    assert (both["opening_snapshot_time"] == odds_world["times"][0]).sum() > 1000
    assert (both["closing_snapshot_time"] == odds_world["times"][-1]).sum() > 1000
    assert (both["opening"] != both["closing"]).any()


def test_best_odds_is_the_max_over_books_latest_valid_prices(engine, odds_world, raw_odds):
    current = current_prices(raw_odds)
    current = current[current["is_valid"]].assign(point=current["point"].fillna(-999.0))
    keys = ["event_id", "market", "outcome", "point"]
    expected = current.groupby(keys)["price_decimal"].max().rename("expected")
    with engine.connect() as conn:
        got = read_frame(conn, "SELECT * FROM marts.best_odds WHERE event_id = ANY(:ids)", ids=odds_world["events"])
    got = got.assign(point=got["point"].fillna(-999.0)).set_index(keys)
    both = got.join(expected, how="inner")
    assert len(both) == len(expected) == got["best_price_decimal"].notna().sum() > 300
    assert (both["best_price_decimal"] == both["expected"]).all()
    # one outcome spelled out: the best book's price is the highest any book quotes in its latest snapshot
    event_id, outcome = current.loc[current["market"] == "h2h", ["event_id", "outcome"]].iloc[0]
    quotes = current[(current["event_id"] == event_id) & (current["market"] == "h2h") & (current["outcome"] == outcome)]
    row = got.loc[(event_id, "h2h", outcome, -999.0)]
    assert len(quotes) > 5 and row["best_price_decimal"] == quotes["price_decimal"].max()
    assert row["best_bookmaker"] in set(quotes.loc[quotes["price_decimal"] == quotes["price_decimal"].max(), "bookmaker"])


def test_planted_arbitrage_shows_in_best_odds(engine, odds_world):
    planted = odds_world["arbitrage"]
    assert planted, "the simulator plants arbitrage on some NBA events"
    with engine.connect() as conn:
        best = read_frame(conn, "SELECT * FROM marts.best_odds WHERE market = 'h2h' AND event_id = ANY(:ids)",
                      ids=[p["event_id"] for p in planted])
    for p in planted:
        line = best[best["event_id"] == p["event_id"]]
        assert len(line) == 2
        row = line[line["outcome"] == p["outcome"]].iloc[0]
        assert row["best_bookmaker"] == p["bookmaker"] and not row["is_best_flagged"]
        total = (1 / line["best_price_decimal"]).sum()
        assert total < 1 and row["line_best_implied_sum"] == pytest.approx(total, abs=1e-12)


def test_consensus_probabilities_sum_to_one_and_use_the_sharp_book(engine, odds_world, raw_odds):
    with engine.connect() as conn:
        cons = read_frame(conn, "SELECT * FROM marts.consensus_prices WHERE event_id = ANY(:ids)",
                      ids=odds_world["events"])
    sums = cons.groupby(["event_id", "market", "line"], dropna=False)["fair_probability"].sum()
    assert len(sums) > 100 and ((sums - 1).abs() < 1e-9).all()
    assert set(cons["method"]) == {"sharp", "market_average"}
    pin = current_prices(raw_odds)
    pin = pin[(pin["bookmaker"] == "pinnacle") & (pin["market"] == "h2h") & pin["is_valid"]]
    implied = 1 / pin["price_decimal"]
    pin = pin.assign(fair=implied / implied.groupby(pin["event_id"]).transform("sum"))
    sharp = cons[(cons["market"] == "h2h") & (cons["method"] == "sharp")].set_index(["event_id", "outcome"])
    joined = pin.set_index(["event_id", "outcome"]).join(sharp, how="inner", rsuffix="_cons")
    assert len(joined) == len(pin) == len(sharp)
    assert ((joined["fair"] - joined["fair_probability"]).abs() < 1e-9).all()
    # a line pinnacle doesn't price falls back to the normalised market average
    avg = cons[cons["method"] == "market_average"].iloc[0]
    cur = current_prices(raw_odds)
    cur = cur[(cur["event_id"] == avg["event_id"]) & (cur["market"] == avg["market"]) & cur["is_valid"]]
    cur = cur.assign(line=cur["point"].where(~((cur["market"] == "spreads") & (cur["outcome"] == cur["away_team"])),
                                             -cur["point"]))
    cur = cur[cur["line"] == avg["line"]] if pd.notna(avg["line"]) else cur
    means = (1 / cur["price_decimal"]).groupby(cur["outcome"]).mean()
    assert avg["fair_probability"] == pytest.approx(means[avg["outcome"]] / means.sum(), abs=1e-9)


def test_line_movement_and_the_planted_move_alert(engine, odds_world):
    with engine.connect() as conn:
        moves = read_frame(conn, "SELECT * FROM marts.odds_line_movement WHERE event_id = :e AND bookmaker = 'pinnacle' "
                             "AND market = 'h2h' ORDER BY outcome, snapshot_seq", e=odds_world["swapped"])
        alerts = read_frame(conn, "SELECT * FROM marts.odds_movement_alerts WHERE event_id = ANY(:ids)",
                        ids=odds_world["events"])
    assert list(moves["snapshot_seq"]) == [1, 2, 3, 1, 2, 3]
    later = moves[moves["snapshot_seq"] > 1]
    assert ((later["price_decimal"] - later["previous_price_decimal"]) - later["price_change"]).abs().max() < 1e-9
    assert (later["implied_probability_change"] - (later["implied_probability"] - later["previous_implied_probability"])
            ).abs().max() < 1e-12
    flipped = alerts[(alerts["event_id"] == odds_world["swapped"]) & (alerts["bookmaker"] == "pinnacle")
                     & (alerts["market"] == "h2h")]
    assert len(flipped) == 2 and set(flipped["direction"]) == {"shortened", "drifted"}
    assert (flipped["snapshot_time"] == odds_world["times"][-1]).all()
    assert (flipped["implied_probability_change_pct"].abs() > 0.30).all()
    assert (alerts["implied_probability_change_pct"].abs() > 0.30).all()


def test_fetch_health_reports_failures_and_quota(engine, odds_world):
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM marts.fetch_health WHERE site = 'the-odds-api'")).mappings().one()
    assert row["failures_24h"] >= 1 and row["last_failure_status"] == 500
    assert row["last_success_at"] > row["last_failure_at"]  # the retry succeeded
    assert 0 < row["success_rate_24h"] < 1
    assert row["quota_remaining"] == odds_world["remaining"]
    assert 0 < row["flagged_odds_rows_24h"] < row["odds_rows_24h"] and row["odds_rows_24h"] > 3000


def test_fetch_health_is_current_without_a_rebuild(engine, odds_world):
    """A view: fetches logged after the last dbt build (by sensors, outside any asset) show up at once."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO ops.fetch_log (fetched_at, site, url, status, error) VALUES "
                             "(now(), 'health-view-probe', 'http://127.0.0.1:9/x', 503, 'HTTP 503')"))
        row = conn.execute(sa.text("SELECT attempts_24h, failures_24h, last_failure_status FROM marts.fetch_health "
                                   "WHERE site = 'health-view-probe'")).one()
        conn.execute(sa.text("DELETE FROM ops.fetch_log WHERE site = 'health-view-probe'"))
    assert tuple(row) == (1, 1, 503)


def test_planted_arbitrage_is_published_once_and_expires(engine, odds_world):
    """Downstream signals: the simulator's planted arbitrage becomes one row per opportunity, updated on re-runs,
    expired with a reason once the event has started."""
    from backtests.live.signals import publish_arbitrage

    now = odds_world["times"][-1] + timedelta(minutes=1)
    first = publish_arbitrage(engine, now, max_age=timedelta(hours=2))
    again = publish_arbitrage(engine, now + timedelta(minutes=1), max_age=timedelta(hours=2))
    planted = {(p["event_id"], p["bookmaker"]) for p in odds_world["arbitrage"]}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT event_id, legs, total_stake, guaranteed_return, profit_pct, detected_at, last_seen_at "
            "FROM marts.arbitrage_opportunities WHERE market = 'h2h' AND NOT expired AND event_id = ANY(:ids)"),
            {"ids": odds_world["events"]}).mappings().all()
    found = {(r["event_id"], leg["bookmaker"]) for r in rows for leg in r["legs"]}
    assert planted <= found
    assert first["open"] == again["open"] > 0 and again["new"] == 0 and again["expired"] == 0
    for r in rows:
        stakes = [Decimal(str(leg["stake"])) for leg in r["legs"]]
        assert sum(stakes) == r["total_stake"] == Decimal("100")
        assert all(s == s.quantize(Decimal("0.01")) for s in stakes)  # to the cent
        assert r["guaranteed_return"] > r["total_stake"] and r["last_seen_at"] > r["detected_at"]
    later = max(odds_world["times"]) + timedelta(days=30)  # every event has started by then
    gone = publish_arbitrage(engine, later)
    with engine.connect() as conn:
        reasons = conn.execute(sa.text(
            "SELECT DISTINCT expired_reason FROM marts.arbitrage_opportunities WHERE expired AND event_id = ANY(:ids)"),
            {"ids": odds_world["events"]}).scalars().all()
    assert gone["open"] == 0 and gone["expired"] == again["open"] and reasons == ["event started"]


def test_no_whole_number_line_is_published_with_a_profit(engine, odds_world):
    """Issue 14: the simulator quotes whole-number spreads and totals, where a push returns both stakes. Priced at
    2.08 on both sides (best prices summing to 0.96) none of them may be published with a positive profit, while
    the planted moneyline arbitrages still are."""
    from backtests.betting.arbitrage import best_prices
    from backtests.live.signals import current_prices, publish_arbitrage

    now = odds_world["times"][-1] + timedelta(minutes=1)
    prices = current_prices(engine, now)
    whole = prices["market"].isin(["spreads", "totals"]) & (prices["point"] == prices["point"].round())
    prices.loc[whole, "price_decimal"] = 2.08
    best = best_prices(prices[whole], now=now, max_age=timedelta(hours=2))
    assert (1 / best["price_decimal"]).groupby(best["market_id"]).sum().lt(1).sum() > 10
    publish_arbitrage(engine, now, min_profit=0.0, max_age=timedelta(hours=2), prices=prices)
    with engine.connect() as conn:
        published = conn.execute(sa.text(
            "SELECT market, line, profit FROM marts.arbitrage_opportunities WHERE NOT expired")).all()
    publish_arbitrage(engine, max(odds_world["times"]) + timedelta(days=30))  # every event started: none left open
    assert [r for r in published if r.market in ("spreads", "totals") and r.line == round(r.line) and r.profit > 0] \
        == []
    assert all(r.profit > 0 for r in published) and any(r.market == "h2h" for r in published)


def test_value_bets_against_the_sharp_book(engine, odds_world):
    from backtests.live.signals import publish_value_bets

    now = odds_world["times"][-1] + timedelta(minutes=1)
    counts = publish_value_bets(engine, now, min_ev=0.03, max_age=timedelta(hours=2))
    with engine.connect() as conn:
        open_now = conn.execute(sa.text("SELECT count(*) FROM marts.value_bets WHERE NOT expired")).scalar_one()
        rows = conn.execute(sa.text("SELECT * FROM marts.value_bets WHERE NOT expired AND event_id = ANY(:ids)"),
                            {"ids": odds_world["events"]}).mappings().all()
    assert counts["open"] == open_now >= len(rows) > 0  # a publish leaves open exactly what it saw: ours among them
    for r in rows:
        ev = r["fair_probability"] * float(r["price_decimal"]) - 1
        assert r["bookmaker"] != "pinnacle" and ev >= 0.03 - 1e-9
        assert r["ev_pct"] == pytest.approx(ev * 100)
        o = float(r["price_decimal"])
        assert r["kelly_fraction"] == pytest.approx(max(0.0, (r["fair_probability"] * o - 1) / (o - 1)))
