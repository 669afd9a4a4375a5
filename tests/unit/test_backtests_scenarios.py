"""Settlement of lines against published rules, and the arbitrage scan against a brute-force enumeration.

The oracle here is written independently of ``backtests.betting.scenarios``: it settles from the two scores (a team's score
plus its handicap against the other's), splits a quarter-line stake into two bets itself, and tries every score in
a wide range instead of the few results the module picks. The scanner and ``plan_stakes`` must agree with it.
"""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backtests.betting.arbitrage import find_arbitrage, plan_stakes
from backtests.betting.scenarios import Result, ScenarioError, Selection, moneyline_returns, payoffs, scenarios, settle

D = Decimal
CENT = D("0.01")


@pytest.mark.parametrize("market, side, point, score, price, expected", [
    # whole line: win, push, lose (Bears −3 at 2.08)
    ("spreads", "home", "-3", (27, 21), "2.08", "2.08"), ("spreads", "home", "-3", (24, 21), "2.08", "1"),
    ("spreads", "away", "3", (24, 21), "2.08", "1"), ("spreads", "home", "-3", (23, 21), "2.08", "0"),
    # quarter lines: −0.25 on a draw is a half-loss, +0.25 a half-win, −0.75 by one goal a half-win
    ("spreads", "home", "-0.25", (1, 1), "2.08", "0.5"), ("spreads", "away", "0.25", (1, 1), "2.08", "1.54"),
    ("spreads", "home", "-0.75", (2, 1), "1.90", "1.45"), ("spreads", "home", "-0.75", (3, 1), "1.90", "1.90"),
    ("spreads", "away", "0.75", (2, 1), "2.00", "0.5"), ("alternate_spreads", "away", "1.25", (2, 1), "2.0", "1.5"),
    # totals 45.0 push, 45.25 half-loss over / half-win under, 44.5 plain
    ("totals", "over", "45", (24, 21), "2.08", "1"), ("totals", "under", "45", (24, 20), "2.08", "2.08"),
    ("totals", "over", "45.25", (24, 21), "2.00", "0.5"), ("totals", "under", "45.25", (24, 21), "2.00", "1.5"),
    ("alternate_totals", "over", "44.5", (24, 21), "1.91", "1.91"),
    # moneylines: two-way refunds a tie, three-way pays only the draw (item 4: 1-1 and 0-2)
    ("h2h", "home", None, (100, 100), "1.80", "1"), ("h2h", "away", None, (99, 100), "2.10", "2.10"),
])
def test_published_settlement_rules(market, side, point, score, price, expected):
    result = Result(*score)
    assert settle(market, Selection(side, None if point is None else D(point)), result, D(price)) == D(expected)


def test_three_way_moneyline_item_4():
    prices = {"home": D("2.60"), "away": D("2.90"), "draw": D("3.40")}
    at = lambda score: {side: settle("h2h", Selection(side), Result(*score), price, three_way=True)  # noqa: E731
                        for side, price in prices.items()}
    assert at((1, 1)) == {"home": 0, "away": 0, "draw": D("3.40")}
    assert at((0, 2)) == {"home": 0, "away": D("2.90"), "draw": 0}
    assert at((3, 0)) == {"home": D("2.60"), "away": 0, "draw": 0}


def test_engine_moneyline_rows_settle_here_and_a_bad_row_is_nan():
    gross = moneyline_returns(["home", "draw", "away", "Arsenal", "home"], [1, 0, 0, 1, float("nan")],
                              [2.6, 3.4, 2.9, 2.6, 2.6], [True, True, False, True, True])
    assert gross[:3].tolist() == [2.6, 3.4, 1.0] and np.isnan(gross[3:]).all()


def test_team_totals_void_and_bad_input():
    assert settle("team_totals", Selection("over", D("24.5"), "away"), Result(30, 25), D("1.9")) == D("1.9")
    assert settle("team_totals", Selection("over", D("24.5")), Result(total=24), D("1.9")) == 0
    assert settle("spreads", Selection("home", D("-3")), Result(void=True), D("2.08")) == 1
    with pytest.raises(ScenarioError, match="'Bears'"):
        settle("spreads", Selection("Bears", D("-3")), Result(24, 21), D("2.08"))
    with pytest.raises(ScenarioError, match="'win'"):
        settle("win", Selection("home"), Result(1, 0), D("2.0"))
    with pytest.raises(ScenarioError, match="no point"):
        settle("totals", Selection("over"), Result(1, 0), D("2.0"))


def test_scenarios_visit_every_side_of_every_line():
    margins = [r.margin() for r in scenarios("spreads", [Selection("home", D("-3")), Selection("away", D("3.5"))])]
    assert margins == [2, 3, 4, 5]  # below both lines, on 3 (a push), between 3 and 3.5, above both
    totals = [r.total for r in scenarios("totals", [Selection("over", D("0.75")), Selection("under", D("0.75"))])]
    assert totals == [0, 1, 2]  # never below zero; 0.75 is the 0.5 and 1.0 lines
    assert [r.margin() for r in scenarios("h2h", [], three_way=True)] == [1, 0, -1]


# ---------- the brute-force oracle


def oracle_return(kind: str, side: str, point: Fraction | None, home: int, away: int, price: Fraction,
                  three_way: bool) -> Fraction:
    """One bet, settled from the scores; a quarter line is two bets of half the stake, settled one by one."""
    if kind == "h2h":
        if side == "draw":
            return price if home == away else Fraction(0)
        mine, theirs = (home, away) if side == "home" else (away, home)
        if mine == theirs:
            return Fraction(0) if three_way else Fraction(1)
        return price if mine > theirs else Fraction(0)
    quarter = (point * 4).denominator == 1 and (point * 4).numerator % 2 != 0
    lines = [point - Fraction(1, 4), point + Fraction(1, 4)] if quarter else [point]
    total = Fraction(0)
    for line in lines:
        if kind == "spread":
            mine, theirs = (home, away) if side == "home" else (away, home)
            score, against = mine + line, theirs
        else:
            score, against = (home + away, line) if side == "over" else (line, home + away)
        total += price if score > against else 1 if score == against else 0
    return total / len(lines)


SHAPES = {"h2h2": ("h2h", ["Alpha", "Beta"]), "h2h3": ("h2h", ["Alpha", "Beta", "Draw"]),
          "spread": ("spreads", ["Alpha", "Beta"]), "total": ("totals", ["Over", "Under"])}


def oracle_results(shape: str):
    if shape == "total":
        return [(t, 0) for t in range(30, 61)]
    if shape == "spread":
        return [(20 + m, 20) if m >= 0 else (20, 20 - m) for m in range(-12, 13)]
    return [(h, a) for h, a in ((2, 0), (1, 1), (0, 2)) if shape == "h2h3" or h != a]


def oracle_worst(shape, sides, points, prices, stakes) -> Fraction:
    kind = {"h2h2": "h2h", "h2h3": "h2h"}.get(shape, shape)
    return min(sum(Fraction(s) * oracle_return(kind, side, point, h, a, Fraction(p), shape == "h2h3")
                   for side, point, p, s in zip(sides, points, prices, stakes)) for h, a in oracle_results(shape))


def cent_splits(total: Decimal, legs: int):
    cents = int(total / CENT)
    for cut in itertools.combinations(range(cents + legs - 1), legs - 1):
        parts = [b - a - 1 for a, b in zip((-1, *cut), (*cut, cents + legs - 1))]
        yield [D(p) * CENT for p in parts]


@st.composite
def markets(draw):
    shape = draw(st.sampled_from(sorted(SHAPES)))
    market, names = SHAPES[shape]
    line = D(draw(st.integers(-28, 28))) / 4 if shape == "spread" else D(draw(st.integers(160, 200))) / 4
    rows = []
    for name in names:
        for book in draw(st.lists(st.sampled_from(["b1", "b2", "b3"]), min_size=1, max_size=3, unique=True)):
            price = draw(st.decimals(D("1.40"), D("4.50"), places=2) if name != "Draw" else
                         st.decimals(D("2.50"), D("5.00"), places=2))
            point = None if shape.startswith("h2h") else (line if name in ("Alpha", "Over", "Under") else -line)
            rows.append({"event_id": "e", "market": market, "point": None if point is None else float(point),
                         "outcome": name, "bookmaker": book, "price_decimal": float(price),
                         "last_update": pd.Timestamp("2024-06-05T12:00Z")})
    tiny = draw(st.booleans())
    total = D(draw(st.integers(2, 40))) * CENT if tiny else D(100)
    caps = draw(st.none() | st.dictionaries(st.sampled_from(["b1", "b2", "b3"]),
                                            st.integers(0, 6000).map(lambda c: D(c) * CENT), max_size=2))
    return shape, line, pd.DataFrame(rows), total, caps


def sides_and_points(shape, line, outcomes):
    sides = {"Alpha": "home", "Beta": "away", "Draw": "draw", "Over": "over", "Under": "under"}
    points = {"Alpha": line, "Beta": -line, "Over": line, "Under": line}
    return ([sides[o] for o in outcomes],
            [Fraction(points[o]) if shape in ("spread", "total") else None for o in outcomes])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets())
def test_scanner_agrees_with_brute_force(market):
    shape, line, frame, total, caps = market
    found = find_arbitrage(frame, min_profit=0.0, total_stake=total, max_stakes=caps)
    best = frame.groupby("outcome")["price_decimal"].max()
    outcomes = sorted(best.index)
    sides, points = sides_and_points(shape, line, outcomes)
    prices = [D(repr(float(best[o]))) for o in outcomes]
    assert len(found) <= 1
    event(f"{shape}: {'reported' if len(found) else 'none'}{' (capped)' if caps else ''}")
    for row in found.itertuples():
        stakes = {leg["outcome"]: leg["stake"] for leg in row.legs}
        assert [leg["price"] for leg in row.legs] == [prices[outcomes.index(leg["outcome"])] for leg in row.legs]
        assert all(s >= 0 and s == s.quantize(CENT) for s in stakes.values())
        assert sum(stakes.values()) == row.total_stake <= total
        for book, cap in (caps or {}).items():
            assert sum(leg["stake"] for leg in row.legs if leg["bookmaker"] == book) <= cap
        worst = oracle_worst(shape, sides, points, prices, [stakes[o] for o in outcomes])
        assert worst == Fraction(row.guaranteed_return) and row.guaranteed_return - row.total_stake >= CENT
    if not caps and total <= D("0.40"):  # small enough to try every cent split: the scanner must find the best
        brute = max(oracle_worst(shape, sides, points, prices, split) for split in cent_splits(total, len(outcomes)))
        if brute - Fraction(total) >= Fraction(CENT):
            assert len(found) == 1 and Fraction(found.iloc[0]["guaranteed_return"]) == brute
        else:
            assert found.empty


@settings(max_examples=80, deadline=None)
@given(st.lists(st.decimals(D("1.05"), D("6"), places=2), min_size=2, max_size=3),
       st.integers(2, 30).map(lambda c: D(c) * CENT),
       st.lists(st.none() | st.integers(0, 40).map(lambda c: D(c) * CENT), min_size=3, max_size=3))
def test_plan_stakes_against_every_cent_split(odds, total, limits):
    books = [f"b{i}" for i in range(len(odds))]
    caps = {b: cap for b, cap in zip(books, limits) if cap is not None}
    plan = plan_stakes(odds, total, books, caps)
    assert all(stake <= caps.get(book, total) for stake, book in zip(plan.stakes, books))
    assert plan.total_stake == sum(plan.stakes) <= total
    if plan.total_stake:
        assert plan.guaranteed_return == min(s * o for s, o in zip(plan.stakes, odds))
        best = max(min(s * o for s, o in zip(split, odds)) for split in cent_splits(plan.total_stake, len(odds))
                   if all(s <= caps.get(b, total) for s, b in zip(split, books)))
        assert plan.guaranteed_return == best  # the best worst case at the total it stakes


def test_payoff_rows_match_the_oracle_on_a_quarter_line():
    legs = [Selection("home", D("-0.75")), Selection("away", D("0.75"))]
    rows = payoffs("spreads", legs, [D("1.9"), D("2.0")])
    results = scenarios("spreads", legs)
    for row, result in zip(rows, results):
        home, away = int(result.home_score), int(result.away_score)
        assert row == [oracle_return("spread", "home", Fraction(-3, 4), home, away, Fraction(19, 10), False),
                       oracle_return("spread", "away", Fraction(3, 4), home, away, Fraction(2), False)]
