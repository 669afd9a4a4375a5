"""ev_vs_sharp on bookmaker prices: as-of decision prices, sharp no-vig fair value, closing-line value."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.betting.staking import Staking
from backtests.engine import prepare_sports_prices, run_prepared

EVENTS = 3000


def _market(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events whose results follow the sharp book's fair line; two retail books quote it with noise."""
    rng = np.random.default_rng(seed)
    commence = pd.Timestamp("2024-01-01T00:00Z") + pd.to_timedelta(np.arange(EVENTS) * 6, "h")
    p_home = rng.uniform(0.25, 0.75, EVENTS)
    home_wins = rng.random(EVENTS) < p_home
    events = pd.DataFrame({"event_id": [f"e{i}" for i in range(EVENTS)], "home_team": "H", "away_team": "A",
                           "commence_time": commence, "home_score": np.where(home_wins, 100, 90),
                           "away_score": np.where(home_wins, 90, 100)})
    rows = []
    for book, margin, noise in (("pinnacle", 1.02, 0.0), ("retail1", 1.05, 0.06), ("retail2", 1.06, 0.06)):
        for side, p in (("H", p_home), ("A", 1 - p_home)):
            price = 1 / (p * margin) * np.exp(rng.normal(0, noise, EVENTS))
            for hours_before, shift in ((3.0, 1.0), (0.5, 1.3)):  # an early quote, and a late one after decisions
                rows.append(pd.DataFrame({"event_id": events["event_id"], "market": "h2h", "point": np.nan,
                                          "outcome": side, "bookmaker": book, "price_decimal": price * shift,
                                          "last_update": commence - pd.Timedelta(hours=hours_before)}))
    return pd.concat(rows, ignore_index=True), events


def test_decisions_use_prices_as_of_the_decision_time_and_find_value():
    prices, events = _market()
    prepared = prepare_sports_prices(prices, events, decision_hours=1.0)
    d = prepared.decisions
    assert set(d["bookmaker"]) == {"retail1", "retail2"} and len(d) == EVENTS * 4
    early = prices[prices["last_update"] == pd.to_datetime(prices["last_update"]).groupby(
        [prices["event_id"], prices["bookmaker"], prices["outcome"]]).transform("min")]
    early = early.set_index(["event_id", "bookmaker", "outcome"])["price_decimal"]
    assert np.allclose(d["odds"], early.loc[list(zip(d["event_id"], d["bookmaker"], d["outcome"]))].to_numpy())
    assert d["fair_probability"].between(0, 1).all()
    pair_sum = d.groupby(["event_id", "bookmaker"])["fair_probability"].sum()
    assert np.allclose(pair_sum, 1.0)  # no-vig probabilities of the two sides sum to one

    run = run_prepared("ev_vs_sharp", prepared, staking=Staking("flat", flat_stake=1.0), bankroll=1e7)
    bets, m = run.bets, run.metrics
    assert (bets["probability"] * bets["odds"] - 1 >= 0.03 - 1e-12).all()
    assert bets.groupby(["event_key"])["selection_key"].count().max() <= 2
    assert m["bets"] > 500 and m["roi"] > 0 and m["roi_ci_low"] > -0.05
    # every late quote is 1.3 × the early one, so each bet beat the close by 1/1.3 − 1
    assert m["average_clv"] == pytest.approx(1 / 1.3 - 1)
    assert run.uses_final_odds is False


def test_three_way_moneyline_settles_the_draw():
    """Issue 14, item 4: at 1-1 the draw pays its odds and both teams lose; at 0-2 the away team wins, draw loses."""
    events = pd.DataFrame({"event_id": ["level", "away_win"], "home_team": "Arsenal", "away_team": "Chelsea",
                           "commence_time": pd.to_datetime(["2024-03-02T15:00Z", "2024-03-09T15:00Z"]),
                           "home_score": [1, 0], "away_score": [1, 2], "sport": "soccer_epl"})
    prices = {"Arsenal": 2.6, "Chelsea": 2.9, "Draw": 3.4}
    rows = [{"event_id": e, "market": "h2h", "point": np.nan, "outcome": outcome, "bookmaker": book,
             "price_decimal": price, "last_update": pd.Timestamp(start) - pd.Timedelta(hours=3)}
            for e, start in zip(events["event_id"], events["commence_time"]) for book in ("pinnacle", "retail")
            for outcome, price in prices.items()]
    prepared = prepare_sports_prices(pd.DataFrame(rows), events, decision_hours=1.0)
    settled = prepared.outcomes.assign(event=prepared.decisions["event_id"], outcome=prepared.decisions["outcome"])
    returns = {(r.event, r.outcome): (r.gross_return, r.won) for r in settled.itertuples()}
    assert returns == {("level", "Arsenal"): (0.0, False), ("level", "Chelsea"): (0.0, False),
                       ("level", "Draw"): (3.4, True), ("away_win", "Arsenal"): (0.0, False),
                       ("away_win", "Chelsea"): (2.9, True), ("away_win", "Draw"): (0.0, False)}
