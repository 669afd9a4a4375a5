"""Expected value against the sharp book's fair line, and Kelly fractions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from backtests.betting.odds import remove_vig
from backtests.betting.staking import kelly_fraction
from backtests.betting.value import expected_value, fair_probabilities

NOW = datetime(2024, 6, 5, 12, tzinfo=timezone.utc)


def quote(event, outcome, book, price, market="h2h", point=None, age_minutes=0):
    return {"event_id": event, "market": market, "point": point, "outcome": outcome, "bookmaker": book,
            "price_decimal": price, "last_update": NOW - timedelta(minutes=age_minutes)}


def soccer_prices():
    return pd.DataFrame([
        quote("m1", "home", "pinnacle", 2.7), quote("m1", "draw", "pinnacle", 2.3),
        quote("m1", "away", "pinnacle", 4.4), quote("m1", "home", "retail", 2.9),
        quote("m1", "away", "retail", 4.2), quote("m1", "draw", "other", 2.36),
        quote("m2", "home", "pinnacle", 1.9), quote("m2", "home", "retail", 2.5), quote("m2", "away", "retail", 1.5),
    ])


@pytest.mark.parametrize("method", ["multiplicative", "additive", "power", "shin", "odds_ratio"])
def test_fair_probability_comes_from_the_devigged_sharp_market(method):
    fair = fair_probabilities(soccer_prices(), method=method)
    expected = dict(zip(["home", "draw", "away"], remove_vig([2.7, 2.3, 4.4], method)))
    frame = soccer_prices().assign(fair=fair)
    for _, row in frame[frame["event_id"] == "m1"].iterrows():
        assert row["fair"] == pytest.approx(expected[row["outcome"]], abs=1e-9)
    assert frame.loc[frame["event_id"] == "m2", "fair"].isna().all()  # the sharp book lacks "away": no fair line


def test_ev_flags_and_kelly():
    result = expected_value(soccer_prices(), min_ev=0.03, kelly_multiplier=0.5)
    assert "pinnacle" not in set(result["bookmaker"])
    home = result[(result["event_id"] == "m1") & (result["outcome"] == "home")].iloc[0]
    p = remove_vig([2.7, 2.3, 4.4])[0]
    assert home["ev"] == pytest.approx(p * 2.9 - 1) and home["ev_pct"] == pytest.approx((p * 2.9 - 1) * 100)
    assert home["is_value"] == (p * 2.9 - 1 >= 0.03)
    assert home["kelly"] == pytest.approx(max(0.0, (p * 2.9 - 1) / 1.9) * 0.5)
    assert not result.loc[result["event_id"] == "m2", "is_value"].any()
    away = result[(result["event_id"] == "m1") & (result["outcome"] == "away")].iloc[0]
    assert away["ev"] < 0 and away["kelly"] == 0 and not away["is_value"]


def test_stale_sharp_prices_give_no_fair_line():
    prices = soccer_prices()
    prices.loc[prices["bookmaker"] == "pinnacle", "last_update"] = NOW - timedelta(hours=2)
    fair = fair_probabilities(prices, now=NOW, max_age=timedelta(minutes=10))
    assert fair.isna().all()


def test_spread_lines_are_matched_to_the_sharp_line():
    prices = pd.DataFrame([
        quote("g", "Heat", "pinnacle", 1.95, "spreads", -4.0), quote("g", "Hornets", "pinnacle", 1.95, "spreads", 4.0),
        quote("g", "Heat", "retail", 2.10, "spreads", -4.0), quote("g", "Heat", "retail", 2.5, "spreads", -5.5),
    ])
    result = expected_value(prices)
    assert result.iloc[0]["fair_probability"] == pytest.approx(0.5)
    assert np.isnan(result.iloc[1]["fair_probability"]) and not result.iloc[1]["is_value"]


def test_kelly_fraction_formula_and_clipping():
    assert kelly_fraction(0.5, 3.0) == pytest.approx(0.25)
    assert kelly_fraction(0.2, 3.0) == 0
    assert kelly_fraction(np.array([0.5, 0.6]), np.array([3.0, 2.0]), 0.25) == pytest.approx([0.0625, 0.05])


def test_latest_sharp_quote_wins_when_the_sharp_book_moved():
    prices = pd.concat([soccer_prices(), pd.DataFrame([quote("m1", "home", "pinnacle", 3.5, age_minutes=60)])])
    frame = prices.assign(fair=fair_probabilities(prices.reset_index(drop=True)).to_numpy())
    home = frame[(frame["event_id"] == "m1") & (frame["outcome"] == "home")]["fair"]
    assert home.to_numpy() == pytest.approx([remove_vig([2.7, 2.3, 4.4])[0]] * len(home))


def test_stale_retail_price_is_not_value():
    """max_age applies to every price compared: a two-day-old retail 2.3 against a fresh 50/50 sharp line would be
    EV 0.5 × 2.3 − 1 = 0.15; it is stale, so no EV and never value, while the same price quoted now is."""
    prices = pd.DataFrame([
        quote("g", "A", "pinnacle", 1.95), quote("g", "B", "pinnacle", 1.95),
        quote("g", "A", "stale_book", 2.3, age_minutes=2 * 24 * 60), quote("g", "A", "fresh_book", 2.3, age_minutes=1),
    ])
    result = expected_value(prices, now=NOW, max_age=timedelta(minutes=5)).set_index("bookmaker")
    assert result.loc["fresh_book", "ev"] == pytest.approx(0.15) and result.loc["fresh_book", "is_value"]
    assert not result.loc["fresh_book", "is_stale"]
    assert result.loc["stale_book", "is_stale"] and not result.loc["stale_book", "is_value"]
    assert np.isnan(result.loc["stale_book", "ev"]) and np.isnan(result.loc["stale_book", "kelly"])
    no_limit = expected_value(prices, now=NOW).set_index("bookmaker")
    assert no_limit.loc["stale_book", "ev"] == pytest.approx(0.15) and not no_limit.loc["stale_book", "is_stale"]


def test_team_totals_of_two_teams_at_one_line_are_two_sharp_markets():
    """Team A's and team B's totals at 110.5 (told apart by ``description``, as The Odds API sends them) are
    de-vigged each on its own pair: multiplicative by hand, p = (1/o) / (1/o_over + 1/o_under)."""
    rows = []
    for team, over, under, retail in (("Lakers", 1.80, 2.05, 2.25), ("Celtics", 2.10, 1.76, 2.40)):
        for outcome, sharp_price, retail_price in (("Over", over, retail), ("Under", under, 1.5)):
            for book, price in (("pinnacle", sharp_price), ("retail", retail_price)):
                rows.append({**quote("g1", outcome, book, price, market="team_totals", point=110.5),
                             "description": team})
    frame = pd.DataFrame(rows)
    fair = frame.assign(fair=fair_probabilities(frame)).query("bookmaker == 'retail'")
    by_team = {(r.description, r.outcome): r.fair for r in fair.itertuples()}
    assert by_team[("Lakers", "Over")] == pytest.approx((1 / 1.80) / (1 / 1.80 + 1 / 2.05), abs=1e-12)
    assert by_team[("Lakers", "Under")] == pytest.approx((1 / 2.05) / (1 / 1.80 + 1 / 2.05), abs=1e-12)
    assert by_team[("Celtics", "Over")] == pytest.approx((1 / 2.10) / (1 / 2.10 + 1 / 1.76), abs=1e-12)
    assert by_team[("Celtics", "Under")] == pytest.approx((1 / 1.76) / (1 / 2.10 + 1 / 1.76), abs=1e-12)
    value = expected_value(frame).set_index(["description", "outcome"])
    assert value.loc[("Celtics", "Over"), "ev"] == pytest.approx(2.40 * (1 / 2.10) / (1 / 2.10 + 1 / 1.76) - 1,
                                                                 abs=1e-12)
