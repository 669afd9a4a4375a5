"""Winning combinations, dead heats, scratches, tickets and their closed-form counts."""
from __future__ import annotations

import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backtests.betting.exotics import Outcome, winning_combinations
from backtests.betting.pools import POOL_RULES
from backtests.betting.tickets import box, key, positional, settle_combinations, settle_ticket, straight, wheel

CLEAN = {5: 1, 3: 2, 7: 3, 1: 4, 2: 5, 4: 6, 6: 7, 8: None}


@pytest.mark.parametrize(("pool", "expected"), [
    ("win", {(5,)}), ("place", {(5,), (3,), (7,)}), ("us_place", {(5,), (3,)}), ("show", {(5,), (3,), (7,)}),
    ("quinella", {(3, 5)}), ("quinella_place", {(3, 5), (5, 7), (3, 7)}), ("exacta", {(5, 3)}),
    ("forecast", {(5, 3)}), ("trifecta", {(5, 3, 7)}), ("tierce", {(5, 3, 7)}), ("trio", {(3, 5, 7)}),
    ("superfecta", {(5, 3, 7, 1)}), ("quartet", {(5, 3, 7, 1)}), ("first4", {(1, 3, 5, 7)}),
    ("quinte", {(5, 3, 7, 1, 2)}), ("quinte_desordre", {(1, 2, 3, 5, 7)}),
])
def test_clean_finish(pool, expected):
    assert winning_combinations(pool, CLEAN) == expected


def test_hk_place_pays_two_with_six_or_fewer_starters():
    small = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}
    assert winning_combinations("place", small) == {(1,), (2,)}
    assert winning_combinations("place", small, starters=7) == {(1,), (2,), (3,)}
    assert winning_combinations("show", small) == {(1,), (2,), (3,)}


def test_dead_heats():
    second = {1: 1, 2: 2, 3: 2, 4: 4, 5: 5}
    assert winning_combinations("exacta", second) == {(1, 2), (1, 3)}
    assert winning_combinations("quinella", second) == {(1, 2), (1, 3)}
    assert winning_combinations("trifecta", second) == {(1, 2, 3), (1, 3, 2)}
    first = {1: 1, 2: 1, 3: 3, 4: 4}
    assert winning_combinations("win", first) == {(1,), (2,)}
    assert winning_combinations("exacta", first) == {(1, 2), (2, 1)}
    third = {1: 1, 2: 2, 3: 3, 4: 3, 5: 5, 6: 6, 7: 7}
    assert winning_combinations("place", third) == {(1,), (2,), (3,), (4,)}
    assert winning_combinations("trio", third) == {(1, 2, 3), (1, 2, 4)}
    # HKJC pays the two dead-heaters for 3rd together in quinella place (seen in 2017–2019 dividends)
    assert winning_combinations("quinella_place", third) == set(itertools.combinations([1, 2, 3, 4], 2))


def test_quinte_bonuses_exclude_higher_tiers():
    finish = {horse: horse for horse in range(1, 9)}
    bonus4 = winning_combinations("quinte_bonus4", finish)
    assert (1, 2, 3, 4, 6) in bonus4 and (1, 2, 3, 4, 5) not in bonus4 and len(bonus4) == 3
    bonus3 = winning_combinations("quinte_bonus3", finish)
    assert (1, 2, 3, 6, 7) in bonus3 and (1, 2, 3, 4, 6) not in bonus3 and len(bonus3) == math.comb(4, 2)  # two of 5–8: holding 4 is a better tier


def test_scratched_selection_is_refunded_not_lost():
    outcomes = settle_combinations("trifecta", [(5, 8, 7), (5, 3, 7), (5, 7, 3)], CLEAN, scratched={8})
    assert outcomes == {Outcome.REFUND: [(5, 8, 7)], Outcome.WIN: [(5, 3, 7)], Outcome.LOSE: [(5, 7, 3)]}
    assert settle_combinations("win", [(8,)], CLEAN, scratched={8})[Outcome.REFUND] == [(8,)]
    assert settle_combinations("quinella", [(5, 3)], CLEAN)[Outcome.WIN] == [(5, 3)]  # any order of the selection


def test_unknown_pool_is_rejected():
    with pytest.raises(ValueError, match="unknown pool"):
        winning_combinations("pick6", CLEAN)


finishes = st.lists(st.integers(1, 6), min_size=2, max_size=9).map(
    lambda ranks: {horse: (sorted(ranks).index(rank) + 1) for horse, rank in enumerate(ranks, 1)})


@given(finishes, st.sampled_from(["exacta", "trifecta", "quartet", "quinella", "trio", "first4", "win", "place"]),
       st.data())
def test_straight_ticket_settles_as_membership_in_the_winning_set(placings, pool, data):
    legs = POOL_RULES[pool].legs
    if len(placings) < legs:
        return
    combination = tuple(data.draw(st.permutations(sorted(placings)))[:legs])
    ticket = straight(pool, combination)
    key_form = combination if POOL_RULES[pool].ordered else tuple(sorted(combination))
    won = key_form in winning_combinations(pool, placings)
    result = settle_ticket(ticket, placings, Decimal(10), estimate=lambda c: Decimal(3))
    assert (len(result.winning) == 1) == won and result.payout == (Decimal(30) if won else 0)


@given(st.sets(st.integers(1, 14), min_size=1, max_size=9), st.sampled_from(sorted(POOL_RULES)))
def test_box_counts_match_closed_forms_and_enumeration(horses, pool):
    rule = POOL_RULES[pool]
    ticket = box(pool, horses)
    closed = math.perm(len(horses), rule.legs) if rule.ordered else math.comb(len(horses), rule.legs)
    combos = list(ticket.combinations())
    assert ticket.count() == closed == len(combos) == len(set(combos))
    assert ticket.cost(Decimal("2.5")) == closed * Decimal("2.5")


@given(st.sets(st.integers(1, 14), min_size=4, max_size=10), st.sampled_from(["exacta", "trifecta", "superfecta",
                                                                             "trio", "first4", "quinella"]))
def test_key_and_wheel_counts(horses, pool):
    rule = POOL_RULES[pool]
    banker, *others = sorted(horses)
    ticket = key(pool, [banker], others)
    expected = math.perm(len(others), rule.legs - 1) if rule.ordered else math.comb(len(others), rule.legs - 1)
    assert ticket.count() == expected == len(list(ticket.combinations()))
    assert all(banker in c for c in ticket.combinations())
    if rule.ordered:
        spun = wheel(pool, banker, rule.legs - 1, horses)
        assert spun.count() == expected == len(list(spun.combinations()))
        assert all(c[-1] == banker for c in spun.combinations())


@given(st.lists(st.sets(st.integers(1, 8), min_size=1, max_size=5), min_size=3, max_size=3))
def test_positional_count_handles_overlapping_standouts(legs):
    ticket = positional("trifecta", legs, range(1, 9))
    assert ticket.count() == sum(1 for c in itertools.product(*legs) if len(set(c)) == 3)
    assert ticket.count() == len(list(ticket.combinations()))


def test_positional_example_from_the_issue():
    ticket = positional("trifecta", [{5}, {3, 7}, None], range(1, 11))
    assert ticket.count() == 2 * 8 and all(c[0] == 5 and c[1] in {3, 7} for c in ticket.combinations())


def test_settle_ticket_with_official_dividends_and_refunds():
    placings = {1: 1, 2: 2, 3: 2, 4: 4, 5: None}
    dividends = {(1, 2): Decimal("55.5"), (1, 3): Decimal("71")}  # HK dividendPer10
    result = settle_ticket(box("quinella", [1, 2, 3, 5]), placings, Decimal(10), dividends=dividends, scratched={5})
    assert sorted(result.winning) == [(1, 2), (1, 3)] and result.payout == Decimal("126.5")
    assert len(result.refunded) == 3 and result.refund == Decimal(30)
    with pytest.raises(LookupError):
        settle_ticket(straight("quinella", [1, 2]), placings, Decimal(10))
