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

from backtests.betting.arbitrage import find_arbitrage, optimal_stakes, plan_stakes
from backtests.betting.arbitrage_stakes import scenario_returns
from backtests.betting.odds import OddsError
from backtests.betting.scenarios import Selection, payoffs

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
    # 488.10 × 2.15 = 1049.415 and 511.90 × 2.05 = 1049.395: the rounded stakes guarantee 49.395 on 1,000
    assert row["profit_pct"] == 4.9395 and row["guaranteed_return"] == Decimal("1049.395")
    assert row["total_stake"] == Decimal(1000)
    assert {leg["outcome"]: leg["stake"] for leg in row["legs"]} == {"home": Decimal("488.10"),
                                                                     "away": Decimal("511.90")}


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
    rows = [quote("g", "spreads", "Heat", "b1", 2.1, point=-4.5), quote("g", "spreads", "Hornets", "b1", 1.7, 4.5),
            quote("g", "spreads", "Heat", "b2", 1.7, point=-3.5), quote("g", "spreads", "Hornets", "b2", 2.1, 3.5),
            quote("g", "totals", "Over", "b1", 2.1, point=220.5), quote("g", "totals", "Under", "b2", 2.1, 221.5)]
    assert find_arbitrage(pd.DataFrame(rows)).empty
    rows.append(quote("g", "spreads", "Hornets", "b3", 2.1, point=4.5))
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


# Issue 14, item 1: a line that can push (or half-lose) is an arbitrage only if the worst result still profits.
def line_pair(market, names, points, prices=(2.08, 2.08)):
    return pd.DataFrame([quote("g", market, name, book, price, point=point)
                         for name, book, price, point in zip(names, ("b1", "b2"), prices, points)])


def test_whole_number_spread_and_total_that_push_are_not_arbitrage():
    # 50/50 at 2.08 returns 104 either way, but a margin of exactly 3 (a total of exactly 45) pushes both: 100 back.
    spread = line_pair("spreads", ("Bears", "Packers"), (-3.0, 3.0))
    total = line_pair("totals", ("Over", "Under"), (45.0, 45.0))
    assert find_arbitrage(spread, min_profit=0.0).empty and find_arbitrage(total, min_profit=0.0).empty
    half = find_arbitrage(line_pair("spreads", ("Bears", "Packers"), (-3.5, 3.5)), min_profit=0.0)
    assert half["guaranteed_return"].tolist() == [Decimal("104.00")] and half["profit"].tolist() == [Decimal("4.00")]


def test_quarter_line_is_staked_for_its_half_loss():
    # −0.25 / +0.25 at 2.08: 50/50 returns 25 + 77 = 102 on a draw. The best cent split, 49.36 / 50.64, returns
    # 49.36 × 0.5 + 50.64 × 1.54 = 102.6656 on a draw, 102.6688 on a home win and 105.3312 on an away win.
    found = find_arbitrage(line_pair("spreads", ("Arsenal", "Chelsea"), (-0.25, 0.25)), min_profit=0.0)
    row = found.iloc[0]
    assert [leg["stake"] for leg in row["legs"]] == [Decimal("49.36"), Decimal("50.64")]
    assert row["guaranteed_return"] == Decimal("102.6656") and row["profit_pct"] == 2.6656
    legs = [Selection("home", Decimal("-0.25")), Selection("away", Decimal("0.25"))]
    even_split = scenario_returns([Decimal(50)] * 2, payoffs("spreads", legs, [Decimal("2.08")] * 2))
    assert sorted(even_split) == [Decimal("102.00"), Decimal("104.00"), Decimal("104.00"), Decimal("104.00")]


# Item 2: the filter is what the rounded stakes guarantee.
def test_tiny_stakes_that_cannot_profit_are_not_reported():
    legs = pd.DataFrame([quote("m", "h2h", o, b, 3.05) for o, b in (("home", "b1"), ("draw", "b2"), ("away", "b3"))])
    # 0.02 / 0.02 / 0.01 returns 0.0305 in the worst case: a loss of 0.0195
    assert find_arbitrage(legs, total_stake=Decimal("0.05")).empty
    assert plan_stakes([3.05] * 3, Decimal("0.05")).profit == Decimal("-0.0195")
    # a 0.02 limit allows 0.02 on each leg: 0.061 back on 0.06, a tenth of a cent, which is no money
    assert find_arbitrage(legs, max_stakes={"b1": Decimal("0.02")}).empty
    assert len(find_arbitrage(legs)) == 1


# Item 3: the smallest limit binds, every leg stays balanced, a zero limit stakes nothing.
def test_the_tightest_book_limit_binds():
    plan = plan_stakes([2.1, 2.1], Decimal(1000), ["b1", "b2"], {"b1": Decimal(100), "b2": Decimal(300)})
    assert plan.stakes == [Decimal(100), Decimal(100)] and plan.binding_bookmaker == "b1"
    assert plan.guaranteed_return == Decimal(210) and plan.profit == Decimal(10)
    three = plan_stakes([3.3] * 3, Decimal(1000), ["b1", "b2", "b3"], {"b1": 100, "b2": 150, "b3": 200})
    assert three.stakes == [Decimal(100)] * 3 and three.total_stake == Decimal(300) and three.profit == Decimal(30)
    zero = plan_stakes([2.1, 2.1], Decimal(1000), ["b1", "b2"], {"b1": 0})
    assert zero.stakes == [0, 0] and zero.total_stake == 0 and zero.profit == 0 and zero.binding_bookmaker == "b1"


def test_a_zero_limit_skips_its_market_and_the_scan_goes_on():
    rows = [quote("e1", "h2h", "home", "b1", 2.1), quote("e1", "h2h", "away", "b2", 2.1),
            quote("e2", "h2h", "home", "b3", 2.1), quote("e2", "h2h", "away", "b4", 2.1)]
    found = find_arbitrage(pd.DataFrame(rows), max_stakes={"b1": Decimal(0)})
    assert found["event_id"].tolist() == ["e2"] and found["profit"].tolist() == [Decimal("5.00")]


# Issue 14, item 11: team totals pair only within one team (the outcome description).
def test_team_totals_pair_only_within_one_team():
    rows = [quote("g", "team_totals", "Over", "b1", 2.1, 24.5) | {"description": "Lakers"},
            quote("g", "team_totals", "Under", "b2", 2.1, 24.5) | {"description": "Celtics"},
            quote("g", "team_totals", "Under", "b1", 1.7, 24.5) | {"description": "Lakers"},
            quote("g", "team_totals", "Over", "b2", 1.7, 24.5) | {"description": "Celtics"},
            quote("g", "h2h", "Lakers", "b1", 2.1) | {"description": None},
            quote("g", "h2h", "Celtics", "b2", 2.1) | {"description": float("nan")}]
    found = find_arbitrage(pd.DataFrame(rows))
    assert found["market"].tolist() == ["h2h"] and found["description"].tolist() == [None]
    rows.append(quote("g", "team_totals", "Under", "b3", 2.1, 24.5) | {"description": "Lakers"})
    found = find_arbitrage(pd.DataFrame(rows))
    lakers = found[found["market"] == "team_totals"]
    assert lakers["description"].tolist() == ["Lakers"]
    assert {leg["bookmaker"] for leg in lakers.iloc[0]["legs"]} == {"b1", "b3"}


def test_a_soccer_moneyline_missing_its_draw_is_not_two_way():
    rows = [quote("m", "h2h", "Arsenal", "b1", 2.3) | {"sport": "soccer_epl"},
            quote("m", "h2h", "Chelsea", "b2", 2.3) | {"sport": "soccer_epl"}]
    assert find_arbitrage(pd.DataFrame(rows)).empty  # a draw would lose both legs
    assert len(find_arbitrage(pd.DataFrame(rows).assign(sport="basketball_nba"))) == 1


def test_readme_arbitrage_example_prints_what_it_shows():
    import doctest
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("```python", readme.index("**Arbitrage.**")) + len("```python")
    section = readme[start:readme.index("```", start)]
    test = doctest.DocTestParser().get_doctest(section, {}, "README arbitrage", "README.md", 0)
    assert len(test.examples) == 4  # import Decimal, import plan_stakes, plan, the printed figures
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
