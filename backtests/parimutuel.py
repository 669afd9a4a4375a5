"""Pari-mutuel payout estimates: pool minus takeout, shared by the winning money, then breakage and minimum.

Used when a backtest needs a dividend the source did not publish (or a what-if with another takeout). Takeout,
breakage and the minimum payout differ by jurisdiction and pool, so all three are parameters with US-style
defaults; every figure is Decimal because these are money.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

# Typical US takeouts; exotics range 20–25 % by state. Override per jurisdiction.
US_TAKEOUT = {"win": Decimal("0.17"), "place": Decimal("0.17"), "show": Decimal("0.17"),
              "exacta": Decimal("0.20"), "quinella": Decimal("0.20"), "trifecta": Decimal("0.25"),
              "superfecta": Decimal("0.25")}


@dataclass(frozen=True)
class Breakage:
    """Payouts per `per` stake are rounded down to a multiple of `step` (US: 10 cents per $2)."""

    step: Decimal = Decimal("0.10")
    per: Decimal = Decimal(2)

    def apply(self, payout_per_unit: Decimal, unit: Decimal) -> Decimal:
        per_quote = payout_per_unit * self.per
        rounded = (per_quote / self.step).to_integral_value(rounding=ROUND_FLOOR) * self.step
        return rounded / self.per * unit


def estimate_payout(pool: Decimal, combination_amount: Decimal, unit: Decimal = Decimal(1),
                    takeout: Decimal = Decimal("0.20"), breakage: Breakage | None = None,
                    minimum_per_unit: Decimal | None = None) -> Decimal:
    """Return for `unit` staked on a winning combination: pool × (1 − takeout) / amount on it, × unit.

    Example: pool 10,000, 20 % takeout, 200 on 5-3 → 40 per 1. `minimum_per_unit` (e.g. 1.05) is the floor a
    track guarantees even when the favourites soak up the net pool.
    """
    pool, amount, unit, takeout = Decimal(pool), Decimal(combination_amount), Decimal(unit), Decimal(takeout)
    if amount <= 0:
        raise ValueError("no money on the combination: the pool pays under its no-winner rule, not this formula")
    per_unit = pool * (1 - takeout) / amount
    if minimum_per_unit is not None:
        per_unit = max(per_unit, Decimal(minimum_per_unit))
    return breakage.apply(per_unit, unit) if breakage else per_unit * unit


def split_place_pool(pool: Decimal, placed_amounts: Mapping[int, Decimal], unit: Decimal = Decimal(1),
                     takeout: Decimal = US_TAKEOUT["place"], breakage: Breakage | None = None,
                     minimum_per_unit: Decimal | None = None) -> dict[int, Decimal]:
    """US place/show: the net pool returns each placed horse's own money, then the profit is split equally
    among the placed horses and divided by the money on each. Returns the payout for `unit` on each horse."""
    net = Decimal(pool) * (1 - Decimal(takeout))
    staked = sum((Decimal(a) for a in placed_amounts.values()), Decimal(0))
    profit_share = (net - staked) / len(placed_amounts)
    payouts = {}
    for horse, amount in placed_amounts.items():
        per_unit = 1 + profit_share / Decimal(amount)
        if minimum_per_unit is not None:
            per_unit = max(per_unit, Decimal(minimum_per_unit))
        payouts[horse] = breakage.apply(per_unit, Decimal(unit)) if breakage else per_unit * Decimal(unit)
    return payouts
