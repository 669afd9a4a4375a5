"""Our market replay side by side with flumine, the reference Betfair backtester, on the real stream files.

The same decisions (back the T−5 favourite at its best price, lay it, take the BSP, stake 10) run through both.
Where the rules agree the fills must be identical, part by part; every difference is asserted as the rule that
explains it, so a new difference fails the test instead of hiding in a tolerance:

- **Latency.** flumine executes an order at the first book published more than 0.12 s after the decision; it
  matches against the decision's book, but credits that later book's traded volume. We match at the decision book
  (latency 0) and credit traded volume from the next book on. Same prices and sizes; a part filled from traded
  volume can carry a different time.
- **BSP.** flumine takes the unrounded ``actualSP`` of the first reconciled book (1.556124059615065 in Sheffield's
  WIN market); we take the BSP of the settled market definition (1.55), which is what the exchange publishes for
  settlement.
- **BASIC files** have no ladders: flumine finds no favourite and places nothing; we state an assumed fill at the
  last traded price (rule 5 of ``backtests.exchange.orders``) — so Hamilton is compared only for the BSP order.
- **Commission.** flumine books P&L before commission (its ``commission_base`` is "not implemented"); our P&L
  before commission equals flumine's order profit, and the commission on each market's net winnings comes on top.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

pytest.importorskip("flumine", reason="flumine is a dev extra (the reference backtester)")

from backtests.exchange.replay import Replay  # noqa: E402
from backtests.exchange.strategies import BackFavourite, BspBackFavourite, LayFavourite  # noqa: E402
from ingestion.exchange.messages import market_base_rates, merged_messages  # noqa: E402
from tests.conftest import SHARED_DATA  # noqa: E402
from tests.flumine_reference import flumine_fills  # noqa: E402

D = Decimal
FOLDER = SHARED_DATA / "betfair-historical"
LADDER_FILES = [FOLDER / "1.197931750", FOLDER / "1.197931751.bz2"]
HAMILTON = FOLDER / "BASIC-1.132153978"
STAKE = D(10)
pytestmark = [pytest.mark.shared,
              pytest.mark.skipif(not FOLDER.exists(), reason=f"real Betfair files not found at {FOLDER} (../shared)")]
OURS = {"back_favourite_t5": BackFavourite, "lay_favourite_t5": LayFavourite, "bsp_back": BspBackFavourite}


def ours(strategy: str, paths) -> tuple[list, dict]:
    result = Replay(OURS[strategy](seconds_before=300, stake=STAKE), base_rates=market_base_rates(paths)).run(
        merged_messages(paths))
    return result.orders, result.settlements


@pytest.mark.parametrize("strategy", ["back_favourite_t5", "lay_favourite_t5"])
def test_limit_orders_fill_alike_part_by_part(strategy):
    theirs = {row["market_id"]: row for row in flumine_fills(LADDER_FILES, strategy, STAKE)}
    orders, settlements = ours(strategy, LADDER_FILES)
    assert len(orders) == len(theirs) == 2
    for order in orders:
        row = theirs[order.market_id]
        assert (order.selection_id, order.side, order.price, order.placed_at) == (
            row["selection_id"], row["side"], row["price"], row["placed_at"])
        assert [(f.price, f.size) for f in order.fills] == [(price, size) for _, price, size in row["fills"]]
        assert order.fills[0].matched_at == row["placed_at"] <= row["fills"][0][0]  # latency: flumine 0.12 s later
        assert order.size_matched == row["size_matched"] == STAKE
        assert settlements[order.market_id].gross_profit == row["profit"]


def test_bsp_orders_differ_only_by_the_bsp_each_takes():
    theirs = {row["market_id"]: row for row in flumine_fills(LADDER_FILES, "bsp_back", STAKE)}
    orders, settlements = ours("bsp_back", LADDER_FILES)
    assert [(o.market_id, o.average_price_matched) for o in orders] == [("1.197931750", D("1.55")),
                                                                        ("1.197931751", D("1.28"))]
    assert {m: (r["fills"][0][1], r["average_price_matched"]) for m, r in theirs.items()} == {
        "1.197931750": (D("1.556124059615065"), D("1.56")), "1.197931751": (D("1.282193845135735"), D("1.28"))}
    for order in orders:
        row = theirs[order.market_id]
        assert (order.selection_id, order.size_matched) == (row["selection_id"], row["size_matched"])
        # same result either way here: WIN lost the stake, PLACE paid 10 x 0.28
        assert settlements[order.market_id].gross_profit == row["profit"]


def test_on_a_basic_file_flumine_finds_no_favourite_and_our_bsp_back_pays_commission():
    theirs = flumine_fills([HAMILTON], "bsp_back", STAKE)
    assert theirs == []  # BASIC: no ladder, so flumine's favourite rule finds nothing to back
    orders, settlements = ours("bsp_back", [HAMILTON])
    order = orders[0]
    assert (order.selection_id, order.average_price_matched) == (12115648, D("4.15"))
    gross = settlements["1.132153978"].gross_profit
    assert gross == STAKE * (D("4.15") - 1) == D("31.50")
    assert settlements["1.132153978"].commission == (gross * 5 / 100).quantize(D("0.01"), ROUND_HALF_UP)
