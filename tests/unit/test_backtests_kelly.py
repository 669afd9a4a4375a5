"""Kelly with commission, against an independent answer: brute-force maximisation of expected log growth.

The reference does not use the closed form: for each (p, odds, commission) it evaluates
G(f) = p·ln(1 + f·(o − 1)(1 − c)) + (1 − p)·ln(1 − f) on a grid of stakes f ∈ [0, 1) in steps of 1e-5 and takes the
best. Every sizing path (value signals, backtest resolve, the monitor's one-off stakes) must agree with it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from backtests.betting.staking import Staking, kelly_fraction, resolve, stakes_from_bankroll
from backtests.betting.value import expected_value

GRID_STEP = 1e-5
GRID = np.arange(0, 1, GRID_STEP)

CASES = [  # (probability, decimal odds, commission)
    (0.5, 2.04, 0.05),   # the issue's bet: an edge on gross odds, a loss after commission
    (0.5, 2.04, 0.0),
    (0.6, 2.0, 0.05),
    (0.3, 4.5, 0.02),
    (0.55, 1.95, 0.0),
    (0.25, 5.0, 0.10),
    (0.8, 1.4, 0.05),
    (0.1, 8.0, 0.05),    # no edge even before commission
]


def brute_force_kelly(p: float, odds: float, commission: float) -> float:
    net = (odds - 1) * (1 - commission)
    growth = p * np.log1p(GRID * net) + (1 - p) * np.log1p(-GRID)
    return float(GRID[np.argmax(growth)])


@pytest.mark.parametrize(("p", "odds", "commission"), CASES)
def test_closed_form_maximises_log_growth(p, odds, commission):
    assert float(kelly_fraction(p, odds, commission=commission)) == pytest.approx(
        brute_force_kelly(p, odds, commission), abs=GRID_STEP)


def test_vectorised_with_a_commission_per_bet():
    p, odds, commission = (np.array(column) for column in zip(*CASES))
    expected = [brute_force_kelly(*case) for case in CASES]
    assert kelly_fraction(p, odds, commission=commission) == pytest.approx(expected, abs=GRID_STEP)


def test_unknown_probability_and_prices_without_profit():
    assert np.isnan(kelly_fraction(np.nan, 2.0))
    assert kelly_fraction(0.9, 1.0) == 0 and kelly_fraction(0.9, 0.5) == 0


# ---------------------------------------------------------------- the issue's numbers

P, ODDS, COMMISSION, BANKROLL = 0.5, 2.04, 0.05, 1000.0


def test_issue_bet_has_negative_net_ev():
    """Computed independently in Decimal: a win returns the stake plus 1.04 × 0.95 of profit, a loss returns 0."""
    win_return = 1 + (Decimal("2.04") - 1) * (1 - Decimal("0.05"))
    net_ev = Decimal("0.5") * win_return + Decimal("0.5") * 0 - 1
    assert win_return == Decimal("1.9880") and net_ev == Decimal("-0.0060")


def test_backtest_kelly_stakes_nothing_after_commission():
    def stake(commission):
        staking = Staking("kelly", kelly_multiplier=1.0, commission=commission)
        return resolve(np.array([0]), np.array([1]), np.array([ODDS]), np.array([P]), np.array([ODDS]), staking,
                       BANKROLL)[0]
    assert round(stake(0.0), 2) == 19.23  # 1000 × (0.5 − 0.5/1.04): what the issue saw
    assert stake(COMMISSION) == 0.0


def test_monitor_stakes_use_the_same_kelly():
    staking = Staking("kelly", kelly_multiplier=1.0, commission=COMMISSION)
    assert stakes_from_bankroll(staking, BANKROLL, [ODDS, 3.0], [P, 0.5]).round(2).tolist() == [
        0.0, round(BANKROLL * brute_force_kelly(0.5, 3.0, COMMISSION), 2)]


def test_value_signal_ev_and_kelly_after_exchange_commission():
    now = datetime(2024, 6, 5, 12, tzinfo=timezone.utc)
    prices = pd.DataFrame([
        {"event_id": "e", "market": "h2h", "point": None, "outcome": side, "bookmaker": book,
         "price_decimal": price, "last_update": now}
        for book, home, away in (("pinnacle", 2.0, 2.0), ("exchange", ODDS, 1.9), ("retail", ODDS, 1.9))
        for side, price in (("home", home), ("away", away))])
    scored = expected_value(prices, min_ev=0.0, commission={"exchange": COMMISSION}).set_index(
        ["bookmaker", "outcome"])
    assert scored.loc[("exchange", "home"), "ev"] == pytest.approx(-0.006, abs=1e-12)
    assert scored.loc[("exchange", "home"), "kelly"] == 0 and not scored.loc[("exchange", "home"), "is_value"]
    assert scored.loc[("retail", "home"), "ev"] == pytest.approx(0.02, abs=1e-12)  # no commission at a sportsbook
    assert scored.loc[("retail", "home"), "kelly"] == pytest.approx(brute_force_kelly(P, ODDS, 0.0), abs=GRID_STEP)
    assert scored.loc[("retail", "home"), "is_value"]
