"""The one list of tote pools: their canonical names and how each pays. No imports, so anyone may import it.

Ingestion (``ingestion.schema.POOLS`` is this ``POOLS``, the names every source maps its own onto), the data-quality
suite, the ledger parser and the betting core (settlement, Harville prices, exotic value) all read the pools from
here. It lives in the betting core rather than in ``ingestion.schema`` because settlement needs each pool's rule
(legs, order, paying depth) and the betting core must not import ingestion; ingestion importing this dependency-free
module costs nothing.

- ``POOLS``: the pools the warehouse holds dividends for (``raw.dividends.pool``).
- ``POOL_RULES``: every pool settlement knows — those, plus US place under its own name and the French quinté.
- ``SETTLEABLE_POOLS``: ``POOL_RULES`` plus the quinté bonuses, which need the whole field and are settled apart.
- ``EXOTIC_POOLS``: the warehouse's multi-horse pools (what exotic value compares with Harville).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PoolRule:
    """legs: horses per combination; ordered: whether order matters; places: how deep the finish pays."""

    legs: int
    ordered: bool
    places: int


POOL_RULES: dict[str, PoolRule] = {
    "win": PoolRule(1, True, 1),
    "place": PoolRule(1, False, 3),  # Hong Kong place; two places with six or fewer starters (exotics.pool_rule)
    "us_place": PoolRule(1, False, 2),
    "show": PoolRule(1, False, 3),
    "quinella": PoolRule(2, False, 2),
    "quinella_place": PoolRule(2, False, 3),
    "exacta": PoolRule(2, True, 2),
    "forecast": PoolRule(2, True, 2),
    "trifecta": PoolRule(3, True, 3),
    "tierce": PoolRule(3, True, 3),
    "trio": PoolRule(3, False, 3),
    "superfecta": PoolRule(4, True, 4),
    "quartet": PoolRule(4, True, 4),
    "first4": PoolRule(4, False, 4),
    "quinte": PoolRule(5, True, 5),
    "quinte_desordre": PoolRule(5, False, 5),
}
# Quinté bonuses pay a five-horse ticket that holds the first four (bonus 4) or first three (bonus 3) but did not
# win a higher quinté tier; they need the whole field, so they are handled apart from POOL_RULES.
QUINTE_BONUS_DEPTH = {"quinte_bonus4": 4, "quinte_bonus3": 3}
HK_PLACE_SMALL_FIELD = 6
SETTLEABLE_POOLS = tuple(POOL_RULES) + tuple(QUINTE_BONUS_DEPTH)

POOLS = (
    "win", "place", "show", "quinella", "quinella_place", "exacta", "forecast",
    "trifecta", "tierce", "trio", "superfecta", "first4", "quartet",
)
EXOTIC_POOLS = tuple(pool for pool in POOLS if POOL_RULES[pool].legs > 1)
