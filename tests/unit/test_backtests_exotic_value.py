"""Exotic overlays against hand-computed Harville fair odds."""
from datetime import date

import pandas as pd
import pytest

from backtests.live.exotic_value import exotic_overlays, win_probabilities

RUNNERS = pd.DataFrame({
    "race_key": ["r1"] * 4,
    "horse_number": [1, 2, 3, 4],
    "final_odds": [2.0, 4.0, 4.0, None],  # 4 has no price (scratched late): never part of a comparison
})


def dividends(*rows):
    return pd.DataFrame([{"race_key": "r1", "race_date": date(2024, 5, 1), "source": "synthetic", "pool": p,
                          "combination": c, "payout_per_unit": v} for p, c, v in rows])


def test_win_probabilities_remove_the_vig_multiplicatively():
    assert win_probabilities(RUNNERS) == {"r1": {1: 0.5, 2: 0.25, 3: 0.25}}
    overround = RUNNERS.assign(final_odds=[1.6, 3.2, 3.2, None])  # same shape, 25 % take
    assert win_probabilities(overround)["r1"] == pytest.approx({1: 0.5, 2: 0.25, 3: 0.25})


def test_overlay_is_payout_over_harville_fair_odds():
    # exacta 1-2: 0.5 * 0.25 / 0.5 = 0.25 -> fair 4; trifecta 2-1-3: 0.25 * 0.5/0.75 * 1 = 1/6 -> fair 6
    out = exotic_overlays(RUNNERS, dividends(("exacta", "1-2", 5.0), ("trifecta", "2-1-3", 4.5), ("win", "1", 2.1),
                                             ("exacta", "1-4", 30.0)))
    assert out[["pool", "combination", "harville_fair_odds", "overlay", "is_value"]].values.tolist() == [
        ["exacta", "1-2", 4.0, 0.25, True],
        ["trifecta", "2-1-3", 6.0, -0.25, False],
    ]  # the win pool is not exotic; 1-4 has an unpriced horse


def test_quinella_sums_both_orders():
    out = exotic_overlays(RUNNERS, dividends(("quinella", "1-2", 3.0)))
    # P(1-2 any order) = 0.25 + 0.25 * 0.5 / 0.75 = 5/12 -> fair 2.4
    assert out["harville_fair_odds"].tolist() == [2.4] and out["overlay"].tolist() == [0.25]
