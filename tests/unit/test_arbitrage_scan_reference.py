"""The vectorized arbitrage scan against a brute-force reference written row by row in plain Python.

Why: the scan (integer codes, segment reductions) is tuned for speed, and a faster grouping that merges two lines,
drops a stale-but-quoted draw or picks another book on a tie still looks plausible. The reference below derives the
same answer the slow, obvious way — a dict of markets, each outcome's best fresh price over the books, Σ 1/price —
on frames with the shapes real feeds have: suspended 1.0 prices, NaN prices and points, markets missing a side,
whole-number and pick'em spread lines, three-way moneylines, team totals by description and duplicate quotes. Only
the staking of a candidate (a separate, separately tested concept: :mod:`backtests.betting.arbitrage_stakes`) is
taken from the code, so the test checks which markets are found, with which legs, in which order.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtests.betting.arbitrage import CENT, find_arbitrage, plan_market, to_decimal

NOW = datetime(2024, 6, 5, 12, tzinfo=timezone.utc)
OUTCOMES = {"h2h": ["Arsenal", "Chelsea", "Draw"], "spreads": ["Bears", "Packers"], "totals": ["Over", "Under"],
            "team_totals": ["Over", "Under"], "win": ["#1", "#2", "#3", "#4"]}
POINTS = {"h2h": [math.nan], "spreads": [-3.0, -3.5, -0.25, 0.0, -0.0, math.nan], "totals": [220.5, 221.0, math.nan],
          "team_totals": [110.5, 111.0], "win": [math.nan]}
PRICES = [1.0, math.nan, 1.5, 1.9, 2.05, 2.2, 2.6, 3.1, 3.6, 4.2, 5.5, 9.0]


@st.composite
def quotes(draw) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        market = draw(st.sampled_from(sorted(OUTCOMES)))
        point = draw(st.sampled_from(POINTS[market]))
        outcome = draw(st.sampled_from(OUTCOMES[market]))
        if market == "spreads" and outcome == "Packers" and draw(st.booleans()):
            point = -point  # the usual quote: each side's own handicap
        rows.append({"event_id": draw(st.sampled_from(["e1", "e2"])), "market": market, "point": point,
                     "outcome": outcome, "bookmaker": draw(st.sampled_from(["b1", "b2", "b3", "b4"])),
                     "price_decimal": draw(st.sampled_from(PRICES)),
                     "last_update": NOW - timedelta(minutes=draw(st.sampled_from([0, 30]))),
                     "description": draw(st.sampled_from([None, math.nan, "Heat"])) if market == "team_totals"
                     else None,
                     "sport": draw(st.sampled_from(["soccer_epl", "basketball_nba"]))})
    if draw(st.booleans()):
        rows += draw(st.lists(st.sampled_from(rows), max_size=5))  # exact duplicate quotes
    return pd.DataFrame(rows)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def reference(frame: pd.DataFrame, min_profit: float, max_age: timedelta | None) -> list[tuple]:
    """(event, market, line, description, legs, implied Σ) of every arbitrage, best first, derived row by row."""
    rows = frame.to_dict("records")
    first_outcome = {}  # spreads: the first outcome by name of each (event, market) carries the line
    for row in rows:
        key = (row["event_id"], row["market"])
        first_outcome[key] = min(first_outcome.get(key, row["outcome"]), row["outcome"])
    newest = max(row["last_update"] for row in rows)
    markets: dict[tuple, dict] = {}  # insertion order = first appearance of the market
    for position, row in enumerate(rows):
        point = row["point"]
        if row["market"] == "spreads" and row["outcome"] != first_outcome[(row["event_id"], row["market"])]:
            point = -point
        line = "nan" if math.isnan(point) else point + 0.0
        description = "" if _missing(row.get("description")) else row["description"]
        outcomes = markets.setdefault((row["event_id"], row["market"], line, description), {})
        best = outcomes.setdefault(row["outcome"], None)
        price = row["price_decimal"]
        usable = math.isfinite(price) and price > 1.0 and (max_age is None or row["last_update"] >= newest - max_age)
        if usable and (best is None or price > best[0]):
            outcomes[row["outcome"]] = (price, position, row)
    found = []
    for (event, market, line, description), outcomes in markets.items():
        if len(outcomes) < 2 or any(best is None for best in outcomes.values()):
            continue
        implied = sum(1 / best[0] for best in outcomes.values())
        if implied * (1 + min_profit) >= 1 + 1e-9:
            continue
        names = sorted(outcomes)
        legs = [outcomes[name][2] for name in names]
        point = math.nan if line == "nan" else line
        try:
            plan = plan_market(market, names, [leg["price_decimal"] for leg in legs], [leg["bookmaker"] for leg in legs],
                               point, Decimal(100), None, legs[0]["sport"])
        except ValueError:  # a market that cannot be settled as a line is skipped, never guessed
            continue
        if plan.profit < CENT or plan.profit <= Decimal(repr(min_profit)) * plan.total_stake:
            continue
        found.append((float(plan.profit_pct), event, market, point, description or None,
                      [(leg["bookmaker"], leg["outcome"], to_decimal(leg["price_decimal"]), stake)
                       for leg, stake in zip(legs, plan.stakes)], implied))
    found.sort(key=lambda item: -item[0])  # stable: equal profits keep the markets' first-appearance order
    return found


def scanned(frame: pd.DataFrame, min_profit: float, max_age: timedelta | None) -> list[tuple]:
    result = find_arbitrage(frame, min_profit=min_profit, max_age=max_age)
    return [(row.profit_pct, row.event_id, row.market, row.point, row.description,
             [(leg["bookmaker"], leg["outcome"], leg["price"], leg["stake"]) for leg in row.legs], row.implied_sum)
            for row in result.itertuples(index=False)]


def same(left: list[tuple], right: list[tuple]) -> bool:
    def key(item):  # everything but the implied sum, NaN lines made comparable
        return item[:3], "nan" if math.isnan(item[3]) else item[3], item[4], item[5]
    return ([key(item) for item in left] == [key(item) for item in right]
            and all(math.isclose(a[6], b[6], rel_tol=1e-12) for a, b in zip(left, right)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quotes(), st.sampled_from([0.0, 0.01]), st.sampled_from([None, timedelta(minutes=5)]))
def test_scan_matches_the_row_by_row_reference(frame, min_profit, max_age):
    expected, actual = reference(frame, min_profit, max_age), scanned(frame, min_profit, max_age)
    assert same(actual, expected), (actual, expected)


def test_reference_shapes_are_exercised():
    """The hand-written frame the generator aims at: each shape present, and the scan agrees on it."""
    rows = [("e1", "h2h", math.nan, "Arsenal", "b1", 3.6), ("e1", "h2h", math.nan, "Chelsea", "b2", 3.6),
            ("e1", "h2h", math.nan, "Draw", "b3", 1.0), ("e1", "h2h", math.nan, "Draw", "b4", 4.2),  # suspended + live
            ("e1", "spreads", -3.5, "Bears", "b1", 2.2), ("e1", "spreads", 3.5, "Packers", "b2", 2.05),
            ("e1", "spreads", 3.5, "Packers", "b2", 2.05),  # duplicate quote
            ("e1", "spreads", -3.0, "Bears", "b3", 2.2), ("e1", "spreads", 3.0, "Packers", "b4", 2.2),  # push line
            ("e2", "totals", 220.5, "Over", "b1", 2.2),  # missing its Under
            ("e2", "win", math.nan, "#1", "b1", 2.6), ("e2", "win", math.nan, "#2", "b2", 3.6),
            ("e2", "win", math.nan, "#3", "b3", 9.0), ("e2", "win", math.nan, "#4", "b4", math.nan)]
    frame = pd.DataFrame([{"event_id": e, "market": m, "point": p, "outcome": o, "bookmaker": b, "price_decimal": x,
                           "last_update": NOW, "description": None, "sport": "soccer_epl"}
                          for e, m, p, o, b, x in rows])
    expected = reference(frame, 0.0, None)
    # h2h (the suspended draw ignored, the live one used) and the -3.5 spread; not the -3 push, the one-sided total
    # or the race with a NaN price
    assert sorted((item[2], str(item[3])) for item in expected) == [("h2h", "nan"), ("spreads", "-3.5")]
    assert same(scanned(frame, 0.0, None), expected)
