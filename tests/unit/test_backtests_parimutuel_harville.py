"""Pari-mutuel payout estimates and Harville/Henery finish probabilities."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from backtests.harville import combination_probability, fair_odds, ordered_finish_probability
from backtests.parimutuel import Breakage, estimate_payout, split_place_pool

WIN = {1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05}


def test_issue_example_and_breakage_and_minimum():
    assert estimate_payout(Decimal(10_000), Decimal(200), takeout=Decimal("0.20")) == Decimal(40)
    assert estimate_payout(Decimal(10_000), Decimal(200), unit=Decimal(2)) == Decimal(80)
    # 10,000 × 0.83 / 3,000 = 2.7666… per 1 → 5.533… per 2 → 5.50 per 2 after breakage
    assert estimate_payout(Decimal(10_000), Decimal(3_000), Decimal(2), Decimal("0.17"), Breakage()) == Decimal("5.5")
    assert estimate_payout(Decimal(1_000), Decimal(990), minimum_per_unit=Decimal("1.05")) == Decimal("1.05")
    with pytest.raises(ValueError):
        estimate_payout(Decimal(100), Decimal(0))


def test_place_pool_split():
    payouts = split_place_pool(Decimal(10_000), {1: Decimal(5_000), 2: Decimal(1_000)}, Decimal(2), Decimal("0.15"))
    # net 8,500; profit 2,500 split 1,250 each → 1 + 0.25 and 1 + 1.25 per unit
    assert payouts == {1: Decimal("2.5"), 2: Decimal("4.5")}


def test_harville_known_values_and_normalisation():
    assert ordered_finish_probability(WIN, (1, 2)) == pytest.approx(0.5 * 0.3 / 0.5)
    assert sum(ordered_finish_probability(WIN, o) for o in itertools.permutations(WIN, 3)) == pytest.approx(1)
    assert combination_probability("quinella", (1, 2), WIN) == pytest.approx(0.3 + 0.3 * 0.5 / 0.7)
    assert combination_probability("win", (3,), WIN) == pytest.approx(0.15)
    assert abs(fair_odds("exacta", (1, 2), WIN) - Decimal(1) / Decimal("0.3")) < Decimal("1e-12")


def test_henery_gamma_one_is_harville_and_still_normalised():
    for order in itertools.permutations(WIN, 2):
        assert ordered_finish_probability(WIN, order, gamma=1.0) == pytest.approx(ordered_finish_probability(WIN, order))
    assert sum(ordered_finish_probability(WIN, o, 0.81) for o in itertools.permutations(WIN, 3)) == pytest.approx(1)
    assert ordered_finish_probability(WIN, (1, 4), 0.81) > ordered_finish_probability(WIN, (1, 4))


def test_place_type_pools_sum_over_finishes():
    show = sum(combination_probability("show", (h,), WIN) for h in WIN)
    assert show == pytest.approx(3)
    assert sum(combination_probability("quinella_place", c, WIN)
               for c in itertools.combinations(WIN, 2)) == pytest.approx(3)
