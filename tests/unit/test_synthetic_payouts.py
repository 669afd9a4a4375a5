"""The synthetic source prices its pools with the betting core's pari-mutuel rules, dead heats included.

The generator itself only dead-heats for first; a hand-made race with a dead heat for second checks that its place
and show dividends follow the US split (half / quarter / quarter in place) rather than an equal three-way one.
Pool shares are binary-exact fractions so the hand arithmetic below is exact.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from ingestion.sources.synthetic.payouts import race_dividends

NET = 1 - Decimal("0.17")  # the pool is 1 (shares); 17 % win/place/show takeout


def per_two_dollars(per_unit: Decimal) -> int:
    """Cents for $2: breakage to the dime per $2, then the $2.10 minimum (written out, not imported)."""
    dimes = (per_unit * 2 * 10).to_integral_value(rounding=ROUND_FLOOR)
    return max(int(dimes) * 10, 210)


def test_dead_heat_for_second_pays_place_and_show_by_us_rules():
    # (position, horse, p_public, win share, place share, show share, odds steps)
    top = [(1, 5, 0.5, 0.375, 0.375, 0.25, 24), (2, 3, 0.2, 0.125, 0.125, 0.25, 0),
           (2, 7, 0.2, 0.125, 0.125, 0.25, 0), (4, 1, 0.1, 0.0625, 0.0625, 0.125, 0)]
    paid = {(pool, combo): cents for pool, combo, cents in race_dividends(top, (0.0, 0.0, 0.0))}

    win = 1 + (NET - Decimal("0.375")) / Decimal("0.375")  # 2.2133… per 1
    place_profit = NET - Decimal("0.375") - 2 * Decimal("0.125")  # 0.205
    place_winner = 1 + place_profit / 2 / Decimal("0.375")  # half the profit: 1.2733…
    place_dead_heat = 1 + place_profit / 4 / Decimal("0.125")  # a quarter each: 1.41
    show_profit = NET - 3 * Decimal("0.25")  # 0.08; the dead heat fills 2nd and 3rd: a third each
    show_each = 1 + show_profit / 3 / Decimal("0.25")

    assert (per_two_dollars(win), per_two_dollars(place_winner), per_two_dollars(place_dead_heat),
            per_two_dollars(show_each)) == (440, 250, 280, 220)
    assert paid[("win", "5")] == 440 and ("win", "3") not in paid
    assert (paid[("place", "5")], paid[("place", "3")], paid[("place", "7")]) == (250, 280, 280)
    assert (paid[("show", "5")], paid[("show", "3")], paid[("show", "7")]) == (220, 220, 220)
    assert ("place", "1") not in paid and ("show", "1") not in paid  # fourth pays nothing
    # an equal three-way place split (the old rule) would have paid 230 / 300 / 300


def test_a_short_priced_exacta_pays_the_minimum():
    top = [(1, 2, 0.9, 0.5, 0.5, 0.5, 1), (2, 6, 0.09, 0.25, 0.25, 0.25, 1), (3, 4, 0.01, 0.125, 0.125, 0.125, 1)]
    paid = {(pool, combo): cents for pool, combo, cents in race_dividends(top, (0.0, 0.0, 0.0))}
    # fair exacta: 0.78 / (0.9 × 0.09 / 0.1) = 0.963 per 1 → below the 1.05 minimum → $2.10
    assert paid[("exacta", "2-6")] == 210
    # trifecta: 0.78 / (0.9 × 0.9 × 1.0) = 0.96296… per 1 → $2.10 as well
    assert paid[("trifecta", "2-6-4")] == 210
    assert not any(pool == "superfecta" for pool, _ in paid)  # three finishers: no superfecta
