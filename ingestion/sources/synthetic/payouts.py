"""Dividends per $2 from the simulated pools: win/place/show pari-mutuel, exotics from the public's Harville prices.

Win/place/show follow the US formula: the net pool (1 - 17 % takeout) minus the money on the paying horses is split
equally between them, then each pays $2 + its share of the profit per $2, broken down to the dime, at least $2.10.
A sole winner therefore pays exactly 2 x its final decimal odds. Exacta, trifecta and superfecta pay
(1 - 22 %) x $2 / P(combination) as the public priced it (Harville from its win probabilities), with some pool noise.
Dead heats for win split each pool between the two finishing orders.
"""
from __future__ import annotations

import math

from ingestion.sources.synthetic import model

EXOTICS = (("exacta", 2), ("trifecta", 3), ("superfecta", 4))


def parimutuel_cents(profit_per_dollar: float) -> int:
    """Price of a $2 win/place/show ticket in cents: dime breakage, $2.10 minimum (minus-pool)."""
    return 200 + 10 * max(1, math.floor(profit_per_dollar * 20 + 1e-9))


def exotic_cents(payout_per_2: float) -> int:
    return max(210, math.floor(payout_per_2 * 10 + 1e-9) * 10)


def harville(probabilities: list[float]) -> float:
    """P(these horses fill the first places in this order) when each place goes by renormalized win probability."""
    prob, used = 1.0, 0.0
    for p in probabilities:
        prob *= p / max(1.0 - used, 1e-12)
        used += p
    return prob


def race_dividends(top: list[tuple], noise: tuple[float, float, float]) -> list[tuple[str, str, int]]:
    """(pool, combination, cents per $2) for one race.

    ``top``: finishers in finishing order, at least the first four when there are four, each
    ``(position, horse_number, p_public, win_share, place_share, show_share, odds_steps)``.
    """
    net = 1 - model.WPS_TAKEOUT
    out: list[tuple[str, str, int]] = []
    winners = [t for t in top if t[0] == 1]
    if len(winners) == 1:
        out.append(("win", str(winners[0][1]), 200 + 10 * winners[0][6]))
    else:
        profit = (net - sum(t[3] for t in winners)) / len(winners)
        out.extend(("win", str(t[1]), parimutuel_cents(profit / t[3])) for t in winners)
    for pool, places, share in (("place", 2, 4), ("show", 3, 5)):
        if len(top) < places:
            continue
        paying = [t for t in top if t[0] <= places]
        profit = (net - sum(t[share] for t in paying)) / len(paying)
        out.extend((pool, str(t[1]), parimutuel_cents(profit / t[share])) for t in paying)

    orders = [top]
    if len(winners) == 2:
        orders.append([top[1], top[0], *top[2:]])
    for (pool, k), z in zip(EXOTICS, noise):
        if len(top) < k:
            continue
        for order in orders:
            combo = order[:k]
            fair = 2 * (1 - model.EXOTIC_TAKEOUT) / len(orders) / harville([t[2] for t in combo])
            cents = exotic_cents(fair * math.exp(model.EXOTIC_NOISE_SD * z))
            out.append((pool, "-".join(str(t[1]) for t in combo), cents))
    return out
