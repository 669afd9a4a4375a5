"""Brute force: every finishing order of a small field, with dead heats, non-finishers and scratches, settled by
``tickets.settle_combinations`` (the one settlement core) for every pool and every combination, against a plain
definition written here from the rules, not from the code.

The definition: an official result (positions, equal = dead heat) stands for every finishing order that breaks the
dead heats some way. A pool paying exactly the first k wins with whatever some such order puts first k (in order,
or as a set); a pool paying k of the first P > k (place, show, quinella place) wins when each of its horses is in
the first P of some such order (how the HKJC paid its 2017–2019 dead heats, see test_exotics_real_dividends); HK
place pays two places with six or fewer starters; a quinté bonus ticket holds a winning first 4 (or 3) but wins no
better tier. A combination holding a scratched horse is refunded; a horse that did not finish never wins.
"""
from __future__ import annotations

import itertools
import random

from backtests.betting.exotics import Outcome
from backtests.betting.pools import POOL_RULES, POOLS, QUINTE_BONUS_DEPTH, SETTLEABLE_POOLS
from backtests.betting.tickets import settle_combinations
from tests.finishes import weak_orders


# From the pools' rules, written out here: (horses per combination, in order?, how many places pay).
RULES = {
    "win": (1, True, 1), "place": (1, False, 3), "us_place": (1, False, 2), "show": (1, False, 3),
    "quinella": (2, False, 2), "quinella_place": (2, False, 3), "exacta": (2, True, 2), "forecast": (2, True, 2),
    "trifecta": (3, True, 3), "tierce": (3, True, 3), "trio": (3, False, 3), "superfecta": (4, True, 4),
    "quartet": (4, True, 4), "first4": (4, False, 4), "quinte": (5, True, 5), "quinte_desordre": (5, False, 5),
}


def scenarios(horses, scratch_sets):
    """(placings, scratched): scratched horses are listed with None, so are non-finishers."""
    for scratched in scratch_sets:
        runners = [h for h in horses if h not in scratched]
        for count in range(len(runners) + 1):
            for finishers in itertools.combinations(runners, count):
                for finish in weak_orders(list(finishers)):
                    yield {h: finish.get(h) for h in horses}, frozenset(scratched)


def tie_broken_orders(placings, scratched):
    finishers = [h for h, p in placings.items() if p is not None and h not in scratched]
    groups = [[h for h in finishers if placings[h] == p] for p in sorted({placings[h] for h in finishers})]
    return [tuple(itertools.chain(*parts)) for parts in itertools.product(*(itertools.permutations(g) for g in groups))]


def reference_winners(pool, placings, scratched, starters):
    orders = tie_broken_orders(placings, scratched)
    if pool in QUINTE_BONUS_DEPTH:
        return quinte_bonus(QUINTE_BONUS_DEPTH[pool], orders)
    legs, ordered, places = RULES[pool]
    places = 2 if pool == "place" and starters <= 6 else places
    if legs < places:
        placed = {h for order in orders for h in order[:places]}
        return {c for c in itertools.combinations(sorted(placed), legs)}
    if ordered:
        return {order[:legs] for order in orders if len(order) >= legs}
    return {tuple(sorted(order[:legs])) for order in orders if len(order) >= legs}


def quinte_bonus(depth, orders):
    horses = sorted({h for order in orders for h in order})
    cores = {frozenset(order[:depth]) for order in orders if len(order) >= depth}
    better = {frozenset(order[:5]) for order in orders if len(order) >= 5}
    if depth == 3:
        better |= {frozenset(t) for t in quinte_bonus(4, orders)}
    return {t for t in itertools.combinations(horses, 5)
            if any(core <= set(t) for core in cores) and frozenset(t) not in better}


def check(pool, placings, scratched, starters=None):
    horses = sorted(placings)
    legs, ordered, _ = RULES.get(pool, (5, False, 5))  # quinté bonuses: five horses, any order
    candidates = list((itertools.permutations if ordered else itertools.combinations)(horses, legs))
    field = starters if starters is not None else len(horses) - len(scratched)
    winners = reference_winners(pool, placings, scratched, field)
    refunded = [c for c in candidates if scratched.intersection(c)]
    won = [c for c in candidates if c in winners and not scratched.intersection(c)]
    lost = [c for c in candidates if c not in winners and not scratched.intersection(c)]
    got = settle_combinations(pool, candidates, placings, scratched=scratched, starters=starters)
    assert got == {Outcome.WIN: won, Outcome.LOSE: lost, Outcome.REFUND: refunded}, (pool, placings, scratched)
    return len(won)


def test_every_result_of_five_horses_in_every_pool():
    """Pools sharing a rule under another name (forecast = exacta, ...) and the quinté in order run on every seventh
    result; one pool of each rule runs on all."""
    cases = list(scenarios([1, 2, 3, 4, 5], [(), (5,), (2, 5)]))
    assert len(cases) == 1082 + 150 + 26  # Σ C(n, k) × ordered partitions of k, for 5, 4 and 3 runners
    first_of_rule = {}
    for pool, rule in RULES.items():
        first_of_rule.setdefault((rule, pool == "place"), pool)
    every = set(first_of_rule.values()) - {"quinte"}  # ordered like trifecta, and 120 combinations a result
    assert every == {"win", "place", "us_place", "show", "quinella", "quinella_place", "exacta", "trifecta", "trio",
                     "superfecta", "first4", "quinte_desordre"}  # HK place: show's rule but 2 in small fields
    paid = dict.fromkeys(RULES, 0)
    for index, (placings, scratched) in enumerate(cases):
        for pool in RULES if index % 7 == 0 else every:
            paid[pool] += check(pool, placings, scratched)
        for starters in (6, 7):  # HK place around its boundary: two places up to six starters, three from seven
            paid["place"] += check("place", placings, scratched, starters=starters)
    assert all(paid.values()), paid  # every pool had winners somewhere (the comparison was not vacuous)


def test_quinte_pools_on_seven_horses():
    """Five-leg pools need a bigger field: every dead-heat structure of seven finishers (and of six with one
    non-finisher, and with one scratched), each under a few fixed relabellings."""
    shuffle = random.Random(14)
    structures = []
    for cuts in itertools.product([False, True], repeat=6):  # the 64 compositions of 7: where a new position starts
        position, positions = 1, [1]
        for index, cut in enumerate(cuts, start=2):
            position = index if cut else position
            positions.append(position)
        structures.append(positions)
    cases = 0
    for positions in structures:
        for relabel in range(3):
            horses = list(range(1, 8))
            shuffle.shuffle(horses)
            placings = dict(zip(horses, positions))
            variants = [(placings, frozenset()), ({**placings, horses[-1]: None}, frozenset()),
                        ({**placings, horses[-1]: None}, frozenset([horses[-1]]))]
            for variant, scratched in variants:
                for pool in ("quinte_desordre", *QUINTE_BONUS_DEPTH):  # quinté in order: five horses above
                    check(pool, variant, scratched)
                cases += 1
    assert cases == 64 * 3 * 3


def test_every_settleable_pool_is_covered_above():
    # a pool added to backtests.betting.pools needs its rule written out in RULES (or is a quinté bonus)
    assert set(SETTLEABLE_POOLS) == set(RULES) | set(QUINTE_BONUS_DEPTH) == set(POOL_RULES) | set(QUINTE_BONUS_DEPTH)


def test_every_warehouse_pool_settles_and_sources_map_onto_it():
    from ingestion.racecards.hkjc_results import POOLS as HKJC_RESULT_PAGES
    from ingestion.schema import POOLS as SCHEMA_POOLS
    from ingestion.sources.hkjc.source import POOLS as HKJC_KEYS

    assert SCHEMA_POOLS is POOLS and set(POOLS) <= set(POOL_RULES)
    for mapping in (HKJC_KEYS, HKJC_RESULT_PAGES):
        for source_name, (pool, ordered) in mapping.items():
            assert pool in POOLS, source_name
            assert POOL_RULES[pool].legs == 1 or ordered == POOL_RULES[pool].ordered, source_name
