"""exotic_box on real Hong Kong racing: 2017–2019 HKJC results settled against the official dividends.

The engine's result is checked against a second, independent reading of the same JSON files: for every race the
three shortest win odds form the box, and it pays the official tierce dividend (per HK$10 → per unit, over six
tickets) exactly when the official tierce combination uses only those three horses. Races whose third-shortest
price is shared by several horses are skipped by that reading (the box is ambiguous); the engine breaks such ties
by post position. The one race whose tierce-winning horse is missing from the runner list (2017-06-21-HV-3, see
test_exotics_real_dividends) is the one ``missing_dividends``.
"""
from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest

from backtests.betting.staking import Staking
from backtests.engine import prepare_racing, run_prepared
from backtests.frames import dividends_from_batch, runners_from_batch
from backtests.strategies import get_strategy
from ingestion.sources.hkjc.source import HKJCResultsSource
from tests.conftest import shared_path

pytestmark = pytest.mark.shared

EXPECTED_RACES = 2399
TOTAL = 11_731.0  # HK$ per unit over the 158 paying boxes of the unambiguous races (the engine: 12,097 over 163)
# (pool, size) → (boxes, winning boxes, returned per 1 unit staked per box, summed, rounded to 1e-4)
EXPECTED = {("tierce", 3): (2399, 163, 2016.1667), ("tierce", 4): (2399, 458, 2082.9750),
            ("trio", 3): (2399, 163, 1949.0000), ("quinella", 3): (2399, 668, 2079.2000),
            ("quartet", 4): (2399, 127, 2323.9667), ("first4", 4): (2399, 127, 2279.3000)}


@pytest.fixture(scope="module")
def hkjc():
    directory = shared_path("hkjc-results")
    batch = HKJCResultsSource(directory).read(date(2017, 1, 1), date(2019, 12, 31))
    runners, dividends = runners_from_batch(batch, "hkjc"), dividends_from_batch(batch, "hkjc")
    races = [race for path in sorted(directory.glob("*.json")) for race in json.loads(path.read_text())]
    return prepare_racing(runners, dividends=dividends), races


@pytest.mark.parametrize(("pool", "size"), sorted(EXPECTED))
def test_boxes_of_the_market_top_horses_settle_on_the_official_dividends(hkjc, pool, size):
    strategy = get_strategy("exotic_box", {"pool": pool, "size": size})
    run = run_prepared(strategy, hkjc[0], staking=Staking("flat", flat_stake=1.0), bankroll=1e7)
    bets = run.bets
    assert (len(bets), int(bets["won"].sum()), round(float(bets["ret"].sum()), 4)) == EXPECTED[pool, size]
    assert (bets["bet_type"] == f"{pool}_box").all() and bets["stake"].eq(1.0).all()
    assert strategy.missing_dividends == (1 if pool in ("tierce", "trio") else 2)
    assert run.metrics["roi"] == pytest.approx(EXPECTED[pool, size][2] / EXPECTED[pool, size][0] - 1, abs=1e-6)


def test_a_tierce_box_of_three_pays_exactly_the_official_dividend_read_from_the_files(hkjc):
    prepared, races = hkjc
    run = run_prepared(get_strategy("exotic_box", {"pool": "tierce", "size": 3}), prepared,
                       staking=Staking("flat", flat_stake=6.0), bankroll=1e7)
    engine_returns = dict(zip(run.bets["event_key"], run.bets["ret"]))
    assert len(races) == EXPECTED_RACES
    checked = paid = 0
    total = Fraction(0)
    for race in races:
        priced = sorted((r["winOdds"], r["horseNo"]) for r in race["runners"] if r.get("winOdds"))
        if len(priced) < 3 or len(priced) > 3 and priced[2][0] == priced[3][0]:
            continue  # no box, or an ambiguous third pick
        box = {horse for _, horse in priced[:3]}
        key = f"hkjc:{race['racecourse']}-{race['date'].replace('-', '')}-{race['raceNo']:02d}"
        expected = sum((Fraction(str(d["dividendPer10"])) / 10 for d in race["dividends"].get("tierce", [])
                        if set(d["combination"]) <= box), Fraction(0))  # 6 tickets of 1 unit each
        checked += 1
        paid += expected > 0
        total += expected
        assert engine_returns[key] == pytest.approx(float(expected), abs=1e-9), key
    assert (checked, paid) == (2316, 158)
    assert float(total) == pytest.approx(TOTAL, abs=1e-6)
