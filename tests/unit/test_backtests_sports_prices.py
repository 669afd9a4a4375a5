"""Sports decisions on recorded bookmaker prices (``sports_prices.prepare_sports_prices``) and the strategies that
bet them: the sharp no-vig fair value per market and line, settlement of pushes, quarter lines and draws, closing-line
value only against the same line, and ``ev_vs_sharp`` / ``home_underdog`` with hand-computed bets, P&L and CLV.

The frames here are what ``odds_at.odds_as_of`` and ``closing_lines`` return (the as-of read itself is tested on
PostgreSQL in ``tests/integration/test_sports_backtests.py``)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.betting.staking import Staking
from backtests.engine import run_prepared
from backtests.odds_at import COLUMNS
from backtests.sports_prices import prepare_sports_prices
from backtests.strategies import ParameterError, get_strategy

FLAT = Staking("flat", flat_stake=1.0)
E1_START, E2_START, E3_START = (pd.Timestamp("2025-03-01T00:00Z"), pd.Timestamp("2025-03-01T02:00Z"),
                                pd.Timestamp("2025-03-01T15:00Z"))
EVENTS = pd.DataFrame({
    "event_id": ["E1", "E2", "E3"], "sport": ["basketball_nba", "basketball_nba", "soccer_epl"],
    "home_team": ["Celtics", "Lakers", "Arsenal"], "away_team": ["Heat", "Suns", "Chelsea"],
    "commence_time": [E1_START, E2_START, E3_START], "home_score": [110, 100, 1], "away_score": [107, 104, 1]})
H = pd.Timedelta(hours=1)
# (event, book, market, outcome, point, price) as of one hour before each start
AS_OF = [
    # E1 Celtics v Heat, 110-107. Pinnacle h2h 1.80 / 2.10: no-vig Celtics (1/1.8)/(1/1.8 + 1/2.1) = 7/13
    ("E1", "pinnacle", "h2h", "Celtics", None, 1.80), ("E1", "pinnacle", "h2h", "Heat", None, 2.10),
    ("E1", "retail_a", "h2h", "Celtics", None, 1.95), ("E1", "retail_a", "h2h", "Heat", None, 2.05),
    ("E1", "retail_b", "h2h", "Celtics", None, 1.90),  # retail_b does not quote the Heat
    ("E1", "retail_c", "h2h", "Celtics", None, 1.00), ("E1", "retail_c", "h2h", "Heat", None, 2.00),  # suspended
    ("E1", "pinnacle", "spreads", "Celtics", -3.0, 1.95), ("E1", "pinnacle", "spreads", "Heat", 3.0, 1.95),
    ("E1", "retail_a", "spreads", "Celtics", -3.0, 2.10), ("E1", "retail_a", "spreads", "Heat", 3.0, 1.80),
    ("E1", "retail_b", "spreads", "Celtics", -3.5, 2.20),  # a line pinnacle does not quote: no fair value
    ("E1", "pinnacle", "totals", "Over", 215.5, 1.90), ("E1", "pinnacle", "totals", "Under", 215.5, 1.90),
    ("E1", "retail_a", "totals", "Over", 215.5, 2.08), ("E1", "retail_a", "totals", "Under", 215.5, 1.75),
    # E2 Lakers v Suns, 100-104: the home side is the underdog
    ("E2", "pinnacle", "h2h", "Lakers", None, 2.50), ("E2", "pinnacle", "h2h", "Suns", None, 1.60),
    ("E2", "retail_a", "h2h", "Lakers", None, 2.40), ("E2", "retail_a", "h2h", "Suns", None, 1.60),
    ("E2", "retail_b", "h2h", "Lakers", None, 2.45), ("E2", "retail_b", "h2h", "Suns", None, 1.62),
    # quarter line: pinnacle 1.80 / 2.00 → no-vig Lakers +4.25 = 10/19
    ("E2", "pinnacle", "spreads", "Lakers", 4.25, 1.80), ("E2", "pinnacle", "spreads", "Suns", -4.25, 2.00),
    ("E2", "retail_a", "spreads", "Lakers", 4.25, 2.00), ("E2", "retail_a", "spreads", "Suns", -4.25, 1.85),
    # E3 Arsenal v Chelsea 1-1, three-way
    ("E3", "pinnacle", "h2h", "Arsenal", None, 2.50), ("E3", "pinnacle", "h2h", "Chelsea", None, 3.00),
    ("E3", "pinnacle", "h2h", "Draw", None, 3.40),
    ("E3", "retail_a", "h2h", "Arsenal", None, 2.60), ("E3", "retail_a", "h2h", "Chelsea", None, 3.10),
    ("E3", "retail_a", "h2h", "Draw", None, 3.70),
]
CLOSING = [
    ("E1", "retail_a", "h2h", "Celtics", None, 1.85), ("E1", "retail_a", "totals", "Over", 215.5, 2.00),
    ("E1", "retail_a", "spreads", "Celtics", -4.0, 1.95),  # the −3 line moved to −4 by the close: no CLV
    ("E2", "retail_a", "spreads", "Lakers", 4.25, 1.90), ("E2", "retail_b", "h2h", "Lakers", None, 2.30),
    ("E3", "retail_a", "h2h", "Draw", None, 3.50),
]


def _frame(rows, when: str) -> pd.DataFrame:
    """Rows in the shape of ``odds_at``: ``when`` "decision" (taken 2 h before the start, asked 1 h before) or
    "closing" (taken 5 min before, ``at`` = the start)."""
    start = EVENTS.set_index("event_id")["commence_time"]
    frame = pd.DataFrame(rows, columns=["event_id", "bookmaker", "market", "outcome", "point", "price_decimal"])
    frame["point"] = frame["point"].astype(float)
    frame["commence_time"] = frame["event_id"].map(start)
    frame["description"] = None
    if when == "decision":
        frame["at"], frame["snapshot_time"] = frame["commence_time"] - H, frame["commence_time"] - 2 * H
    else:
        frame["at"], frame["snapshot_time"] = frame["commence_time"], frame["commence_time"] - pd.Timedelta("5min")
    return frame[COLUMNS]


def _prepared(as_of=AS_OF):
    return prepare_sports_prices(_frame(as_of, "decision"), _frame(CLOSING, "closing"), EVENTS, decision_hours=1.0)


def _rows(prepared) -> dict:
    d, o = prepared.decisions, prepared.outcomes
    return {(r.event_id, r.bookmaker, r.market, r.outcome): (r.fair_probability, g, c)
            for r, g, c in zip(d.itertuples(), o["gross_return"], o["closing_odds"])}


def test_fair_value_settlement_and_closing_lines_per_row():
    rows = _rows(_prepared())
    nan = pytest.approx(np.nan, nan_ok=True)
    assert len(rows) == 18 and not any(book == "pinnacle" for _, book, _, _ in rows)  # the yardstick is never bet
    assert ("E1", "retail_c", "h2h", "Celtics") not in rows  # suspended at 1.0: not a price anyone could take
    assert rows[("E1", "retail_c", "h2h", "Heat")] == (pytest.approx(6 / 13), 0.0, nan)
    assert rows[("E1", "retail_a", "h2h", "Celtics")] == (pytest.approx(7 / 13), 1.95, 1.85)
    assert rows[("E1", "retail_b", "h2h", "Celtics")] == (pytest.approx(7 / 13), 1.90, nan)  # other side missing
    assert rows[("E1", "retail_a", "spreads", "Celtics")] == (pytest.approx(0.5), 1.0, nan)  # pushes at −3
    assert rows[("E1", "retail_a", "spreads", "Heat")] == (pytest.approx(0.5), 1.0, nan)
    assert rows[("E1", "retail_b", "spreads", "Celtics")] == (nan, 0.0, nan)  # −3.5 loses by half a point
    assert rows[("E1", "retail_a", "totals", "Over")] == (pytest.approx(0.5), 2.08, 2.00)  # 217 points
    assert rows[("E1", "retail_a", "totals", "Under")] == (pytest.approx(0.5), 0.0, nan)
    # +4.25 on a 4-point loss: half pushes at +4, half wins at +4.5; −4.25 half pushes, half loses
    assert rows[("E2", "retail_a", "spreads", "Lakers")] == (pytest.approx(10 / 19), 1.5, 1.90)
    assert rows[("E2", "retail_a", "spreads", "Suns")] == (pytest.approx(9 / 19), 0.5, nan)
    # the draw: both team bets of a three-way market lose, the draw pays
    assert rows[("E3", "retail_a", "h2h", "Arsenal")][1:] == (0.0, nan)
    assert rows[("E3", "retail_a", "h2h", "Chelsea")][1:] == (0.0, nan)
    assert rows[("E3", "retail_a", "h2h", "Draw")][1:] == (3.70, 3.50)
    sides = _prepared().decisions["side"].value_counts().to_dict()
    assert sides == {"home": 8, "away": 7, "draw": 1, "over": 1, "under": 1}


def test_ev_vs_sharp_bets_the_best_price_per_outcome_with_hand_computed_pnl_and_clv():
    run = run_prepared("ev_vs_sharp", _prepared(), staking=FLAT, bankroll=100.0)
    bets = {(b.event_key, b.market, b.selection_key.split(":")[1]): (b.odds, round(b.pnl, 2), b.closing_odds)
            for b in run.bets.itertuples()}
    nan = pytest.approx(np.nan, nan_ok=True)
    assert bets == {
        ("E1", "h2h", "retail_a"): (1.95, 0.95, 1.85),  # EV 7/13 × 1.95 − 1 = 0.05; retail_b's 1.90 is only 0.023
        ("E1", "spreads", "retail_a"): (2.10, 0.0, nan),  # the push: stake back
        ("E1", "totals", "retail_a"): (2.08, 1.08, 2.00),  # EV 0.04
        ("E2", "spreads", "retail_a"): (2.00, 0.5, 1.90),  # EV 20/19 − 1 = 0.053; the half win
        ("E3", "h2h", "retail_a"): (3.70, 2.70, 3.50),  # the draw: EV 0.059
    }
    m = run.metrics
    assert (m["bets"], m["profit"], m["turnover"]) == (5, pytest.approx(5.23), 5.0)
    # CLV over the four bets whose line still existed at the close: 1.95/1.85, 2.08/2.00, 2.00/1.90, 3.70/3.50
    assert m["average_clv"] == pytest.approx((0.0540541 + 0.04 + 0.0526316 + 0.0571429) / 4, abs=1e-6)
    assert run.uses_final_odds is False
    only_h2h = run_prepared(get_strategy("ev_vs_sharp", {"markets": "h2h"}), _prepared(), staking=FLAT)
    assert sorted(only_h2h.bets["event_key"]) == ["E1", "E3"]
    with pytest.raises(ParameterError, match="must name some of"):
        get_strategy("ev_vs_sharp", {"markets": "h2h,moneyline"})


def test_home_underdog_backs_the_longer_home_price_at_the_best_book():
    run = run_prepared("home_underdog", _prepared(), staking=FLAT, bankroll=100.0)
    (bet,) = run.bets.itertuples()
    # Lakers 2.45 (retail_b) > the Suns' best 1.62: the only home underdog; Celtics 1.95 < 2.05, Arsenal 2.60 < 3.10
    assert (bet.selection_key, bet.odds, bet.pnl, bet.closing_odds) == ("E2:retail_b:h2h:Lakers", 2.45, -1.0, 2.30)
    assert run.metrics["average_clv"] == pytest.approx(2.45 / 2.30 - 1)
    assert run_prepared(get_strategy("home_underdog", {"max_odds": 2.4}), _prepared(), staking=FLAT).bets.empty


def test_a_quote_taken_after_the_decision_time_is_refused():
    late = _frame(AS_OF, "decision")
    late.loc[(late["event_id"] == "E2") & (late["bookmaker"] == "retail_a") & (late["market"] == "h2h"),
             "snapshot_time"] = E2_START - pd.Timedelta("30min")
    with pytest.raises(ValueError, match="after their decision time"):
        prepare_sports_prices(late, _frame(CLOSING, "closing"), EVENTS, decision_hours=1.0)


def test_value_found_on_a_large_market_beats_the_close():
    """Events whose results follow the sharp book's fair line; two retail books quote it with noise; each book's
    closing price is 1.3 × its decision price, so every bet beat the close by 1/1.3 − 1."""
    rng = np.random.default_rng(0)
    n = 3000
    start = pd.Timestamp("2024-01-01T00:00Z") + pd.to_timedelta(np.arange(n) * 6, "h")
    p_home = rng.uniform(0.25, 0.75, n)
    home_wins = rng.random(n) < p_home
    events = pd.DataFrame({"event_id": [f"e{i}" for i in range(n)], "sport": "basketball_nba", "home_team": "H",
                           "away_team": "A", "commence_time": start, "home_score": np.where(home_wins, 100, 90),
                           "away_score": np.where(home_wins, 90, 100)})
    quotes, closing = [], []
    for book, margin, noise in (("pinnacle", 1.02, 0.0), ("retail1", 1.05, 0.06), ("retail2", 1.06, 0.06)):
        for side, p in (("H", p_home), ("A", 1 - p_home)):
            price = 1 / (p * margin) * np.exp(rng.normal(0, noise, n))
            base = pd.DataFrame({"event_id": events["event_id"], "bookmaker": book, "market": "h2h", "outcome": side,
                                 "description": None, "point": np.nan, "commence_time": start})
            quotes.append(base.assign(at=start - H, price_decimal=price, snapshot_time=start - 3 * H))
            closing.append(base.assign(at=start, price_decimal=price * 1.3, snapshot_time=start - H / 2))
    prepared = prepare_sports_prices(pd.concat(quotes)[COLUMNS], pd.concat(closing)[COLUMNS], events)
    d = prepared.decisions
    assert set(d["bookmaker"]) == {"retail1", "retail2"} and len(d) == n * 4
    assert np.allclose(d.groupby(["event_id", "bookmaker"])["fair_probability"].sum(), 1.0)
    run = run_prepared("ev_vs_sharp", prepared, staking=FLAT, bankroll=1e7)
    bets, m = run.bets, run.metrics
    assert (bets["probability"] * bets["odds"] - 1 >= 0.03 - 1e-12).all()
    assert bets.groupby("event_key").size().max() <= 2  # one bet per outcome, whichever book is best
    assert m["bets"] > 500 and m["roi"] > 0 and m["roi_ci_low"] > -0.05
    assert m["average_clv"] == pytest.approx(1 / 1.3 - 1)
