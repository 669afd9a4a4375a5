"""Every official result of a small field, for brute-force checks of settlement and pool splits (test helper)."""
from __future__ import annotations

import itertools


def weak_orders(horses):
    """Every official result of `horses` (all finishing): horse → position, dead heats sharing the better one.

    Ordered set partitions: the first block dead-heats for 1st, the next for the place after it, and so on.
    """
    if not horses:
        yield {}
        return
    for size in range(1, len(horses) + 1):
        for first in itertools.combinations(horses, size):
            rest = [h for h in horses if h not in first]
            for tail in weak_orders(rest):
                yield {**{h: 1 for h in first}, **{h: p + size for h, p in tail.items()}}
