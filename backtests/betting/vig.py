"""Vig (overround) removal solvers, vectorized over many markets at once.

Input is a (markets × outcomes) float array of decimal odds with NaN padding for markets that have fewer outcomes,
so a whole day of football 1X2 markets and 14-runner win markets can be de-vigged in one call without a Python loop
per market. The iterative methods (power, Shin, odds-ratio) each reduce to one monotone equation per market
(Σ p_i(x) = 1); solving it by simultaneous bisection on every row keeps the code branch-free and always converges,
which matters more here than the last microsecond.

Definitions follow penaltyblog's ``implied`` module (and the papers it cites) so that our figures can be checked
against its documented examples:

- multiplicative: p_i = π_i / Σπ (margin shared in proportion to price).
- additive: p_i = π_i − (Σπ − 1)/n (equal margin per outcome; can go negative for long shots).
- power: p_i = π_i^k with k chosen so that Σp = 1 (more margin on long shots: the favourite-longshot bias).
- Shin: p_i = (√(z² + 4(1−z)π_i²/Σπ) − z) / (2(1−z)), z = share of insider money, chosen so that Σp = 1.
- odds-ratio: p_i = π_i / (c(1−π_i) + π_i), one common odds ratio c between fair and bookmaker odds.

where π_i = 1/o_i.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

METHODS = ("multiplicative", "additive", "power", "shin", "odds_ratio")
_BISECTION_STEPS = 100


def _bisect(total_at: Callable[[np.ndarray], np.ndarray], low: np.ndarray, high: np.ndarray,
            decreasing: bool = True) -> np.ndarray:
    """Per-row root of total_at(x) = 1 on [low, high] by bisection; total_at maps a column of x to row sums."""
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        above = total_at(middle) > 1
        move_low = above if decreasing else ~above
        low = np.where(move_low, middle, low)
        high = np.where(move_low, high, middle)
    return (low + high) / 2


def _row_sum(values: np.ndarray) -> np.ndarray:
    return np.nansum(values, axis=1)


def _power(implied: np.ndarray) -> np.ndarray:
    # Σ π^k falls as k grows (every π < 1); search log k so one bracket covers tiny and huge margins.
    def total(log_k: np.ndarray) -> np.ndarray:
        return _row_sum(implied ** np.exp(log_k)[:, None])

    rows = implied.shape[0]
    log_k = _bisect(total, np.full(rows, np.log(1e-4)), np.full(rows, np.log(1e4)))
    return implied ** np.exp(log_k)[:, None]


def _odds_ratio(implied: np.ndarray) -> np.ndarray:
    def probabilities(log_c: np.ndarray) -> np.ndarray:
        c = np.exp(log_c)[:, None]
        return implied / (c * (1 - implied) + implied)

    rows = implied.shape[0]
    log_c = _bisect(lambda x: _row_sum(probabilities(x)), np.full(rows, np.log(1e-6)), np.full(rows, np.log(1e6)))
    return probabilities(log_c)


def _shin(implied: np.ndarray) -> np.ndarray:
    booksum = _row_sum(implied)[:, None]

    def probabilities(z: np.ndarray) -> np.ndarray:
        z = z[:, None]
        return (np.sqrt(z ** 2 + 4 * (1 - z) * implied ** 2 / booksum) - z) / (2 * (1 - z))

    rows = implied.shape[0]
    # z ∈ [0, 1): at z = 0 the total is √Σπ (> 1 with a margin); it falls towards 1 as z grows. A market with no
    # margin (Σπ ≤ 1) has no insider share to find: z stays 0 and the final normalisation does the rest.
    z = _bisect(lambda x: _row_sum(probabilities(x)), np.zeros(rows), np.full(rows, 1 - 1e-12))
    return probabilities(z)


def fair_probabilities(decimal_odds: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(markets × outcomes) decimal odds → (fair probabilities, markets whose additive result went negative).

    Rows that went negative come back all-NaN; callers must look at the mask rather than sum a negative number.
    Every other row sums to 1 (renormalised after solving, so bisection error never leaves a stray 1e-16 margin).
    """
    if method not in METHODS:
        raise ValueError(f"unknown vig-removal method {method!r}; choose one of {', '.join(METHODS)}")
    odds = np.atleast_2d(np.asarray(decimal_odds, dtype=float))
    implied = 1.0 / odds
    present = ~np.isnan(odds)
    outcomes = present.sum(axis=1)
    negative = np.zeros(odds.shape[0], dtype=bool)
    if method == "multiplicative":
        fair = implied / _row_sum(implied)[:, None]
    elif method == "additive":
        fair = implied - ((_row_sum(implied) - 1) / outcomes)[:, None]
        negative = np.any(present & (fair < 0), axis=1)
        fair[negative] = np.nan
    elif method == "power":
        fair = _power(implied)
    elif method == "shin":
        fair = _shin(implied)
    else:
        fair = _odds_ratio(implied)
    fair = fair / _row_sum(fair)[:, None]
    fair[negative] = np.nan
    fair[~present] = np.nan
    return fair, negative
