"""The Odds API pricing and quota headers, shared by the client and the simulator so both count the same way.

Pricing (The Odds API v4 docs): an /odds call costs markets × regions; a historical /odds call costs 10× that;
/scores costs 1, or 2 with ``daysFrom``; /sports is free.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

MARKETS = ("h2h", "spreads", "totals")
REGIONS = ("us", "us2", "uk", "eu", "au")
HISTORICAL_MULTIPLIER = 10


def odds_cost(markets: Collection[str], regions: Collection[str], historical: bool = False) -> int:
    """Credits one /odds call uses; duplicates don't count twice."""
    cost = len(set(markets)) * len(set(regions))
    return cost * HISTORICAL_MULTIPLIER if historical else cost


def scores_cost(days_from: int | None) -> int:
    return 2 if days_from else 1


@dataclass(frozen=True)
class Quota:
    """Credits as the server reported them after a call (``last`` = cost of that call)."""

    remaining: int | None
    used: int | None
    last: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Quota:
        def num(name: str) -> int | None:
            value = headers.get(name)
            try:
                return int(float(value)) if value is not None else None
            except ValueError:
                return None

        return cls(num("x-requests-remaining"), num("x-requests-used"), num("x-requests-last"))
