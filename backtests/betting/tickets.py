"""Exotic tickets (straight, box, key/banker, wheel, positional standouts), their cost and their settlement.

A ticket is a set of combinations bought at one unit stake each. Combinations are enumerated lazily (a 14-horse
first-4 box is 24,024 of them) while the count comes from a closed form, so pricing a ticket never enumerates it;
the unit tests check that both agree. Positional standouts overlap (the same horse may be picked for 2nd and 3rd),
so their count uses inclusion–exclusion over set partitions of the positions rather than a plain product.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from backtests.betting.exotics import Outcome, winning_combinations
from backtests.betting.pools import POOL_RULES

HKJC_DIVIDEND_UNIT = Decimal(10)  # dividendPer10: dividends are quoted per HK$10 stake


@dataclass(frozen=True)
class Ticket:
    """positions[i] = horses allowed at leg i (ordered pools); for unordered pools, `bankers` must all be in the
    combination and the rest come from `others`."""

    pool: str
    form: str
    positions: tuple[frozenset[int], ...] = ()
    bankers: frozenset[int] = frozenset()
    others: frozenset[int] = frozenset()
    legs: int = field(init=False)
    ordered: bool = field(init=False)

    def __post_init__(self) -> None:
        if self.pool not in POOL_RULES:
            raise ValueError(f"unknown pool {self.pool!r}")
        object.__setattr__(self, "legs", POOL_RULES[self.pool].legs)
        object.__setattr__(self, "ordered", POOL_RULES[self.pool].ordered)

    def combinations(self) -> Iterator[tuple[int, ...]]:
        """Lazily, each distinct combination once (ordered: in leg order; unordered: sorted)."""
        if self.ordered and len(set(self.positions)) == 1:  # a box: permutations, without the discarded repeats
            yield from itertools.permutations(sorted(self.positions[0]), self.legs)
            return
        if self.ordered:
            for combination in itertools.product(*(sorted(p) for p in self.positions)):
                if len(set(combination)) == self.legs:
                    yield combination
            return
        free = sorted(self.others - self.bankers)
        for extra in itertools.combinations(free, self.legs - len(self.bankers)):
            yield tuple(sorted(self.bankers | set(extra)))

    def count(self) -> int:
        """Number of combinations, in closed form."""
        if not self.ordered:
            return math.comb(len(self.others - self.bankers), self.legs - len(self.bankers))
        return _injective_count(self.positions)

    def cost(self, unit: Decimal) -> Decimal:
        return self.count() * Decimal(unit)


def _set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _set_partitions(rest):
        yield [[first], *partition]
        for index in range(len(partition)):
            yield [*partition[:index], [first, *partition[index]], *partition[index + 1:]]


def _injective_count(positions: Sequence[frozenset[int]]) -> int:
    """Tuples with distinct horses, one per position: Σ over partitions π of μ(π) Π |∩ block| (Möbius inversion).

    For a box (every position the same n horses) this is n!/(n−k)!; for disjoint positions, the plain product.
    """
    total = 0
    for partition in _set_partitions(list(range(len(positions)))):
        term = 1
        for block in partition:
            term *= (-1) ** (len(block) - 1) * math.factorial(len(block) - 1)
            term *= len(frozenset.intersection(*(positions[i] for i in block)))
        total += term
    return total


def straight(pool: str, combination: Sequence[int]) -> Ticket:
    if POOL_RULES[pool].ordered:
        return Ticket(pool, "straight", positions=tuple(frozenset([horse]) for horse in combination))
    return Ticket(pool, "straight", bankers=frozenset(combination), others=frozenset(combination))


def box(pool: str, horses: Collection[int]) -> Ticket:
    """Every combination of the horses: n!/(n−k)! for ordered pools, C(n, k) otherwise."""
    chosen = frozenset(horses)
    if POOL_RULES[pool].ordered:
        return Ticket(pool, "box", positions=tuple(chosen for _ in range(POOL_RULES[pool].legs)))
    return Ticket(pool, "box", others=chosen)


def key(pool: str, bankers: Sequence[int], others: Collection[int]) -> Ticket:
    """Banker(s) with others. Ordered pools: bankers fill the first legs in the given order (a US "key" on top),
    others fill the rest in any order; unordered pools (HK banker): bankers in every combination."""
    rule = POOL_RULES[pool]
    if len(bankers) >= rule.legs:
        raise ValueError(f"a {pool} key needs fewer than {rule.legs} bankers, got {list(bankers)}")
    rest = frozenset(others) - set(bankers)
    if rule.ordered:
        return Ticket(pool, "key", positions=tuple(frozenset([b]) for b in bankers) +
                      tuple(rest for _ in range(rule.legs - len(bankers))))
    return Ticket(pool, "key", bankers=frozenset(bankers), others=rest | set(bankers))


def wheel(pool: str, key_horse: int, position: int, field_horses: Collection[int]) -> Ticket:
    """Ordered pools: one horse fixed at a leg (0-based `position`), every other horse of the field elsewhere."""
    rule = POOL_RULES[pool]
    if not rule.ordered or not 0 <= position < rule.legs:
        raise ValueError(f"a wheel needs an ordered pool and a position below {rule.legs}")
    rest = frozenset(field_horses) - {key_horse}
    return Ticket(pool, "wheel", positions=tuple(frozenset([key_horse]) if leg == position else rest
                                                 for leg in range(rule.legs)))


def positional(pool: str, positions: Sequence[Collection[int] | None], field_horses: Collection[int]) -> Ticket:
    """Standouts per leg, e.g. 1st {5}, 2nd {3, 7}, 3rd any (None = the whole field)."""
    rule = POOL_RULES[pool]
    if not rule.ordered or len(positions) != rule.legs:
        raise ValueError(f"{pool} positional tickets need {rule.legs} legs on an ordered pool")
    return Ticket(pool, "positional", positions=tuple(frozenset(field_horses if p is None else p) for p in positions))


@dataclass(frozen=True)
class TicketSettlement:
    winning: list[tuple[int, ...]]
    refunded: list[tuple[int, ...]]
    payout: Decimal
    refund: Decimal


def combination_key(pool: str, combination: Sequence[int]) -> tuple[int, ...]:
    """The form a combination is looked up by: leg order for ordered pools, sorted for unordered ones (the
    convention of ``raw.dividends.combination`` and of :func:`backtests.betting.exotics.winning_combinations`)."""
    return tuple(combination) if _ordered(pool) else tuple(sorted(combination))


def _ordered(pool: str) -> bool:
    return POOL_RULES[pool].ordered if pool in POOL_RULES else False  # quinté bonuses are unordered


def settle_combinations(pool: str, combinations: Iterable[Sequence[int]], placings: Mapping[int, int | None], *,
                        scratched: Collection[int] = (), starters: int | None = None) -> dict[Outcome, list]:
    """WIN, LOSE or REFUND for each combination, the winning set computed once (what a tote does per race and
    pool). This is the one settlement of the project: the ledger, exotic_box and the tests all go through it.

    A combination holding a scratched horse is refunded; otherwise it wins when its lookup form
    (:func:`combination_key`) is one of the pool's winning combinations. Combinations keep the form they came in.
    """
    winners = winning_combinations(pool, placings, scratched=scratched, starters=starters)
    key = tuple if _ordered(pool) else lambda combination: tuple(sorted(combination))
    scratched_set = set(scratched)
    won: list = []
    lost: list = []
    refunded: list = []
    for combination in combinations:
        if scratched_set and scratched_set.intersection(combination):
            refunded.append(combination)
        elif key(combination) in winners:
            won.append(combination)
        else:
            lost.append(combination)
    return {Outcome.WIN: won, Outcome.LOSE: lost, Outcome.REFUND: refunded}


def settle_ticket(ticket: Ticket, placings: Mapping[int, int | None], unit: Decimal, *,
                  dividends: Mapping[tuple[int, ...], Decimal] | None = None,
                  dividend_unit: Decimal = HKJC_DIVIDEND_UNIT,
                  estimate: Callable[[tuple[int, ...]], Decimal] | None = None,
                  scratched: Collection[int] = (), starters: int | None = None) -> TicketSettlement:
    """Payout = Σ over winning combinations of the official dividend × unit / dividend_unit, or, where no official
    dividend is given, `estimate(combination)` per unit (e.g. from backtests.betting.parimutuel). Refunds return the unit.
    """
    outcomes = settle_combinations(ticket.pool, ticket.combinations(), placings, scratched=scratched,
                                   starters=starters)
    unit = Decimal(unit)
    payout = Decimal(0)
    for combination in outcomes[Outcome.WIN]:
        official = (dividends or {}).get(tuple(combination))
        if official is not None:
            payout += Decimal(official) * unit / Decimal(dividend_unit)
        elif estimate is not None:
            payout += Decimal(estimate(combination)) * unit
        else:
            raise LookupError(f"no dividend for winning {ticket.pool} combination {combination} and no estimator")
    refunded = outcomes[Outcome.REFUND]
    return TicketSettlement(outcomes[Outcome.WIN], refunded, payout, unit * len(refunded))
