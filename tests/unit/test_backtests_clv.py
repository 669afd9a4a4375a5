"""Closing-line value is filled wherever a bet has a closing price other than its own: racing bets decided on a tote
board before post against the final odds, sports bets against the closing snapshot (``test_backtests_sports_prices``).

The backtest asset runs over the whole history window, where most races have no tote board (the demo's generated
history has none; boards exist only for races polled live). Those bets were taken at the closing price and carry no
CLV; the boarded ones must still give the run its ``average_clv``, and the metrics table must say why it is empty
when no bet had a board (issue 13: "average_clv is always –" with no reason given).
"""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from backtests.engine import run_backtest
from tests.synthetic_history import synthetic_runners
from backtests.report import metrics_markdown
from backtests.betting.staking import Staking

FLAT = Staking("flat", flat_stake=1.0)


def history() -> pd.DataFrame:
    return synthetic_runners(date(2024, 1, 1), date(2024, 1, 31), seed=3, tracks=("BEL",))


def boarded(frame: pd.DataFrame) -> tuple[pd.DataFrame, str, str]:
    """The frame with tote boards for two races of the last day only, as if those were polled live: every price of
    the first race 25 % above its final odds (bet at 5.0, closed at 4.0), of the second 20 % below."""
    last = frame[frame["race_date"] == frame["race_date"].max()]
    unique_favourite = [k for k, g in last.groupby("race_key") if (g["final_odds"] == g["final_odds"].min()).sum() == 1]
    up, down = unique_favourite[:2]
    factor = frame["race_key"].map({up: 1.25, down: 0.8})
    return frame.assign(decision_odds=frame["final_odds"] * factor), up, down


def test_bets_on_a_tote_board_give_the_run_its_clv_against_the_final_odds():
    frame, up, down = boarded(history())
    run = run_backtest("favourite_flat", frame, staking=FLAT, bankroll=1e6)
    assert run.uses_final_odds is True  # most of the window had no board: the run still says so
    bets = run.bets
    assert set(bets.loc[~bets["odds_are_closing"], "event_key"]) == {up, down}
    # 5.0 against 4.0 is +25 %; 4.0 against 5.0 is −20 %: one favourite bet in each boarded race
    assert run.metrics["average_clv"] == pytest.approx((0.25 - 0.20) / 2)
    assert "| average_clv | 2.50% |" in metrics_markdown(run.metrics, run.uses_final_odds)


def test_without_any_board_the_table_says_why_clv_is_empty():
    run = run_backtest("favourite_flat", history(), staking=FLAT, bankroll=1e6)
    assert math.isnan(run.metrics["average_clv"]) and len(run.bets) > 50
    assert ("| average_clv | – (every bet at its closing price: no tote board at decision time) |"
            in metrics_markdown(run.metrics, run.uses_final_odds))
