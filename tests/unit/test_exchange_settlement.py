"""Exchange settlement (``backtests.betting.exchange_settlement``) against the exchange's own worked examples and a
brute force over every result of a small field.

The brute force defines a dead heat its own way: an official result stands for every order that breaks its ties,
each equally likely, and in each such order a bet simply wins in full (its runner in the first N) or loses in full;
the settlement of the dead heat must equal the average over those orders (which is what "stake × places left /
runners sharing" means). Reduced prices are recomputed from the wording of Betfair's help pages (win: "(price / 100)
× reduction factor = amount to reduce the price by"; place: "potential winnings × (100 % − reduction factor)").
"""
from __future__ import annotations

import itertools
import json
import random
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest

from backtests.betting.exchange_settlement import (
    ExchangeSettlementError, MatchedBet, SettledMarket, SettledRunner, commission_on, settle_exchange_market,
)
from tests.conftest import shared_path
from tests.finishes import weak_orders

D = Decimal
OFF = datetime(2026, 6, 1, 15, 0, tzinfo=timezone.utc)
PRICES = [D(p) for p in ("1.01", "1.5", "2", "2.38", "3.45", "5", "8.6", "13.5", "34", "1000")]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def bet(side, selection, price, size, matched_at=OFF, market="1.1", bsp=False):
    return MatchedBet(side, selection, D(price), D(size), matched_at, market, bsp)


def market(runners, market_type="WIN", winners=1, rate="5", market_id="1.1"):
    return SettledMarket(market_id, market_type, winners, D(rate), tuple(runners))


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# ---------- the brute force

def outcomes(market_type, places, removed):
    """Every result of runners 1–4 (all finishing), with runner 5 removed at 14:00 when ``removed`` is given."""
    for finish in weak_orders([1, 2, 3, 4]):
        runners = [SettledRunner(h, "WINNER" if sum(p < finish[h] for p in finish.values()) < places else "LOSER",
                                 position=finish[h]) for h in finish]
        if removed is not None:
            runners.append(SettledRunner(5, "REMOVED", removed, OFF - timedelta(hours=1)))
        yield finish, market(runners, market_type, places)


def reference_price(price, market_type, factor, matched_at):
    """Betfair's help-page arithmetic for one non-runner removed at 14:00."""
    if factor is None or matched_at >= OFF - timedelta(hours=1):
        return price
    if market_type == "WIN":
        return price if factor < D("2.5") else max(cents(price - price / 100 * factor), D("1.01"))
    winnings = (price - 1) * (100 - factor) / 100  # per unit stake
    return max(cents(1 + winnings), D("1.01"))


def reference_profit(b, finish, market_type, places, factor):
    if b.selection_id == 5:
        return D(0)
    price = reference_price(b.price, market_type, factor, b.matched_at)
    groups = [[h for h in finish if finish[h] == p] for p in sorted(set(finish.values()))]
    orders = [list(itertools.chain(*o)) for o in itertools.product(*(itertools.permutations(g) for g in groups))]
    backer = sum((b.size * (price - 1) if b.selection_id in order[:places] else -b.size for order in orders), D(0))
    backer /= len(orders)
    return cents(backer if b.side == "back" else -backer)


def random_book(rng, count, runners=4):
    return [bet(rng.choice(["back", "lay"]), rng.randint(1, runners), rng.choice(PRICES), D(rng.randint(1, 5000)) / 100,
                OFF - timedelta(minutes=rng.choice([5, 30, 90, 180]))) for _ in range(count)]


@pytest.mark.parametrize("market_type,places", [("WIN", 1), ("PLACE", 2)])
@pytest.mark.parametrize("removed", [None, D("2.4"), D("31.7")])
def test_every_result_of_four_runners_matches_the_tie_breaking_average(market_type, places, removed):
    rng = random.Random(f"{market_type}{removed}")
    checked = dead_heats = 0
    for finish, settled_market in outcomes(market_type, places, removed):
        book = random_book(rng, 8, 4 if removed is None else 5)
        result = settle_exchange_market(book, settled_market)
        for b, settled in zip(book, result.bets):
            assert settled.profit == reference_profit(b, finish, market_type, places, removed), (finish, b)
            assert settled.status == "void" if b.selection_id == 5 else settled.status != "void"
            dead_heats += settled.status == "dead_heat"
            checked += 1
        assert sum(s.winning_fraction for s in result.bets if s.bet.selection_id == 5) == 0
        # a back and a lay of the same bet cancel exactly, before commission and so also after it
        mirrored = book + [bet("lay" if b.side == "back" else "back", b.selection_id, b.price, b.size, b.matched_at)
                           for b in book]
        netted = settle_exchange_market(mirrored, settled_market)
        assert (netted.gross_profit, netted.commission, netted.net_profit) == (0, 0, 0)
    assert checked == 75 * 8 and dead_heats > 20  # 75 results of four runners; dead heats were really exercised


@pytest.mark.parametrize("market_type,places,prices,stakes", [
    # 1/2 + 1/4 + 1/5 + 1/20 = 1: 300 staked, 300 back whoever wins (300 splits into whole cents 2, 3 or 4 ways)
    ("WIN", 1, ["2", "4", "5", "20"], ["150", "75", "60", "15"]),
    ("PLACE", 2, ["1.25", "2", "2", "5"], ["240", "150", "150", "60"]),  # Σ 1/price = 2 = places: 600 in, 600 out
])
def test_a_dutch_book_breaks_even_in_every_result_dead_heats_included(market_type, places, prices, stakes):
    book = [bet("back", h, p, s) for h, p, s in zip([1, 2, 3, 4], prices, stakes)]
    results = [settle_exchange_market(book, m).gross_profit for _, m in outcomes(market_type, places, None)]
    assert results == [0] * 75


def test_commission_per_market_never_exceeds_commission_per_bet():
    rng = random.Random(7)
    lower = 0
    for finish, settled_market in outcomes("WIN", 1, None):
        result = settle_exchange_market(random_book(rng, 6), settled_market)
        per_bet = sum((commission_on(s.profit, D(5)) for s in result.bets), D(0))
        assert result.commission <= per_bet
        assert result.commission == (0 if result.gross_profit <= 0 else cents(result.gross_profit / 20))
        lower += result.commission < per_bet
    assert lower > 10  # netting inside a market really saved commission somewhere


# ---------- worked examples

def test_commission_is_charged_on_the_markets_net_winnings_not_per_bet():
    m = market([SettledRunner(1, "WINNER"), SettledRunner(2, "LOSER")])
    result = settle_exchange_market([bet("back", 1, "5.0", "10"), bet("back", 2, "3.0", "10")], m)
    assert [s.profit for s in result.bets] == [D("40.00"), D("-10.00")]
    # 5 % of the net 30 is 1.50; charging the winning bet alone would have taken 2.00
    assert (result.gross_profit, result.commission, result.net_profit) == (D("30.00"), D("1.50"), D("28.50"))


def test_no_commission_on_a_market_lost_overall_and_the_discount_reduces_it():
    m = market([SettledRunner(1, "WINNER"), SettledRunner(2, "LOSER")])
    lost = settle_exchange_market([bet("back", 2, "5.0", "10"), bet("lay", 1, "3.0", "10")], m)
    assert (lost.gross_profit, lost.commission, lost.net_profit) == (D("-30.00"), 0, D("-30.00"))  # −10 − 20
    barely = settle_exchange_market([bet("back", 1, "1.05", "10"), bet("back", 2, "2.0", "1")], m)
    assert (barely.gross_profit, barely.commission) == (D("-0.50"), 0)  # +0.50 − 1.00: no rebate on a loss
    # Betfair's example: net winnings 400, base rate 5 %, discount rate 40 % → commission 12
    won = settle_exchange_market([bet("back", 1, "5.0", "100")], m, discount=D("0.4"))
    assert (won.gross_profit, won.commission, won.net_profit) == (D("400.00"), D("12.00"), D("388.00"))


def test_dead_heats_in_win_and_place_markets():
    two_way = market([SettledRunner(1, "WINNER"), SettledRunner(2, "WINNER"), SettledRunner(3, "LOSER")])
    result = settle_exchange_market([bet("back", 1, "5.0", "10"), bet("lay", 2, "5.0", "10")], two_way)
    # 5 wins at 5.0 (+20), 5 loses (−5): +15 to the backer, −15 to the layer
    assert [(s.status, s.profit) for s in result.bets] == [("dead_heat", D("15.00")), ("dead_heat", D("-15.00"))]
    # Betfair's three-way example: 300 at 4.0 becomes a stake of 100, returns 400, the backer nets 100
    three_way = market([SettledRunner(h, "WINNER") for h in (1, 2, 3)])
    assert settle_exchange_market([bet("back", 2, "4.0", "300")], three_way).gross_profit == D("100.00")
    # 3 places, one outright winner, four dead-heat for 2nd: 60 at 6.0 on a dead-heater is a stake of 60 × 2/4 = 30
    # returning 180 (net 120); on the outright winner the full 60 returns 360 (net 300)
    place = market([SettledRunner(1, "WINNER", position=1)] +
                   [SettledRunner(h, "WINNER", position=2) for h in (2, 3, 4, 5)] + [SettledRunner(6, "LOSER")],
                   "PLACE", 3)
    settled = settle_exchange_market([bet("back", 3, "6.0", "60"), bet("back", 1, "6.0", "60")], place).bets
    assert [(s.winning_fraction, s.profit) for s in settled] == [(D("0.5"), D("120.00")), (1, D("300.00"))]
    without_positions = market([SettledRunner(h, "WINNER") for h in (1, 2, 3)], "PLACE", 2)
    with pytest.raises(ExchangeSettlementError, match="official position"):
        settle_exchange_market([bet("back", 1, "2.0", "10")], without_positions)


def test_reduction_factors_follow_betfairs_examples():
    def settled_price(market_type, price, factor):
        runners = [SettledRunner(1, "WINNER"), SettledRunner(2, "REMOVED", D(factor), OFF)]
        m = market(runners, market_type)
        return settle_exchange_market([bet("back", 1, price, "10", OFF - timedelta(hours=1))], m).bets[0]

    assert settled_price("WIN", "8.0", "25").effective_price == D("6.00")  # rule 13.7: the traded price is reduced
    assert settled_price("PLACE", "8.0", "25").effective_price == D("6.25")  # answer 406: winnings 70 → 52.50
    assert settled_price("WIN", "8.6", "16.2").profit == D("62.10")  # answer 408: 8.6 → 7.21, profit 62.10 on 10
    assert settled_price("WIN", "8.0", "2.4").effective_price == D("8.0")  # under 2.5 %: not applied on a win market
    assert settled_price("PLACE", "8.0", "2.4").effective_price == D("7.83")  # place: all apply, 1 + 7 × 0.976
    assert settled_price("WIN", "1.5", "40").effective_price == D("1.01")  # 0.90 would pay less than the stake back
    at_removal = [SettledRunner(1, "WINNER"), SettledRunner(2, "REMOVED", D(25), OFF)]
    same_second = settle_exchange_market([bet("back", 1, "8.0", "10", OFF)], market(at_removal)).bets[0]
    assert same_second.effective_price == D("8.0")  # matched at the removal, not before it: not reduced
    void = settle_exchange_market([bet("lay", 2, "3.0", "10")], market([SettledRunner(1, "WINNER"),
                                                                        SettledRunner(2, "REMOVED", D(9), OFF)]))
    assert (void.bets[0].status, void.gross_profit) == ("void", 0)


HAMILTON_REMOVED = [SettledRunner(11198538, "REMOVED", D("7.14"), utc("2017-06-14T07:00:50Z")),
                    SettledRunner(9606433, "REMOVED", D("5.55"), utc("2017-06-14T09:23:43Z"))]


def hamilton_bets():
    return [bet("back", 12115648, "5.0", "10", utc(f"2017-06-14T{hour}:00:00Z"), "1.132153978")
            for hour in ("06", "08", "10")]


def check_hamilton(settled_market):
    result = settle_exchange_market(hamilton_bets(), settled_market)
    # 06:00, before both removals: 5.0 × (1 − 0.0714) = 4.643 → 4.64, then 4.64 × (1 − 0.0555) = 4.38248 → 4.38
    # 08:00, before the second only: 5.0 × 0.9445 = 4.7225 → 4.72;  10:00, after both: 5.0 unchanged
    assert [s.effective_price for s in result.bets] == [D("4.38"), D("4.72"), D("5.0")]
    assert [s.profit for s in result.bets] == [D("33.80"), D("37.20"), D("40.00")]  # 10 × (price − 1)
    # one market: 5 % of the net 111.00 is 5.55
    assert (result.gross_profit, result.commission, result.net_profit) == (D("111.00"), D("5.55"), D("105.45"))


def test_the_hamilton_market_shape_applies_each_reduction_only_to_bets_matched_before_it():
    shape = market(HAMILTON_REMOVED + [SettledRunner(12115648, "WINNER"), SettledRunner(10299545, "LOSER")],
                   market_id="1.132153978")
    check_hamilton(shape)
    # in removal order: 8.6 × 0.9286 = 7.98596 → 7.99, × 0.9445 = 7.546555 → 7.55 (the other order gives 7.54)
    early = bet("back", 12115648, "8.6", "10", utc("2017-06-14T06:00:00Z"), "1.132153978")
    assert settle_exchange_market([early], shape).bets[0].effective_price == D("7.55")


def test_the_real_hamilton_market_definition():
    last = shared_path("betfair-historical", "BASIC-1.132153978").read_text().strip().splitlines()[-1]
    definition = json.loads(last)["mc"][0]["marketDefinition"]
    runners = tuple(SettledRunner(r["id"], r["status"], D(str(r["adjustmentFactor"])),
                                  utc(r["removalDate"]) if "removalDate" in r else None)
                    for r in definition["runners"])
    real = SettledMarket("1.132153978", definition["marketType"], definition["numberOfWinners"],
                         D(str(definition["marketBaseRate"])), runners)
    assert [r.selection_id for r in runners if r.status == "WINNER"] == [12115648]
    check_hamilton(real)


def test_bsp_bets_settle_at_the_bsp_and_bad_inputs_are_refused():
    m = market([SettledRunner(1, "WINNER"), SettledRunner(2, "LOSER")])
    bsp = settle_exchange_market([bet("lay", 1, "4.15", "20", bsp=True)], m)
    assert bsp.bets[0].profit == D("-63.00")  # the layer pays 20 × 3.15
    with pytest.raises(ExchangeSettlementError, match="timezone"):
        bet("back", 1, "2", "1", datetime(2026, 6, 1, 15))
    with pytest.raises(ExchangeSettlementError, match="settled against"):
        settle_exchange_market([bet("back", 1, "2", "1", market="1.2")], m)
    with pytest.raises(ExchangeSettlementError, match="EACH_WAY"):
        market([SettledRunner(1, "PLACED")])
