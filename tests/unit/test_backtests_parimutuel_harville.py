"""Pari-mutuel payouts (breakage, minimum, US dead-heat splits) and Harville/Henery finish probabilities."""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest

from backtests.betting.harville import combination_probability, fair_odds, ordered_finish_probability
from backtests.betting.parimutuel import Breakage, estimate_payout, profit_shares, split_pool
from tests.finishes import weak_orders

WIN = {1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05}
DIME_PER_DOLLAR = Breakage(Decimal("0.10"), Decimal(1))


def test_issue_example_and_breakage():
    assert estimate_payout(Decimal(10_000), Decimal(200), takeout=Decimal("0.20")) == Decimal(40)
    assert estimate_payout(Decimal(10_000), Decimal(200), unit=Decimal(2)) == Decimal(80)
    # 10,000 × 0.83 / 3,000 = 2.7666… per 1 → 5.533… per 2 → 5.50 per 2 after breakage
    assert estimate_payout(Decimal(10_000), Decimal(3_000), Decimal(2), Decimal("0.17"), Breakage()) == Decimal("5.5")
    assert estimate_payout(Decimal(1_000), Decimal(990), minimum_per_unit=Decimal("1.05")) == Decimal("1.05")
    with pytest.raises(ValueError):
        estimate_payout(Decimal(100), Decimal(0))
    with pytest.raises(ValueError, match="breakage step 0.03"):
        Breakage(Decimal("0.03"), Decimal(1))


def test_minimum_is_applied_after_breakage():
    """Issue 14 item 7: dime breakage per $1 and a 1.05 minimum; a $2 bet returns 2.10, not 2.00."""
    # 10,000 × 0.83 / 7,900 = 1.0506… per 1; dime breakage per 1 leaves 1.00; the minimum lifts it to 1.05 → 2.10
    paid = estimate_payout(Decimal(10_000), Decimal(7_900), Decimal(2), Decimal("0.17"), DIME_PER_DOLLAR,
                           Decimal("1.05"))
    assert paid == Decimal("2.10")
    # above the minimum breakage alone decides: 10,000 × 0.83 / 4,000 = 2.075 per 1 → 2.00 per 1 → 4.00 per 2
    assert estimate_payout(Decimal(10_000), Decimal(4_000), Decimal(2), Decimal("0.17"), DIME_PER_DOLLAR,
                           Decimal("1.05")) == Decimal("4.00")


def test_place_pool_dead_heat_for_second_issue_figures():
    """Issue 14 item 7: pool 10,000, 17 % takeout, place money 3,000 / 1,000 / 1,000, dead heat for second.

    US rule (Wisconsin Game 9.04(2), CHRB 1972): the net pool less the money on the placing horses is the profit;
    half of it to the winner's backers, the other half shared by the two dead-heaters (a quarter each)."""
    net = Decimal(10_000) - Decimal(10_000) * Decimal(17) / 100  # 8,300
    profit = net - (Decimal(3_000) + Decimal(1_000) + Decimal(1_000))  # 3,300
    winner = 1 + (profit / 2) / Decimal(3_000)  # 1 + 1,650 / 3,000
    dead_heater = 1 + (profit / 4) / Decimal(1_000)  # 1 + 825 / 1,000
    assert (winner, dead_heater) == (Decimal("1.55"), Decimal("1.825"))
    paid = split_pool(Decimal(10_000), {4: Decimal(3_000), 7: Decimal(1_000), 2: Decimal(1_000), 9: Decimal(5_000)},
                      {4: 1, 7: 2, 2: 2, 9: 4, 1: None}, 2, takeout=Decimal("0.17"))
    assert paid == {4: winner, 7: dead_heater, 2: dead_heater}  # horse 9 (fourth) and 1 (did not finish) pay nothing
    assert paid[4] != Decimal("1.367")  # the old equal three-way split paid 1.367 / 2.10 / 2.10


def test_place_pool_split_and_minus_pool():
    payouts = split_pool(Decimal(10_000), {1: Decimal(5_000), 2: Decimal(1_000)}, {1: 1, 2: 2}, 2,
                         unit=Decimal(2), takeout=Decimal("0.15"))
    # net 8,500; profit 2,500 split 1,250 each → 1 + 0.25 and 1 + 1.25 per unit
    assert payouts == {1: Decimal("2.5"), 2: Decimal("4.5")}
    # the favourites soak up more than the net pool (8,300 − 9,500 < 0): the track pays the $2.10 minimum
    minus = split_pool(Decimal(10_000), {1: Decimal(5_000), 2: Decimal(4_500)}, {1: 1, 2: 2}, 2, unit=Decimal(2),
                       breakage=Breakage(), minimum_per_unit=Decimal("1.05"))
    assert minus == {1: Decimal("2.10"), 2: Decimal("2.10")}
    with pytest.raises(ValueError, match=r"paying horse\(s\) \[2\]"):
        split_pool(Decimal(100), {1: Decimal(10)}, {1: 1, 2: 2}, 2)


@pytest.mark.parametrize(("finish", "places", "shares", "rule"), [
    ({1: 1, 2: 1, 3: 3}, 1, {1: "1/2", 2: "1/2"}, "Ohio 3769-13-16: win dead heat, profit in equal parts"),
    ({1: 1, 2: 1, 3: 3}, 2, {1: "1/2", 2: "1/2"}, "Wisconsin 9.04(1): as if one were first, the other second"),
    ({1: 1, 2: 1, 3: 1, 4: 4}, 2, {1: "1/3", 2: "1/3", 3: "1/3"}, "Wisconsin 9.04(1): triple dead heat as a show pool"),
    ({1: 1, 2: 2, 3: 2, 4: 2}, 2, {1: "1/2", 2: "1/6", 3: "1/6", 4: "1/6"}, "Wisconsin 9.04(2): one-sixth each"),
    ({1: 1, 2: 2, 3: 2, 4: 2}, 3, {1: "1/3", 2: "2/9", 3: "2/9", 4: "2/9"}, "Montana: two-thirds among the three"),
    ({1: 1, 2: 2, 3: 3, 4: 3}, 3, {1: "1/3", 2: "1/3", 3: "1/6", 4: "1/6"}, "CHRB 1972: a third to the tie for third"),
])
def test_dead_heat_shares_follow_the_published_rules(finish, places, shares, rule):
    assert profit_shares(finish, places) == {h: Fraction(s) for h, s in shares.items()}, rule


def consistent_orders(finish):
    """Every finishing order that breaks the dead heats some way (positions non-decreasing along the order)."""
    finishers = [h for h, p in finish.items() if p is not None]
    return [order for order in itertools.permutations(finishers)
            if all(finish[a] <= finish[b] for a, b in itertools.pairwise(order))]


def test_profit_shares_are_the_average_over_tie_breaks():
    """Independent definition: a dead heat is every way of breaking it, equally likely; place i's part of the profit
    goes to whoever is i-th. Checked on every result of five horses (one of them sometimes not finishing)."""
    results = [*weak_orders([1, 2, 3, 4, 5]), *({**f, 5: None} for f in weak_orders([1, 2, 3, 4]))]
    assert len(results) == 541 + 75
    for finish in results:
        orders = consistent_orders(finish)
        for places in (1, 2, 3):
            expected: dict[int, Fraction] = {}
            for order in orders:
                for horse in order[:places]:
                    expected[horse] = expected.get(horse, Fraction(0)) + Fraction(1, places * len(orders))
            assert profit_shares(finish, places) == expected, (finish, places)


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
