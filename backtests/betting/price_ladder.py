"""The Betfair price ladder (CLASSIC): the 350 prices from 1.01 to 1000 that bets and books can sit at.

Betfair only accepts prices on this ladder, so anything that writes or checks exchange prices (the demo stream
generator, a gate, a replay that moves a price by N ticks) needs the same table. Steps by band:
1.01-2 by 0.01, 2-3 by 0.02, 3-4 by 0.05, 4-6 by 0.1, 6-10 by 0.2, 10-20 by 0.5, 20-30 by 1, 30-50 by 2,
50-100 by 5, 100-1000 by 10. Prices are kept as integer hundredths internally so that ``PRICES`` holds the exact
doubles whose ``repr`` is the ladder text ("2.02", never "2.0199999").
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

# (band start, band end, step), in hundredths of a unit of decimal odds.
BANDS = ((101, 200, 1), (200, 300, 2), (300, 400, 5), (400, 600, 10), (600, 1000, 20), (1000, 2000, 50),
         (2000, 3000, 100), (3000, 5000, 200), (5000, 10000, 500), (10000, 100000, 1000))


def _hundredths() -> tuple[int, ...]:
    out = [c for low, high, step in BANDS for c in range(low, high, step)]
    return (*out, BANDS[-1][1])


HUNDREDTHS: tuple[int, ...] = _hundredths()
PRICES = np.array([c / 100 for c in HUNDREDTHS])  # ascending; PRICES[0] = 1.01, PRICES[-1] = 1000.0
PRICES.setflags(write=False)
TICKS = len(PRICES)  # 350
_ON_LADDER = frozenset(HUNDREDTHS)


def floor_index(price: np.ndarray | float) -> np.ndarray:
    """Index of the highest ladder price <= ``price`` (clipped to the ladder's ends)."""
    i = np.searchsorted(PRICES, np.asarray(price, dtype=float) * (1 + 1e-12), side="right") - 1
    return np.clip(i, 0, TICKS - 1)


def on_ladder(price: float | Decimal | str) -> bool:
    """True when ``price`` is exactly a ladder price (3.05 yes, 3.06 no)."""
    hundredths = Decimal(str(price)) * 100
    return hundredths == hundredths.to_integral_value() and int(hundredths) in _ON_LADDER
