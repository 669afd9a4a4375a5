"""Staking: one ordered pass with settlements interleaved, bankroll guard, min/max, Kelly and commission."""
from __future__ import annotations

import numpy as np
import pytest

from backtests.betting.staking import Staking, net_return, resolve


def _run(staking, gross, bankroll=100.0, odds=None, probability=None, overlap=False):
    n = len(gross)
    decision = np.arange(n) * 10
    settle = decision + (25 if overlap else 5)  # overlap: each bet is still running when the next is sized
    odds = np.full(n, 2.0) if odds is None else np.asarray(odds, float)
    probability = np.full(n, np.nan) if probability is None else np.asarray(probability, float)
    return resolve(decision, settle, odds, probability, np.asarray(gross, float), staking, bankroll)


def test_percentage_compounds_on_settled_cash():
    stakes = _run(Staking("percentage", percentage=0.02), [0.0, 0.0, 2.0])
    assert stakes == pytest.approx([2.0, 1.96, 1.9208])


def test_overlapping_bets_cannot_spend_the_same_money():
    stakes = _run(Staking("percentage", percentage=0.5), [2.0, 2.0, 2.0], overlap=True)
    assert stakes == pytest.approx([50.0, 25.0, 12.5])  # nothing settled yet when each is sized


def test_flat_skips_when_cash_cannot_cover():
    stakes = _run(Staking("flat", flat_stake=10.0), [0.0, 0.0, 0.0, 4.0], bankroll=25.0)
    assert list(stakes) == [10.0, 10.0, 0.0, 0.0]
    covered = _run(Staking("flat", flat_stake=10.0), [0.0, 3.0, 0.0, 4.0], bankroll=25.0)
    assert list(covered) == [10.0, 10.0, 10.0, 10.0]


def test_min_and_max_bet():
    stakes = _run(Staking("percentage", percentage=0.1, min_bet=9.5, max_bet=9.9), [0.0, 0.0, 0.0])
    assert stakes == pytest.approx([9.9, 0.0, 0.0])  # 10 capped to 9.9; then 9.01 < min_bet: skipped, never raised


def test_fractional_kelly_needs_an_edge():
    stakes = _run(Staking("kelly", kelly_multiplier=0.25), [2.0, 0.0], odds=[2.0, 2.0], probability=[0.6, 0.4])
    assert stakes == pytest.approx([5.0, 0.0])  # (0.6·2 − 1)/(2 − 1) = 0.2, quarter Kelly = 5 % of 100


def test_commission_on_net_winnings_only():
    assert net_return(np.array([3.0, 1.0, 0.0]), 0.05) == pytest.approx([1 + 2 * 0.95, 1.0, 0.0])


def test_flat_closed_form_equals_the_loop():
    rng = np.random.default_rng(0)
    gross = np.where(rng.random(500) < 0.3, 3.0, 0.0)
    decision = np.sort(rng.integers(0, 10_000, 500))
    settle = decision + rng.integers(1, 50, 500)
    staking = Staking("flat", flat_stake=5.0)
    fast = resolve(decision, settle, np.full(500, 3.0), np.zeros(500), gross, staking, 1000.0)
    from backtests.betting import staking as module

    slow = module._sequential(decision, settle, None, net_return(gross, 0.0), 1000.0, staking)
    assert list(fast) == list(slow)


def test_invalid_staking_is_rejected():
    with pytest.raises(ValueError, match="unknown staking method"):
        Staking("martingale")
    with pytest.raises(ValueError):
        Staking("percentage", percentage=0.0)
