"""Probabilities of ordered finishes from win probabilities (Harville, Henery), and fair exotic odds.

Harville assumes that, once the winner is removed, the others finish in proportion to their win chances; it
overrates favourites for the minor places. Henery's variant raises win probabilities to a power γ < 1 for the
places after first (γ = 1 is Harville), flattening them. Both turn a win market into fair prices for exotics.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal

from backtests.pools import POOL_RULES


def ordered_finish_probability(win_probabilities: Mapping[int, float], order: Sequence[int],
                               gamma: float = 1.0) -> float:
    """P(horses finish in `order` in the first len(order) places). gamma = 1: Harville; else Henery."""
    strengths = {horse: p ** gamma for horse, p in win_probabilities.items()}
    probability, remaining = 1.0, dict(win_probabilities)
    for leg, horse in enumerate(order):
        weights = remaining if leg == 0 else {h: strengths[h] for h in remaining}
        probability *= weights[horse] / sum(weights.values())
        del remaining[horse]
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
