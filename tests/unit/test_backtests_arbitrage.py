"""Arbitrage stakes (cent rounding, book limits) and the vectorized scan (coverage, lines, staleness)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backtests.arbitrage import find_arbitrage, optimal_stakes, plan_stakes
from backtests.odds import OddsError

CENT = Decimal("0.01")
NOW = datetime(2024, 6, 5, 12, tzinfo=timezone.utc)


def quote(event, market, outcome, book, price, point=None, age_minutes=0):
    return {"event_id": event, "market": market, "point": point, "outcome": outcome, "bookmaker": book,
            "price_decimal": price, "last_update": NOW - timedelta(minutes=age_minutes)}


def test_worked_example_from_the_issue():
    stakes = optimal_stakes([2.15, 2.05], Decimal(1000))
    assert sum(stakes) == Decimal(1000)
    assert abs(stakes[0] - Decimal("488.09")) <= CENT and abs(stakes[1] - Decimal("511.91")) <= CENT
    plan = plan_stakes([2.15, 2.05], Decimal(1000))
    assert plan.guaranteed_return == Decimal("1049.3950") and plan.profit == Decimal("49.3950")


def test_book_limit_scales_the_whole_plan_and_names_the_binding_book():
    plan = plan_stakes([2.15, 2.05], Decimal(1000), ["alpha", "beta"], {"beta": Decimal(300), "alpha": Decimal(900)})
    assert plan.binding_bookmaker == "beta" and plan.stakes[1] <= Decimal(300)
    assert plan.total_stake == sum(plan.stakes) < Decimal(1000) and plan.profit > 0
    assert plan_stakes([2.15, 2.05], Decimal(1000), ["a", "b"], {"a": Decimal(5000)}).binding_bookmaker is None


def test_bad_input_is_rejected():
    with pytest.raises(OddsError):
        optimal_stakes([2.0, 1.0], Decimal(100))
    with pytest.raises(ValueError):
        optimal_stakes([2.0, 2.0], Decimal("100.001"))


odds_lists = st.lists(st.decimals(Decimal("1.05"), Decimal("30"), places=2), min_size=2, max_size=6)
totals = st.integers(100, 10_000_000).map(lambda cents: Decimal(cents) / 100)


@given(odds_lists, totals)
def test_stakes_sum_to_total_and_returns_agree_within_a_cent(odds, total):
    stakes = optimal_stakes(odds, total)
    assert sum(stakes) == total and all(stake == stake.quantize(CENT) for stake in stakes)
    returns = [stake * price for stake, price in zip(stakes, odds)]
    # Cent stakes cannot balance returns finer than one cent of stake times the price; that is the bound to meet.
    assert max(returns) - min(returns) <= CENT * max(odds)


@settings(max_examples=60)
@given(st.lists(st.decimals(Decimal("1.05"), Decimal("12"), places=2), min_size=2, max_size=3), totals)
def test_cent_rounding_maximizes_the_worst_case_return(odds, total):
    """Brute force every cent rounding within two cents of the ideal stakes that spends exactly the total."""
    chosen = min(stake * price for stake, price in zip(optimal_stakes(odds, total), odds))
    ideal = [total / price / sum(1 / o for o in odds) for price in odds]
    nearby = [[stake.quantize(CENT) + CENT * k for k in range(-2, 3)] for stake in ideal]
    best = max(min(s * p for s, p in zip(stakes, odds)) for stakes in itertools.product(*nearby)
               if sum(stakes) == total)
    assert chosen == best


def two_way(prices_by_book, event="e1", market="h2h", min_profit=0.01, **kwargs):
    rows = [quote(event, market, outcome, book, price) for book, pair in prices_by_book.items()
            for outcome, price in zip(("home", "away"), pair)]
    return find_arbitrage(pd.DataFrame(rows), min_profit=min_profit, **kwargs)


def test_two_way_arbitrage_across_books():
    found = two_way({"b1": (2.15, 1.80), "b2": (1.70, 2.05)}, total_stake=Decimal(1000))
    assert len(found) == 1
    row = found.iloc[0]
    assert {(leg["bookmaker"], leg["outcome"]) for leg in row["legs"]} == {("b1", "home"), ("b2", "away")}
    assert row["implied_sum"] == pytest.approx(1 / 2.15 + 1 / 2.05)
    assert row["profit_pct"] == pytest.approx((1 / (1 / 2.15 + 1 / 2.05) - 1) * 100)
    assert sum(leg["stake"] for leg in row["legs"]) == Decimal(1000)


def test_min_profit_threshold():
    assert two_way({"b1": (2.02, 1.5), "b2": (1.5, 2.02)}).empty  # Σ = 0.990: below 1 but not below 1 − 1 %
    assert len(two_way({"b1": (2.02, 1.5), "b2": (1.5, 2.02)}, min_profit=0.005)) == 1


def test_three_way_market_is_judged_on_all_three_outcomes():
    rows = [quote("m", "h2h", "home", "b1", 3.4), quote("m", "h2h", "away", "b2", 3.4),
            quote("m", "h2h", "draw", "b1", 2.2)]
    assert find_arbitrage(pd.DataFrame(rows)).empty  # home + away alone would sum to 0.59
    rows.append(quote("m", "h2h", "draw", "b3", 2.6))
    found = find_arbitrage(pd.DataFrame(rows))
    assert len(found) == 1 and len(found.iloc[0]["legs"]) == 3


def test_stale_best_price_is_ignored_but_still_proves_the_outcome_exists():
    rows = [quote("m", "h2h", "home", "b1", 2.2), quote("m", "h2h", "away", "b2", 2.2, age_minutes=30),
            quote("m", "h2h", "away", "b3", 1.6)]
    assert len(find_arbitrage(pd.DataFrame(rows))) == 1
    assert find_arbitrage(pd.DataFrame(rows), now=NOW, max_age=timedelta(minutes=5)).empty
    only_stale = [quote("m", "h2h", "home", "b1", 2.2), quote("m", "h2h", "away", "b2", 2.2, age_minutes=30)]
    assert find_arbitrage(pd.DataFrame(only_stale), now=NOW, max_age=timedelta(minutes=5)).empty


def test_spreads_and_totals_compare_only_the_same_line():
    rows = [quote("g", "spreads", "Heat", "b1", 2.1, point=-4.0), quote("g", "spreads", "Hornets", "b1", 1.7, 4.0),
            quote("g", "spreads", "Heat", "b2", 1.7, point=-3.5), quote("g", "spreads", "Hornets", "b2", 2.1, 3.5),
            quote("g", "totals", "Over", "b1", 2.1, point=220.5), quote("g", "totals", "Under", "b2", 2.1, 221.5)]
    assert find_arbitrage(pd.DataFrame(rows)).empty
    rows.append(quote("g", "spreads", "Hornets", "b3", 2.1, point=4.0))
    found = find_arbitrage(pd.DataFrame(rows))
    assert len(found) == 1 and found.iloc[0]["market"] == "spreads"
    assert {leg["outcome"] for leg in found.iloc[0]["legs"]} == {"Heat", "Hornets"}


def test_racing_win_market_across_books():
    fair = np.array([0.4, 0.3, 0.2, 0.1])
    rows = [quote("race-1", "win", f"#{n}", book, round(float(1 / p / 1.1), 2)) for book in ("b1", "b2")
            for n, p in enumerate(fair, 1)]
    assert find_arbitrage(pd.DataFrame(rows)).empty
    rows.append(quote("race-1", "win", "#4", "b3", 20.0))
    rows.append(quote("race-1", "win", "#3", "b3", 8.0))
    found = find_arbitrage(pd.DataFrame(rows))
    assert len(found) == 1 and len(found.iloc[0]["legs"]) == 4


@given(st.lists(st.tuples(st.sampled_from(["b1", "b2", "b3"]), st.sampled_from(["x", "y", "z"]),
                          st.floats(1.01, 20)), min_size=1, max_size=12))
def test_no_arbitrage_reported_when_best_prices_sum_to_at_least_one(quotes):
    frame = pd.DataFrame([quote("e", "h2h", outcome, book, price) for book, outcome, price in quotes])
    best = frame.groupby("outcome")["price_decimal"].max()
    found = find_arbitrage(frame, min_profit=0.0)
    if (1 / best).sum() >= 1 or len(best) < 2:
        assert found.empty
    else:
        assert len(found) == 1 and found.iloc[0]["implied_sum"] == pytest.approx((1 / best).sum())
