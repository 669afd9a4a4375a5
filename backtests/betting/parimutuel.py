"""Pari-mutuel payouts: the pool minus takeout shared by the winning money, then breakage, then the minimum.

One implementation for everything that prices a tote pool: the synthetic source generates its win/place/show and
exotic dividends with it, and a backtest uses it for a dividend the source did not publish (or a what-if with another
takeout). Takeout, breakage and the minimum payout differ by jurisdiction and pool, so all three are parameters with
US-style defaults; every figure is Decimal because these are money.

Order of operations: breakage rounds the payout down first, and the minimum is applied to what breakage left — the
track makes up the difference (a "minus pool"). Applying the minimum first would let breakage take the payout below
it again: with dime breakage per $1 and a 1.05 minimum, a $2 bet must return 2.10, not 2.00.

Win, place and show (US rules, :func:`split_pool`): the money bet on the horses that pay is deducted from the net pool;
what is left (the profit) is divided into as many equal parts as the pool has places (1 win, 2 place, 3 show); each
part goes to the horse that filled that place, and horses in a dead heat share equally the parts of the places they
jointly fill. Each horse's share is divided by the money bet on it, and the stake is added back. So a dead heat for
second in the place pool gives half the profit to the winner and a quarter to each dead-heater — Wisconsin Adm. Code
Game 9.04(2) ("one-half of the profit ... for wagers to place on the animal which finished first ... one-fourth ...
on each of 2 animals finishing in a dead heat for second"), California Horse Racing Board Rule 1972 (same split);
a dead heat for first in the win pool halves the profit (Ohio Adm. Code 3769-13-16), and in the place pool pays as
if one horse were first and the other second (Game 9.04(1)); a dead heat for third in the show pool gives each
dead-heater a sixth (CHRB 1972: one third of the profit shared by the horses dead-heating for third).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import cached_property
from fractions import Fraction

# Typical US takeouts; exotics range 20–25 % by state. Override per jurisdiction.
US_TAKEOUT = {"win": Decimal("0.17"), "place": Decimal("0.17"), "show": Decimal("0.17"),
              "exacta": Decimal("0.20"), "quinella": Decimal("0.20"), "trifecta": Decimal("0.25"),
              "superfecta": Decimal("0.25")}
US_MINIMUM = Decimal("1.05")  # per 1 staked: $2.10 per $2
WPS_PLACES = {"win": 1, "place": 2, "show": 3}


@dataclass(frozen=True)
class Breakage:
    """Payouts per `per` stake are rounded down to a multiple of `step` (default: 10 cents per $2, i.e. nickel
    breakage per $1; dime breakage per $1 is ``Breakage(Decimal("0.10"), Decimal(1))``)."""

    step: Decimal = Decimal("0.10")
    per: Decimal = Decimal(2)

    def __post_init__(self) -> None:
        if Decimal(self.step) <= 0 or (Decimal(self.per) / Decimal(self.step)) % 1:
            raise ValueError(f"breakage step {self.step} must divide the quote stake {self.per} a whole number of times")

    def apply(self, payout_per_unit: Decimal) -> Decimal:
        """The payout per 1 staked after breakage."""
        return (payout_per_unit * self._steps_per_unit).to_integral_value(rounding=ROUND_FLOOR) * self._unit_per_step

    @cached_property
    def _steps_per_unit(self) -> Decimal:
        return Decimal(self.per) / Decimal(self.step)

    @cached_property
    def _unit_per_step(self) -> Decimal:
        return Decimal(self.step) / Decimal(self.per)


def pay(per_unit: Decimal, unit: Decimal = Decimal(1), breakage: Breakage | None = None,
        minimum_per_unit: Decimal | None = None) -> Decimal:
    """What `unit` staked returns at an exact payout of `per_unit` per 1: breakage first, then the minimum."""
    paid = breakage.apply(Decimal(per_unit)) if breakage else Decimal(per_unit)
    if minimum_per_unit is not None and paid < minimum_per_unit:
        paid = Decimal(minimum_per_unit)
    return paid * unit


def estimate_payout(pool: Decimal, combination_amount: Decimal, unit: Decimal = Decimal(1),
                    takeout: Decimal = Decimal("0.20"), breakage: Breakage | None = None,
                    minimum_per_unit: Decimal | None = None) -> Decimal:
    """Return for `unit` staked on the one winning combination: pool × (1 − takeout) / amount on it, × unit.

    Example: pool 10,000, 20 % takeout, 200 on 5-3 → 40 per 1. `minimum_per_unit` (e.g. 1.05) is the floor a
    track guarantees even when the favourites soak up the net pool.
    """
    pool, amount, takeout = Decimal(pool), Decimal(combination_amount), Decimal(takeout)
    if amount <= 0:
        raise ValueError("no money on the combination: the pool pays under its no-winner rule, not this formula")
    return pay(pool * (1 - takeout) / amount, unit, breakage, minimum_per_unit)


def profit_shares(finish: Mapping[int, int | None], places: int) -> dict[int, Fraction]:
    """Fraction of the profit each paying horse's backers share, from the official positions (None: did not
    finish). A horse pays when fewer than `places` horses finished strictly ahead of it; a dead-heat group whose
    first place is p fills places p … p + size − 1, and shares the parts of those that are within `places`."""
    return {horse: Fraction(*part) for horse, part in _parts(finish, places).items()}


def _parts(finish: Mapping[int, int | None], places: int) -> dict[int, tuple[int, int]]:
    """profit_shares as (numerator, denominator) pairs: the synthetic source prices ~20,000 races a read."""
    ranked = sorted(position for position in finish.values() if position is not None)
    parts: dict[int, tuple[int, int]] = {}
    for horse, position in finish.items():
        if position is None:
            continue
        ahead = bisect_left(ranked, position)  # horses strictly ahead
        if ahead < places:
            tied = bisect_right(ranked, position) - ahead
            parts[horse] = (min(ahead + tied, places) - ahead, places * tied)
    return parts


def split_pool(pool: Decimal, bets: Mapping[int, Decimal | float], finish: Mapping[int, int | None], places: int,
               *, unit: Decimal = Decimal(1), takeout: Decimal = US_TAKEOUT["place"],
               breakage: Breakage | None = None, minimum_per_unit: Decimal | None = None) -> dict[int, Decimal]:
    """US win (`places` 1), place (2) or show (3) pool: the payout for `unit` on each paying horse.

    `bets` is the money in this pool on each horse (at least the paying ones; floats are taken at their exact
    binary value), `finish` the official positions. Example (pool 10,000, 17 % takeout, place money 3,000 on the
    winner and 1,000 on each of two horses dead-heating for second): net 8,300 − 5,000 = 3,300 profit;
    1,650 / 3,000 → 1.55 per 1 on the winner, 825 / 1,000 → 1.825 on each dead-heater.
    """
    parts = _parts(finish, places)
    backed = {horse: Decimal(bets.get(horse, 0)) for horse in parts}
    if min(backed.values(), default=1) <= 0:
        unbacked = sorted(horse for horse, amount in backed.items() if amount <= 0)
        raise ValueError(f"no {places}-place money on paying horse(s) {unbacked}: the pool pays under its "
                         "no-ticket rule, not this formula")
    profit = Decimal(pool) * (1 - Decimal(takeout)) - sum(backed.values())
    return {horse: pay(1 + profit * share / (parts_of * backed[horse]), unit, breakage, minimum_per_unit)
            for horse, (share, parts_of) in parts.items()}
