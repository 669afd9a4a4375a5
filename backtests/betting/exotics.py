"""Which combinations win a pool, given an official finish with dead heats, non-finishers and scratches.

Two rules cover every pool, including dead heats. Call a linear order of the runners *consistent* if it respects
every strict difference in official position (ties broken any way). Then

- a pool that needs exactly the first k (win, exacta, trifecta, quartet in order; quinella, trio, first 4 in any
  order) pays every combination that is the first k of some consistent order — so a dead heat for 2nd makes two
  exactas with the winner, but the two dead-heaters do not make a quinella together;
- a pool that pays any k of the first P with P > k (place, show, quinella place) pays every combination whose
  horses are *each* placed, i.e. each has fewer than P horses strictly ahead of it — so a dead heat for 3rd makes
  place pay four horses and quinella place pay six pairs, the two dead-heaters together included.

Both reproduce how the Hong Kong tote paid every 2017–2019 dividend whose race record is complete (see
tests/integration/test_exotics_real_dividends.py).

Scratches (refund rule): a scratched horse never wins; a win/place/show bet on it, and every exotic combination
containing it, is refunded, not lost. Horses with placing None started but did not finish.

This module is the rule; the one place a bet is settled with it (win, lose or refund per combination) is
:func:`backtests.betting.tickets.settle_combinations`, which the ledger (``portfolio``), ``exotic_box`` and the tests call.
The pools themselves are listed once, in :mod:`backtests.betting.pools`.
"""
from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Mapping
from enum import Enum

from backtests.betting.pools import HK_PLACE_SMALL_FIELD, POOL_RULES, QUINTE_BONUS_DEPTH, SETTLEABLE_POOLS, PoolRule


class Outcome(Enum):
    WIN = "win"
    LOSE = "lose"
    REFUND = "refund"


def pool_rule(pool: str, starters: int) -> PoolRule:
    """The pool's rule for this race; Hong Kong place pays only two places when six or fewer horses start."""
    if pool not in POOL_RULES:
        raise ValueError(f"unknown pool {pool!r}; choose one of {', '.join(SETTLEABLE_POOLS)}")
    rule = POOL_RULES[pool]
    if pool == "place" and starters <= HK_PLACE_SMALL_FIELD:
        return PoolRule(1, False, 2)
    return rule


def _finishers(placings: Mapping[int, int | None], scratched: Collection[int]) -> dict[int, int]:
    return {horse: position for horse, position in placings.items()
            if position is not None and horse not in scratched}


def _tie_groups(finishers: Mapping[int, int]) -> list[list[int]]:
    """Finishers grouped by official position, best first (a group of two or more is a dead heat)."""
    by_position: dict[int, list[int]] = {}
    for horse, position in finishers.items():
        by_position.setdefault(position, []).append(horse)
    return [sorted(by_position[position]) for position in sorted(by_position)]


def _ordered_prefixes(groups: list[list[int]], legs: int) -> Iterator[tuple[int, ...]]:
    """Every first-`legs` tuple of an order that breaks ties any way: whole groups, then part of the next one."""
    if legs == 0:
        yield ()
        return
    if not groups:
        return  # fewer finishers than legs: nothing can win
    head, rest = groups[0], groups[1:]
    for arrangement in itertools.permutations(head, min(len(head), legs)):
        tail_legs = legs - len(arrangement)
        for tail in _ordered_prefixes(rest, tail_legs) if tail_legs else [()]:
            yield arrangement + tail


def _sets_within(groups: list[list[int]], legs: int, places: int) -> set[tuple[int, ...]]:
    """Winning sorted `legs`-sets of an unordered pool paying the first `places` (see the module docstring)."""
    if places > legs:
        placed = []
        for group in groups:
            if len(placed) >= places:
                break
            placed.extend(group)
        return {tuple(sorted(chosen)) for chosen in itertools.combinations(placed, legs)}
    winners: set[tuple[int, ...]] = set()
    ahead: list[int] = []  # horses strictly ahead of the current group
    for group in groups:
        if len(ahead) >= legs:
            break
        # the set holds every horse ahead of this group and fills the remaining legs from the dead heat in it
        for chosen in itertools.combinations(group, min(len(group), legs - len(ahead))):
            winners.add(tuple(sorted(ahead + list(chosen))))
        ahead.extend(group)
    return {winner for winner in winners if len(winner) == legs}


def winning_combinations(pool: str, placings: Mapping[int, int | None], *, scratched: Collection[int] = (),
                         starters: int | None = None) -> set[tuple[int, ...]]:
    """Every combination that wins `pool`: tuples in finishing order for ordered pools, sorted tuples otherwise.

    placings maps horse number → official position (equal positions = dead heat, None = did not finish or
    scratched). `starters` (default: horses in placings not listed in `scratched`) decides the Hong Kong place
    rule; pass it when placings omit non-finishers.
    """
    finishers = _finishers(placings, scratched)
    field = len(placings) - len(set(scratched) & set(placings)) if starters is None else starters
    groups = _tie_groups(finishers)
    if pool in QUINTE_BONUS_DEPTH:
        return _quinte_bonus(groups, finishers, QUINTE_BONUS_DEPTH[pool])
    rule = pool_rule(pool, field)
    if rule.ordered:
        return set(_ordered_prefixes(groups, rule.legs))
    return _sets_within(groups, rule.legs, rule.places)


def _quinte_bonus(groups: list[list[int]], finishers: Mapping[int, int], depth: int) -> set[tuple[int, ...]]:
    """Five-horse sets holding a winning first-`depth` set but no better tier (désordre or a deeper bonus)."""
    better = _sets_within(groups, 5, 5) | (_quinte_bonus(groups, finishers, 4) if depth == 3 else set())
    field = sorted(finishers)
    winners = set()
    for core in _sets_within(groups, depth, depth):
        others = [horse for horse in field if horse not in core]
        for extra in itertools.combinations(others, 5 - depth):
            ticket = tuple(sorted(core + extra))
            if ticket not in better:
                winners.add(ticket)
    return winners
