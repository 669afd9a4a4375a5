"""Probabilities of ordered finishes from win probabilities (Harville, Henery), and fair exotic odds.

Harville assumes that, once the winner is removed, the others finish in proportion to their win chances; it
overrates favourites for the minor places. Henery's variant raises win probabilities to a power γ < 1 for the
places after first (γ = 1 is Harville), flattening them. Both turn a win market into fair prices for exotics.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal

from backtests.betting.pools import POOL_RULES


def ordered_finish_probability(win_probabilities: Mapping[int, float], order: Sequence[int],
                               gamma: float = 1.0) -> float:
    """P(horses finish in `order` in the first len(order) places). gamma = 1: Harville; else Henery.

    The first place goes by win probability; each later one by strength (p ** gamma) among the horses still left,
    so only the named horses and the field's totals matter (the synthetic source prices ~170,000 exotics a read).
    """
    left = sum(win_probabilities.values())
    first = win_probabilities[order[0]] if order else 0.0
    probability = first / left if order else 1.0
    strength_left = left - first if gamma == 1.0 else \
        sum(p ** gamma for p in win_probabilities.values()) - first ** gamma
    for horse in order[1:]:
        strength = win_probabilities[horse] if gamma == 1.0 else win_probabilities[horse] ** gamma
        probability *= strength / strength_left
        strength_left -= strength
    return probability


def combination_probability(pool: str, combination: Sequence[int], win_probabilities: Mapping[int, float],
                            gamma: float = 1.0) -> float:
    """P(combination wins pool) without dead heats: sum over the finishing orders that make it win."""
    rule = POOL_RULES[pool]
    if rule.ordered:
        return ordered_finish_probability(win_probabilities, combination, gamma)
    if rule.places == rule.legs:
        return sum(ordered_finish_probability(win_probabilities, order, gamma)
                   for order in itertools.permutations(combination))
    chosen = set(combination)
    return sum(ordered_finish_probability(win_probabilities, order, gamma)
               for order in itertools.permutations(win_probabilities, rule.places) if chosen <= set(order))


def fair_odds(pool: str, combination: Sequence[int], win_probabilities: Mapping[int, float],
              gamma: float = 1.0) -> Decimal:
    """Decimal odds (stake included) at which the combination is a zero-EV bet."""
    return Decimal(1) / Decimal(repr(combination_probability(pool, combination, win_probabilities, gamma)))
