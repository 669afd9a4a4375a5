"""flumine's fills on the real files are what the stream files say they must be, checked without flumine.

The reference (tests/flumine_reference.py) is only worth comparing against if its numbers are understood: each
expected value here is read from the file with plain json (decision time, favourite, best price and the size there,
later traded volume, BSP, result) and pinned as a literal as well, so a change on either side fails the test.
"""
from __future__ import annotations

import bz2
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

pytest.importorskip("flumine", reason="flumine is a dev extra (the reference backtester)")

from tests.conftest import shared_path  # noqa: E402
from tests.flumine_reference import STRATEGIES, flumine_fills  # noqa: E402

pytestmark = pytest.mark.shared

WIN, PLACE, BASIC = "1.197931750", "1.197931751.bz2", "BASIC-1.132153978"
STAKE = Decimal("10")
FAVOURITE = 39823721  # the 1.49 (WIN) / 1.24 (PLACE) greyhound, a WIN loser and a PLACE winner


def _at(pt: int) -> datetime:
    return datetime.fromtimestamp(pt / 1000, tz=timezone.utc)


def _lines(name: str) -> list[dict]:
    path = shared_path("betfair-historical", name)
    opener = bz2.open if name.endswith(".bz2") else open
    with opener(path, "rt") as handle:
        return [json.loads(line, parse_float=Decimal) for line in handle]


def _replay(name: str):
    """(publish time, market definition, {selection: {"atb"|"atl"|"trd": {price: size}}}) after every line."""
    definition, ladders = None, {}
    for line in _lines(name):
        for change in line.get("mc", []):
            definition = change.get("marketDefinition", definition)
            for runner in change.get("rc", []):
                book = ladders.setdefault(runner["id"], {"atb": {}, "atl": {}, "trd": {}})
                for key in ("atb", "atl", "trd"):
                    for price, size in runner.get(key, []):
                        book[key][price] = size
        yield line["pt"], definition, {sel: {k: {p: s for p, s in v.items() if s} for k, v in book.items()}
                                       for sel, book in ladders.items()}


def _decision(name: str):
    """The T-5 decision, independently: first OPEN, not in-play book at or after marketTime - 300 s, and the rest."""
    states = list(_replay(name))
    for index, (pt, definition, ladders) in enumerate(states):
        off = datetime.fromisoformat(definition["marketTime"].replace("Z", "+00:00"))
        if definition["status"] == "OPEN" and not definition["inPlay"] and _at(pt) >= off - timedelta(seconds=300):
            active = {r["id"] for r in definition["runners"] if r["status"] == "ACTIVE"}
            backed = [(max(ladders[sel]["atb"]), sel) for sel in active if ladders.get(sel, {}).get("atb")]
            return states, index, (min(backed)[1] if backed else None)
    raise AssertionError(f"{name}: no decision book")


@pytest.fixture(scope="module")
def fills():
    files = [shared_path("betfair-historical", name) for name in (WIN, PLACE, BASIC)]
    return {strategy: flumine_fills(files, strategy, STAKE) for strategy in STRATEGIES}


def _queued_fills(states, index: int, selection: int, price: Decimal, rest: Decimal) -> list[tuple]:
    """The rest of a back order resting at `price` with nothing ahead of it: at each later update, half of the new
    traded volume at prices >= `price` (traded volume counts both sides of each match), up to what is left."""
    out = []
    for (_, _, before), (pt, _, after) in zip(states[index:], states[index + 1:]):
        old, new = before[selection]["trd"], after[selection]["trd"]
        for at in sorted(p for p in new if p >= price and new[p] > old.get(p, 0)):
            take = min(rest, (new[at] - old.get(at, 0)) / 2)
            if take:
                out.append((_at(pt), price, take))
                rest -= take
        if not rest:
            return out
    return out


@pytest.mark.parametrize(("name", "price", "available", "filled_at", "result", "profit"), [
    (WIN, Decimal("1.49"), Decimal("9.67"), 1650392675423, "LOSER", Decimal("-10")),
    (PLACE, Decimal("1.24"), Decimal("8.18"), 1650392674421, "WINNER", Decimal("2.4")),
])
def test_back_favourite_fills_the_best_back_size_then_the_rest_from_halved_traded_volume(
        fills, name, price, available, filled_at, result, profit):
    states, index, favourite = _decision(name)
    pt, _, ladders = states[index]
    book = ladders[favourite]
    assert (favourite, max(book["atb"]), book["atb"][max(book["atb"])]) == (FAVOURITE, price, available)
    # flumine executes 0.12 s after the decision against the book then in force: here still the decision book
    assert states[index + 1][0] - pt > 120
    # the unmatched rest queues behind the lay-side size offered at its own price: none here
    assert price not in book["atl"]
    rest = _queued_fills(states, index, favourite, price, STAKE - available)
    assert rest == [(_at(filled_at), price, STAKE - available)]
    [row] = [r for r in fills["back_favourite_t5"] if r["market_id"] == name.removesuffix(".bz2")]
    assert row["fills"] == [(_at(pt), price, available), *rest]
    assert (row["selection_id"], row["side"], row["order_type"], row["price"], row["size"], row["placed_at"]) == (
        FAVOURITE, "back", "LIMIT", price, STAKE, _at(pt))
    assert (row["average_price_matched"], row["size_matched"], row["status"]) == (price, STAKE, "EXECUTION_COMPLETE")
    final = {r["id"]: r["status"] for r in states[-1][1]["runners"]}
    assert final[FAVOURITE] == result
    assert row["profit"] == profit == (STAKE * (price - 1) if result == "WINNER" else -STAKE)


@pytest.mark.parametrize(("name", "price", "available", "profit"), [
    (WIN, Decimal("1.5"), Decimal("22.88"), Decimal("10")),
    (PLACE, Decimal("1.25"), Decimal("10"), Decimal("-2.5")),
])
def test_lay_favourite_fills_whole_at_the_best_lay_when_enough_is_offered(fills, name, price, available, profit):
    states, index, favourite = _decision(name)
    pt, _, ladders = states[index]
    lay = ladders[favourite]["atl"]
    assert (min(lay), lay[min(lay)]) == (price, available) and available >= STAKE
    [row] = [r for r in fills["lay_favourite_t5"] if r["market_id"] == name.removesuffix(".bz2")]
    assert row["fills"] == [(_at(pt), price, STAKE)]
    assert (row["side"], row["price"], row["size_matched"], row["status"]) == ("lay", price, STAKE, "EXECUTION_COMPLETE")
    assert row["profit"] == profit


@pytest.mark.parametrize(("name", "flumine_bsp", "settled_bsp", "profit"), [
    (WIN, Decimal("1.56"), Decimal("1.55"), Decimal("-10")),
    (PLACE, Decimal("1.28"), Decimal("1.28"), Decimal("2.8")),
])
def test_bsp_back_matches_at_the_first_reconciled_bsp_rounded_to_2dp(fills, name, flumine_bsp, settled_bsp, profit):
    """flumine takes the unrounded BSP of the first bspReconciled book and rounds the average to 2 dp (1.5561 ->
    1.56); the CLOSED definition settles at 1.55. Our engine must use the settled value, so the WIN row differs."""
    states, _, _ = _decision(name)
    pt, definition = next((p, d) for p, d, _ in states if d["bspReconciled"])
    [first] = [r["bsp"] for r in definition["runners"] if r["id"] == FAVOURITE]
    [settled] = [r["bsp"] for r in states[-1][1]["runners"] if r["id"] == FAVOURITE]
    assert (round(first, 2), settled) == (flumine_bsp, settled_bsp)
    [row] = [r for r in fills["bsp_back"] if r["market_id"] == name.removesuffix(".bz2")]
    assert (row["order_type"], row["price"], row["size"]) == ("MARKET_ON_CLOSE", None, STAKE)
    assert row["fills"] == [(_at(pt), first, STAKE)]
    assert (row["average_price_matched"], row["size_matched"], row["profit"]) == (flumine_bsp, STAKE, profit)


def test_basic_file_has_no_ladder_so_no_favourite_and_no_order(fills):
    """BASIC files carry last traded prices only: no runner ever has a back price, so no strategy places an order."""
    states, _, favourite = _decision(BASIC)
    assert favourite is None and not any(book["atb"] for _, _, ladders in states for book in ladders.values())
    assert [r for rows in fills.values() for r in rows if r["market_id"] == "1.132153978"] == []
    assert sorted(len(rows) for rows in fills.values()) == [2, 2, 2]
