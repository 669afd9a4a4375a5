"""The exchange marts built by ``dbt build`` (tests included) from the hand-made records of ``tests.exchange_records``.

On a database of its own: the warehouse layout, one results race at Hamilton (for the market -> race link), the
records through ``load_markets``, then one ``dbt build`` of the exchange marts and everything upstream of them.
Expected values are worked out from the records by hand (see each test)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from ingestion.exchange.store import load_markets
from tests.dbt_build import dbt_build
from tests.deployment import fresh_database
from tests.exchange_records import HAMILTON_OFF, SHEFFIELD, fixture_records

pytestmark = pytest.mark.integration
DATABASE = "exchange_marts_test"
D = Decimal


@pytest.fixture(scope="module")
def marts(runtime_env, tmp_path_factory):
    from ingestion.warehouse import ensure_warehouse

    engine = sa.create_engine(fresh_database(runtime_env, DATABASE))
    ensure_warehouse(engine)
    with engine.begin() as conn:  # a results race 2 min after the Hamilton off, one 9 min after (too far)
        for number, minute in ((3, 32), (4, 39)):
            conn.execute(sa.text(
                "INSERT INTO raw.races (race_id, race_date, track_code, race_number, post_time, distance, "
                "distance_unit, surface, currency, _source, _partition, _scope, _loaded_at, _run_id) VALUES "
                "(:id, :d, 'Hamilton', :n, :t, 1600, 'm', 'turf', 'GBP', 'synthetic', :d, '', now(), 't')"),
                {"id": f"HAMILTON-20260302-0{number}", "d": HAMILTON_OFF.date(), "n": number,
                 "t": HAMILTON_OFF.replace(minute=minute)})
    load_markets(engine, fixture_records(), run_id="marts")
    target = tmp_path_factory.mktemp("dbt-exchange")
    statuses = dbt_build(target, "--indirect-selection", "cautious", "--select", "+path:models/marts/exchange",
                         env={"PADDOCK_PG_DBNAME": DATABASE})
    yield engine, statuses
    engine.dispose()


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]


def test_build_ran_the_exchange_tests_without_warnings(marts):
    _, statuses = marts
    assert {"model.paddock.exchange_runners", "model.paddock.greyhound_trap_stats"} <= set(statuses)
    assert sum(uid.startswith("test.") for uid in statuses) >= 20
    assert {uid: s for uid, s in statuses.items() if s not in ("success", "pass")} == {}  # no warn, no error


def test_markets_one_row_each_with_sport_and_race_link(marts):
    engine, _ = marts
    assert rows(engine, "SELECT market_id, sport, market_type, race_id, has_dead_heat FROM marts.exchange_markets "
                        "ORDER BY market_id") == [
        ("1.300000001", "greyhound_racing", "WIN", None, False),
        ("1.300000002", "greyhound_racing", "PLACE", None, False),
        ("1.300000003", "greyhound_racing", "WIN", None, False),
        ("1.300000004", "horse_racing", "WIN", "HAMILTON-20260302-03", False),  # 2 min away; the 9 min race is not
        ("1.300000006", "horse_racing", "WIN", None, True),
        ("1.300000007", "horse_racing", "WIN", None, False),
    ]


def test_runner_prices_at_offsets_and_the_implied_sums(marts):
    engine, _ = marts
    [(t60, t5, t1, pre_off, lay, bsp, ltp, status)] = rows(
        engine, "SELECT back_price_t60, back_price_t5, back_price_t1, pre_off_back_price, pre_off_lay_price, bsp, "
                "last_traded_price, status FROM marts.exchange_runners WHERE runner_key = '1.300000001:502'")
    assert (t60, t5, t1, pre_off, lay, bsp, ltp, status) == (
        D("4.0"), D("3.2"), D("3.0"), D("3.0"), D("3.1"), D("2.9"), D("3.0"), "WINNER")
    # the quarantined rows leave holes: trap 1's suspended T-1 book, trap 3's crossed T-5 book
    assert rows(engine, "SELECT back_price_t1 FROM marts.exchange_runners WHERE runner_key = '1.300000001:501'") == [
        (None,)]
    sums = rows(engine, "SELECT DISTINCT implied_sum_t60, implied_sum_t5, implied_sum_pre_off "
                        "FROM marts.exchange_runners WHERE market_id = '1.300000001'")
    backs = [b for *_, b in SHEFFIELD.values()]
    t60_sum = sum(1 / D(b[0]) for b in backs)
    t5_sum = sum(1 / D(b[3]) for i, b in enumerate(backs) if i != 2)  # trap 3's T-5 row was quarantined
    pre_off_sum = sum(1 / D(b[5]) for b in backs)
    assert sums == [tuple(s.quantize(D("0.0001")) for s in (t60_sum, t5_sum, pre_off_sum))]
    # removed runners have no prices and do not count; PLACE markets have no implied sum
    assert rows(engine, "SELECT count(*), count(back_price_t60), count(implied_sum_t60) FROM marts.exchange_runners "
                        "WHERE market_id = '1.300000004' AND is_removed") == [(2, 0, 2)]
    assert rows(engine, "SELECT DISTINCT implied_sum_pre_off FROM marts.exchange_runners "
                        "WHERE market_id = '1.300000002'") == [(None,)]


def test_drift_and_steam_classes(marts):
    engine, _ = marts
    assert rows(engine, "SELECT selection_id, pre_off_move, bsp_move FROM marts.exchange_price_movement "
                        "WHERE market_id = '1.300000001' ORDER BY selection_id") == [
        (501, "stable", "stable"),  # 3.6 -> 4.2 (x1.17), 4.3
        (502, "steam", "stable"),  # 4.0 -> 3.0 (x0.75), 2.9
        (503, "stable", "stable"),
        (504, "stable", "stable"),
        (505, "drift", "stable"),  # 5.0 -> 7.0 (x1.4), 7.4
        (506, "stable", "drift"),  # 10 -> 11.5 (x1.15), 13 (x1.13)
    ]


def test_greyhound_trap_stats(marts):
    """Settled greyhound WIN markets: Sheffield (6 traps, trap 2 won at BSP 2.9) and Romford (5 traps, trap 1 won at
    2.5); the PLACE market does not count."""
    engine, _ = marts
    assert rows(engine, "SELECT trap, runs, wins, win_rate, bsp_roi FROM marts.greyhound_trap_stats ORDER BY trap") == [
        (1, 2, 1, D("0.5000"), D("0.2500")),  # returns 0 and 2.5 over 2 runs
        (2, 2, 1, D("0.5000"), D("0.4500")),  # 2.9 and 0
        (3, 2, 0, D("0.0000"), D("-1.0000")),
        (4, 2, 0, D("0.0000"), D("-1.0000")),
        (5, 2, 0, D("0.0000"), D("-1.0000")),
        (6, 1, 0, D("0.0000"), D("-1.0000")),
    ]


def test_favourite_win_rate_by_bsp_band(marts):
    """Favourites by BSP: Sheffield 2.9 (won), Romford 2.5 (won), Hamilton 3.1 (lost), the dead heat 2.5 (won,
    returning 2.5 x 1/2); the open market is not settled and the 0-winner market was quarantined."""
    engine, _ = marts
    assert rows(engine, "SELECT sport, bsp_band, favourites, wins, win_rate, bsp_roi "
                        "FROM marts.exchange_favourite_stats "
                        "ORDER BY sport, band_order") == [
        ("greyhound_racing", "2-3", 2, 2, D("1.0000"), D("1.7000")),
        ("horse_racing", "2-3", 1, 1, D("1.0000"), D("0.2500")),
        ("horse_racing", "3-5", 1, 0, D("0.0000"), D("-1.0000")),
    ]


def test_bsp_movement_stats(marts):
    """Pre-off -> BSP: only Sheffield trap 6 drifts (11.5 -> 13); the single-book markets have BSP = pre-off."""
    engine, _ = marts
    assert rows(engine, "SELECT sport, bsp_move, runners, winners FROM marts.exchange_bsp_movement_stats "
                        "ORDER BY sport, bsp_move") == [
        ("greyhound_racing", "drift", 1, 0),
        ("greyhound_racing", "stable", 10, 2),
        ("horse_racing", "stable", 8, 3),  # Hamilton's winner and both dead-heaters
    ]
