"""Dividends per $2 from the simulated pools: win/place/show pari-mutuel, exotics from the public's Harville prices.

Every payout goes through the betting core's one pari-mutuel implementation (``backtests.betting.parimutuel``), so the demo's
dividends follow the same rules a backtest estimates with: win/place/show split the net pool (1 - 17 % takeout) by
US rules (the money on the paying horses back, the profit in equal parts per place, dead-heaters sharing the parts
of the places they fill), then breakage to the dime per $2, then the $2.10 minimum. A sole winner therefore pays
exactly 2 x its final decimal odds. Exacta, trifecta and superfecta pay (1 - 22 %) x $2 / P(combination) as the
public priced it (``backtests.betting.harville`` from its win probabilities), with some pool noise, under the same breakage
and minimum; which combinations pay comes from the settlement core (``backtests.betting.exotics.winning_combinations``),
so a dead heat for win splits each exotic pool between the two finishing orders.
"""
from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache

from backtests.betting.exotics import winning_combinations
from backtests.betting.harville import ordered_finish_probability
from backtests.betting.parimutuel import US_MINIMUM, WPS_PLACES, Breakage, pay, split_pool
from ingestion.sources.synthetic import model

EXOTICS = ("exacta", "trifecta", "superfecta")
TWO_DOLLARS, BREAKAGE = Decimal(2), Breakage(Decimal("0.10"), Decimal(2))
WPS_TAKEOUT = Decimal(repr(model.WPS_TAKEOUT))
REST_OF_FIELD = 0  # no horse wears 0: stands for every runner outside the first four, by its total win chance


def _cents(payout: Decimal) -> int:
    return int(payout * 100)


def public_order_probability(combo: list[tuple]) -> float:
    """P(these horses fill the first places in this order) by Harville on the public's win probabilities; only the
    named horses' probabilities and the field's total (1) matter, so the rest of the field is one entry."""
    probabilities = {t[1]: t[2] for t in combo}
    probabilities[REST_OF_FIELD] = max(1.0 - sum(probabilities.values()), 0.0)
    return ordered_finish_probability(probabilities, [t[1] for t in combo])


def race_dividends(top: list[tuple], noise: tuple[float, float, float],
                   pools: frozenset[str] | None = None) -> list[tuple[str, str, int]]:
    """(pool, combination, cents per $2) for one race, of ``pools`` only when given (each pool is settled on its
    own: leaving one out changes no other).

    ``top``: finishers in finishing order, at least the first four when there are four, each
    ``(position, horse_number, p_public, win_share, place_share, show_share, odds_steps)``.
    """
    out: list[tuple[str, str, int]] = []
    finish = {t[1]: t[0] for t in top}
    for pool, share in (("win", 3), ("place", 4), ("show", 5)):
        places = WPS_PLACES[pool]
        if len(top) < places or (pools is not None and pool not in pools):
            continue
        bets = {t[1]: t[share] for t in top}  # pool shares (floats): the pool itself is 1
        paid = split_pool(Decimal(1), bets, finish, places, unit=TWO_DOLLARS, takeout=WPS_TAKEOUT,
                          breakage=BREAKAGE, minimum_per_unit=US_MINIMUM)
        out.extend((pool, str(t[1]), _cents(paid[t[1]])) for t in top if t[1] in paid)

    positions = tuple(t[0] for t in top)
    for pool, z in zip(EXOTICS, noise):
        if pools is not None and pool not in pools:
            continue
        winners = winning_rows(pool, positions)
        for rows in winners:
            combo = [top[row] for row in rows]
            fair = (1 - model.EXOTIC_TAKEOUT) / len(winners) / public_order_probability(combo)
            per_unit = Decimal(fair * math.exp(model.EXOTIC_NOISE_SD * z))
            cents = _cents(pay(per_unit, TWO_DOLLARS, BREAKAGE, US_MINIMUM))
            out.append((pool, "-".join(str(t[1]) for t in combo), cents))
    return out


@lru_cache(maxsize=256)
def winning_rows(pool: str, positions: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Which combinations pay, from the settlement core, as rows of ``top`` (in finishing order): it depends only
    on the shape of the finish (a dead heat for win pays both finishing orders), so each shape is settled once."""
    winners = winning_combinations(pool, dict(enumerate(positions)))
    return tuple(sorted(winners))
