"""Order rules of the replay on handcrafted markets whose books are known by heart: walking the ladder, the queue
ahead at a resting price, lapsing at the off, the liability check, BSP limits, non-runners and a place-market dead
heat. Each expected figure is worked out in the test from the numbers written into the stream.
"""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from backtests.exchange.replay import Replay
from backtests.exchange.views import StaleViewError
from ingestion.exchange.messages import merged_messages
from tests.exchange_streams import OFF, mcm, write

D = Decimal


def market(status="OPEN", in_play=False, market_type="WIN", winners=1, **runners) -> dict:
    """Runners 11, 22, 33 (``r11={"status": "WINNER", "bsp": 4.2}`` overrides one)."""
    return {"marketTime": "2024-05-01T14:00:00.000Z", "status": status, "inPlay": in_play, "marketType": market_type,
            "numberOfWinners": winners, "eventTypeId": "7",
            "runners": [{"id": sid, "status": "ACTIVE", **runners.get(f"r{sid}", {})} for sid in (11, 22, 33)]}


CLOSED = market("CLOSED", True, r11={"status": "WINNER", "bsp": 4.2}, r22={"status": "LOSER", "bsp": 3.1},
                r33={"status": "LOSER", "bsp": 2.5})


class Scripted:
    """Places the given orders at the first update (a list of (method, args)), then records every later call."""

    def __init__(self, *orders):
        self.orders, self.placed, self.views = orders, [], []

    def on_book(self, view, desk):
        self.views.append(view)
        if not self.placed:
            self.placed = [getattr(desk, method)(*args) for method, args in self.orders]


def run(tmp_path, lines, strategy, **options):
    path = write(tmp_path / "1.500", lines)
    return Replay(strategy, **options).run(merged_messages([path]))


def test_a_back_walks_the_ladder_then_rests_behind_the_queue_and_fills_from_later_trades(tmp_path):
    strategy = Scripted(("back", (11, D("2.0"), D(100))), ("back", (22, D("3.0"), D(8))))
    result = run(tmp_path, [
        mcm(-600, [{"id": 11, "atb": [[2.9, 50], [2.5, 30], [1.9, 40]]},
                   {"id": 22, "atb": [[2.9, 50]], "atl": [[3.0, 10]], "trd": [[3.0, 100]]}], market(), img=True),
        # traded volume counts both sides' stakes: half of each increase is what the queue at 3.0 competes for
        mcm(-500, [{"id": 22, "trd": [[3.0, 112]]}]),  # 6 matched: 4 of the 10 ahead of us are left
        mcm(-400, [{"id": 22, "trd": [[2.9, 999]]}]),  # trades below our back price cannot reach us
        mcm(-300, [{"id": 22, "trd": [[3.0, 126]]}]),  # 7 more: the queue is gone, 3 fill us
        mcm(-200, [{"id": 22, "trd": [[3.2, 24]]}]),  # 12 matched at 3.2, a price our 3.0 beat: the last 5 of 8
        mcm(-100, [{"id": 11, "trd": [[2.0, 500]]}]),  # trades at 2.0 after 11's order joined an empty queue there
        mcm(0, None, market("SUSPENDED")), mcm(60, None, CLOSED)], strategy)
    walk, rest = strategy.placed
    offsets = [round((f.matched_at - OFF).total_seconds()) for f in rest.fills]
    assert [(f.price, f.size) for f in walk.fills[:2]] == [(D("2.9"), D(50)), (D("2.5"), D(30))]
    assert [(f.price, f.size) for f in walk.fills[2:]] == [(D("2.0"), D(20))]  # the rest of 100, from 500 traded
    assert [(f.price, f.size) for f in rest.fills] == [(D("3.0"), D(3)), (D("3.0"), D(5))] and offsets == [-300, -200]
    assert rest.status == walk.status == "EXECUTION_COMPLETE"
    settled = result.settlements["1.500"]  # 11 won: 50 × 1.9 + 30 × 1.5 + 20 × 1.0; 22 lost 8
    assert settled.gross_profit == D(95) + D(45) + D(20) - D(8)


def test_the_unmatched_rest_lapses_at_the_off_unless_it_persists_to_the_bsp(tmp_path):
    strategy = Scripted(("back", (11, D("5.0"), D(10))), ("lay", (22, D("2.0"), D(10), "MARKET_ON_CLOSE")))
    result = run(tmp_path, [
        mcm(-600, [{"id": 11, "atb": [[4.0, 50]]}, {"id": 22, "atl": [[3.2, 5]]}], market(), img=True),
        mcm(0, None, market("OPEN", True)),
        mcm(30, [{"id": 11, "trd": [[5.0, 1000]]}]),  # in-play trades at our price come after the lapse
        mcm(60, None, CLOSED)], strategy)
    lapsed, to_bsp = strategy.placed
    assert (lapsed.status, lapsed.fills, lapsed.reason) == ("LAPSED", [], "lapsed at the off")
    assert [(f.price, f.size, f.matched_at) for f in to_bsp.fills] == [(D("3.1"), D(10), OFF)]
    assert result.settlements["1.500"].gross_profit == D(10)  # the lay of 22 at its BSP 3.1: 22 lost


def test_a_lay_whose_liability_exceeds_the_bankroll_is_rejected_and_says_by_how_much(tmp_path):
    strategy = Scripted(("back", (11, D("4.0"), D(6))), ("lay", (22, D("2.0"), D(5))))
    run(tmp_path, [mcm(-600, [{"id": 11, "atb": [[4.0, 50]]}, {"id": 22, "atl": [[2.0, 50]]}], market(), img=True),
                   mcm(60, None, CLOSED)], strategy, bankroll=D(10))
    back, lay = strategy.placed
    assert back.size_matched == D(6)
    assert (lay.status, lay.reason) == ("REJECTED", "liability 5.0 exceeds the available bankroll 4")


def test_bsp_limits_take_the_starting_price_only_when_it_is_at_least_as_good(tmp_path):
    strategy = Scripted(("bsp_back", (11, D(10), D("5.0"))), ("bsp_back", (22, D(10), D("3.0"))),
                        ("bsp_lay", (11, D(10), D("5.0"))))
    run(tmp_path, [mcm(-600, [], market(), img=True), mcm(0, None, market("SUSPENDED")), mcm(60, None, CLOSED)],
        strategy)
    short, taken, lay = strategy.placed
    assert (short.status, short.reason) == ("LAPSED", "BSP 4.2 is worse than the limit 5.0")
    assert [(f.price, f.size) for f in taken.fills] == [(D("3.1"), D(10))]
    assert [(f.price, f.size) for f in lay.fills] == [(D("4.2"), D("3.12"))]  # liability 10 / 3.2, cents down


def test_a_non_runner_cancels_the_unmatched_rest_and_reduces_what_was_matched_before_it(tmp_path):
    strategy = Scripted(("back", (11, D("8.0"), D(20))))
    removal = {"status": "REMOVED", "adjustmentFactor": 25.0, "removalDate": "2024-05-01T13:50:00.000Z"}
    closed = copy.deepcopy(CLOSED)
    closed["runners"][2] = {"id": 33, **removal}
    result = run(tmp_path, [
        mcm(-900, [{"id": 11, "atb": [[8.0, 15]]}], market(), img=True),
        mcm(-600, None, market(r33=removal)),
        mcm(-500, [{"id": 11, "trd": [[8.0, 99]]}]),
        mcm(60, None, closed)], strategy)
    order = strategy.placed[0]
    assert [(f.price, f.size) for f in order.fills] == [(D("8.0"), D(15))]
    assert order.status == "EXECUTION_COMPLETE" and order.reason.startswith("non-runner [33] removed")
    bet = result.settlements["1.500"].bets[0]
    assert (bet.effective_price, bet.profit) == (D("6.00"), D(75))  # rule 13.7: 8.0 at 25 % becomes 6.0


def test_a_place_market_dead_heat_settles_on_the_places_left(tmp_path):
    place = {"market_type": "PLACE", "winners": 2}
    closed = market("CLOSED", True, r11={"status": "WINNER"}, r22={"status": "WINNER"}, r33={"status": "WINNER"},
                    **place)
    strategy = Scripted(*(("back", (sid, D(price), D(10))) for sid, price in ((11, "1.5"), (22, "2.4"), (33, "3.0"))))
    result = run(tmp_path, [
        mcm(-600, [{"id": s, "atb": [[p, 100]]} for s, p in ((11, 1.5), (22, 2.4), (33, 3.0))], market(**place),
            img=True),
        mcm(60, None, closed)], strategy, positions={"1.500": {11: 1, 22: 2, 33: 2}})
    profits = [bet.profit for bet in result.settlements["1.500"].bets]
    # 11 placed outright: 10 × 0.5. 22 and 33 share the one place left: 5 of each stake wins, 5 is lost
    assert profits == [D(5), D(5) * D("1.4") - D(5), D(5) * D(2) - D(5)]
    assert result.settlements["1.500"].commission == (D(5) + D(2) + D(5)) * 5 / 100


def test_a_view_read_after_a_later_update_raises_instead_of_showing_the_future(tmp_path):
    strategy = Scripted()
    strategy.placed = ["nothing"]
    run(tmp_path, [mcm(-600, [{"id": 11, "atb": [[4.0, 50]]}], market(), img=True),
                   mcm(-500, [{"id": 11, "atb": [[9.0, 50]]}]), mcm(60, None, CLOSED)], strategy)
    first = strategy.views[0]
    with pytest.raises(StaleViewError, match="was read after a later update"):
        first.runner(11).best_back()


def test_every_ms_thins_the_updates_a_strategy_sees_but_never_reorders_them(tmp_path):
    lines = [mcm(-600, [{"id": 11, "atb": [[4.0, 50]]}], market(), img=True)]
    lines += [mcm(offset, [{"id": 11, "atb": [[4.0, 50 + offset]]}]) for offset in range(-590, -300, 10)]
    lines += [mcm(60, None, CLOSED)]
    every, thinned = Scripted(), Scripted()
    every.placed = thinned.placed = ["nothing"]
    run(tmp_path, lines, every)
    run(tmp_path, lines, thinned, every_ms=60_000)
    seconds = [round((v.publish_time - OFF).total_seconds()) for v in thinned.views]
    assert len(every.views) == 30  # the image and 29 updates before the close
    assert seconds == [-600, -540, -480, -420, -360]  # the first update at least 60 s after the last one seen
