"""The decision frame holds no closing-time column: with decision-time odds, a strategy cannot see the final odds.

``final_odds`` is known only once betting closed. A strategy that would read it if it were there (``PeekAtFinal``)
must get the same picks whatever the final odds of the races it decides are, and so must every built-in strategy.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from backtests.betting.staking import Staking
from backtests.engine import CLOSING_COLUMNS, prepare_racing, run_prepared
from backtests.strategies import Strategy
from tests.synthetic_history import synthetic_runners

FLAT = Staking("flat", flat_stake=1.0)
LAST_DAY = pd.Timestamp("2024-06-30")
WINDOW = dict(start=LAST_DAY.date(), end=LAST_DAY.date())  # the day whose final odds are perturbed


@lru_cache(maxsize=1)
def with_snapshots() -> pd.DataFrame:
    """Half a year of synthetic races with a decision-time price that differs from the final one for every runner."""
    frame = synthetic_runners(date(2024, 1, 1), date(2024, 6, 30), seed=11, tracks=("BEL", "SA"))
    drift = np.random.default_rng(5).uniform(0.8, 1.25, len(frame))
    return frame.assign(decision_odds=(frame["final_odds"] * drift).round(2))


def perturbed(frame: pd.DataFrame) -> pd.DataFrame:
    """The final odds of the last day's races turned upside down (longest price ↔ shortest in each race)."""
    frame = frame.copy()
    day = frame["race_date"] == LAST_DAY
    reversed_odds = frame.loc[day].groupby("race_key")["final_odds"].transform(lambda s: s.max() + s.min() - s)
    frame.loc[day, "final_odds"] = reversed_odds
    assert (frame.loc[day, "final_odds"] != with_snapshots().loc[day, "final_odds"]).any()
    return frame


class PeekAtFinal(Strategy):
    """Backs the shortest final price of each race when the frame offers one, the decision price otherwise."""

    name, params = "peek_at_final", {}
    seen: list[set[str]] = []

    def select(self, context):
        d = context.decisions
        PeekAtFinal.seen.append(set(d.columns))
        price = d["final_odds"] if "final_odds" in d else d["odds"]
        return d[price == price.groupby(d["event_key"], observed=True).transform("min")]


def test_strategy_is_not_handed_final_odds_when_decision_odds_exist():
    PeekAtFinal.seen.clear()
    prepared = prepare_racing(with_snapshots())
    assert prepared.uses_final_odds is False
    run_prepared(PeekAtFinal(), prepared, staking=FLAT, **WINDOW)
    assert PeekAtFinal.seen and not PeekAtFinal.seen[0] & set(CLOSING_COLUMNS)
    assert "final_odds" not in prepared.decisions and "odds" in prepared.decisions
    # The final price is still there for what comes after the decision: closing-line value in the bets table.
    assert np.allclose(prepared.outcomes["closing_odds"], with_snapshots().loc[prepared.outcomes.index, "final_odds"],
                       equal_nan=True)


@pytest.mark.parametrize("name", ["peek_at_final", "favourite_flat", "longshot_flat", "value_model", "rule_based",
                                  "first_time_starter"])
def test_perturbing_final_odds_leaves_the_picks_unchanged(name):
    strategy = PeekAtFinal() if name == "peek_at_final" else name

    def picks(frame):
        bets = run_prepared(strategy, prepare_racing(frame), staking=FLAT, bankroll=1e7, **WINDOW).bets
        return bets[["selection_key", "odds", "probability"]].reset_index(drop=True)

    original = picks(with_snapshots())
    if name in ("peek_at_final", "favourite_flat", "longshot_flat"):
        assert len(original) > 0  # strategies that bet every race: an empty comparison would prove nothing
    pd.testing.assert_frame_equal(original, picks(perturbed(with_snapshots())))
