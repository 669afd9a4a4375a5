"""The market replay on the real Betfair files: Sheffield's WIN and PLACE markets replayed together, the Hamilton
market's non-runners reducing what was matched before them.

Every expected value is read from the files here with plain ``json`` and a dict per ladder — the favourite at T−5,
its price and size, the winners, the BSP, the removal times and factors — and settled with Betfair's help-page
arithmetic written out in the test, never with the engine's own modules.
"""
from __future__ import annotations

import bz2
import json
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest

from backtests.exchange.replay import Replay
from backtests.exchange.strategies import (AtTimeBeforeOff, BackFavourite, BspBackFavourite, FollowSteamers,
                                           LayFavourite)
from ingestion.exchange.messages import market_base_rates, merged_messages
from tests.conftest import SHARED_DATA

D = Decimal
FOLDER = SHARED_DATA / "betfair-historical"
WIN, PLACE, HAMILTON = FOLDER / "1.197931750", FOLDER / "1.197931751.bz2", FOLDER / "BASIC-1.132153978"
pytestmark = pytest.mark.skipif(not WIN.exists(), reason=f"real Betfair files not found at {FOLDER} (../shared)")


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def lines(path):
    text = bz2.open(path, "rt").read() if path.suffix == ".bz2" else path.read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def at_t_minus(path, seconds: int) -> dict:
    """Plain reading of one file: the first OPEN pre-off message at most ``seconds`` before marketTime, with every
    runner's available-to-back and -to-lay ladder as of that message, and the final definition."""
    back, lay, status, found, final = {}, {}, None, None, None
    for msg in lines(path):
        for mc in msg.get("mc", []):
            d = mc.get("marketDefinition")
            if d:
                final, status = d, (d["status"], d["inPlay"])
            for rc in mc.get("rc", []):
                for key, book in (("atb", back), ("atl", lay)):
                    for price, size in rc.get(key, []):
                        ladder = book.setdefault(rc["id"], {})
                        ladder.pop(price, None) if size == 0 else ladder.__setitem__(price, size)
            off = datetime.fromisoformat(final["marketTime"].replace("Z", "+00:00"))
            now = datetime.fromtimestamp(msg["pt"] / 1000, timezone.utc)
            if found is None and status == ("OPEN", False) and (off - now).total_seconds() <= seconds:
                active = [r["id"] for r in final["runners"] if r["status"] == "ACTIVE"]
                found = {"at": now, "back": {k: dict(back.get(k, {})) for k in active},
                         "lay": {k: dict(lay.get(k, {})) for k in active}}
    found["final"] = final
    return found


def favourite_of(moment: dict) -> tuple[int, float, float]:
    sid, ladder = min(((sid, ladder) for sid, ladder in moment["back"].items() if ladder),
                      key=lambda item: (max(item[1]), item[0]))
    return sid, max(ladder), ladder[max(ladder)]


def replay(strategy, *paths, **options):
    return Replay(strategy, base_rates=market_base_rates(paths), **options).run(merged_messages(paths))


def status_of(final: dict, sid: int) -> str:
    return next(r["status"] for r in final["runners"] if r["id"] == sid)


def test_win_and_place_replay_together_and_back_the_favourite_at_t_minus_5_minutes():
    calls = []

    class Recording(BackFavourite):
        def on_book(self, market, desk):
            calls.append((market.publish_time, market.market_id))
            super().on_book(market, desk)

    result = replay(Recording(seconds_before=300, stake=D(2)), WIN, PLACE)
    assert calls == sorted(calls, key=lambda call: call[0])  # one clock for both markets
    assert {market for _, market in calls} == {"1.197931750", "1.197931751"}
    orders = {o.market_id: o for o in result.orders}
    assert len(result.orders) == 2
    for path, market_id, rate in ((WIN, "1.197931750", D(2)), (PLACE, "1.197931751", D(2))):
        moment = at_t_minus(path, 300)
        sid, price, size = favourite_of(moment)
        assert size >= 2  # the file offers the whole stake at the best price
        order = orders[market_id]
        assert (order.selection_id, order.placed_at, order.price) == (sid, moment["at"], D(str(price)))
        assert [(f.price, f.size) for f in order.fills] == [(D(str(price)), D(2))]
        won = status_of(moment["final"], sid) == "WINNER"
        gross = cents(D(2) * (D(str(price)) - 1)) if won else D("-2.00")
        settlement = result.settlements[market_id]
        assert settlement.gross_profit == gross
        assert settlement.commission == (cents(gross * rate / 100) if gross > 0 else 0)
        assert settlement.net_profit == gross - settlement.commission
    # the figures those readings give, written down: WIN 39823721 at 1.49 lost; PLACE at 1.24 placed
    assert [(o.market_id, o.selection_id, o.price) for o in result.orders] == [
        ("1.197931750", 39823721, D("1.49")), ("1.197931751", 39823721, D("1.24"))]
    assert [result.settlements[m].net_profit for m in ("1.197931750", "1.197931751")] == [D("-2.00"), D("0.47")]
    assert result.equity[-1][1] == D(1000) - D("2.00") + D("0.47")


def test_laying_the_favourite_pays_commission_only_where_the_market_is_won():
    result = replay(LayFavourite(seconds_before=300, stake=D(2)), WIN, PLACE)
    for order, path in zip(result.orders, (WIN, PLACE)):
        moment = at_t_minus(path, 300)
        sid = favourite_of(moment)[0]
        lay_price = min(moment["lay"][sid])
        assert (order.selection_id, order.price, order.size_matched) == (sid, D(str(lay_price)), D(2))
    assert [(s.gross_profit, s.commission, s.net_profit) for s in result.settlements.values()] == [
        (D("2.00"), D("0.04"), D("1.96")), (D("-0.50"), D(0), D("-0.50"))]


def test_a_market_is_charged_on_its_net_winnings_not_per_bet():
    class BackEveryRunner(AtTimeBeforeOff):
        def act(self, market, desk):
            for runner in market.runners():
                levels = runner.best_back(1)
                if levels:
                    desk.back(runner.selection_id, levels[0][0], self.stake)

    result = replay(BackEveryRunner(seconds_before=300, stake=D(2)), WIN)
    moment = at_t_minus(WIN, 300)
    priced = {sid: max(ladder) for sid, ladder in moment["back"].items() if ladder}
    winner = next(r["id"] for r in moment["final"]["runners"] if r["status"] == "WINNER")
    gross = cents(D(2) * (D(str(priced[winner])) - 1)) - D(2) * (len(priced) - 1)
    settlement = result.settlements["1.197931750"]
    assert settlement.gross_profit == gross
    assert settlement.commission == (cents(gross * D(2) / 100) if gross > 0 else 0)
    winning_bet = next(b for b in settlement.bets if b.status == "won")
    assert cents(winning_bet.profit * D(2) / 100) > settlement.commission  # per-bet commission would charge more


def test_bsp_orders_match_at_the_reconciled_price_at_the_off():
    result = replay(BspBackFavourite(seconds_before=300, stake=D(2)), WIN, PLACE)
    for order, path in zip(result.orders, (WIN, PLACE)):
        final = at_t_minus(path, 300)["final"]
        bsp = next(r["bsp"] for r in final["runners"] if r["id"] == order.selection_id)
        assert [(f.price, f.size) for f in order.fills] == [(D(str(bsp)), D("2.00"))]
        assert order.fills[0].matched_at > datetime.fromisoformat(final["marketTime"].replace("Z", "+00:00"))
    assert [o.average_price_matched for o in result.orders] == [D("1.55"), D("1.28")]


def test_hamilton_non_runners_reduce_what_was_matched_before_them_and_nothing_after():
    final = lines(HAMILTON)[-1]["mc"][0]["marketDefinition"]
    removed = sorted((r for r in final["runners"] if r["status"] == "REMOVED"), key=lambda r: r["removalDate"])
    assert [(r["adjustmentFactor"], r["removalDate"]) for r in removed] == [
        (7.14, "2017-06-14T07:00:50.000Z"), (5.55, "2017-06-14T09:23:43.000Z")]
    early = replay(BackFavourite(seconds_before=86_400, stake=D(10)), HAMILTON)
    order = early.orders[0]
    assert order.placed_at < datetime(2017, 6, 14, 7, 0, 50, tzinfo=timezone.utc)
    price = order.price
    for r in removed:  # help page: "(price / 100) x reduction factor = amount to reduce the price by", to the cent
        price = cents(price - price / 100 * D(str(r["adjustmentFactor"])))
    bet = early.settlements["1.132153978"].bets[0]
    assert bet.effective_price == price == D("21.93")  # 25.0 -> 23.22 -> 21.93
    late = replay(BackFavourite(seconds_before=300, stake=D(10)), HAMILTON)
    bet = late.settlements["1.132153978"].bets[0]
    assert (bet.bet.selection_id, bet.effective_price, bet.status) == (12115648, D("4.1"), "won")
    assert late.settlements["1.132153978"].commission == cents(D(31) * 5 / 100)  # no catalogue: 5 % default
    assert "BASIC data" in late.orders[0].reason


def perturbed_after(messages, cut_ms: int):
    """The same messages, but every price published after ``cut_ms`` moved and the result handed to other runners."""
    for message in messages:
        if message.pt <= cut_ms:
            yield message
            continue
        changes = []
        for mc in message.market_changes:
            mc = json.loads(json.dumps(mc))
            for rc in mc.get("rc", []):
                for key in ("atb", "atl", "trd"):
                    if key in rc:
                        rc[key] = [[min(round(p * 1.7, 2), 1000), s * 3 + 7] for p, s in rc[key]]
                if "ltp" in rc:
                    rc["ltp"] = min(round(rc["ltp"] * 1.7, 2), 1000)
            runners = (mc.get("marketDefinition") or {}).get("runners", [])
            for r, status in zip(runners, reversed([r["status"] for r in runners])):
                r["status"] = status  # as many winners, other runners
            changes.append(mc)
        yield type(message)(message.pt, changes, message.source, message.line)


@pytest.mark.parametrize("make", [lambda: BackFavourite(seconds_before=600, stake=D(2)),
                                  lambda: LayFavourite(seconds_before=400, stake=D(2)),
                                  lambda: BspBackFavourite(seconds_before=60, stake=D(2)),
                                  lambda: FollowSteamers(shortening=D("0.05"), window_s=300, from_s=3600)])
def test_changing_the_future_leaves_every_earlier_decision_unchanged(make):
    market_time = datetime.fromisoformat(at_t_minus(WIN, 0)["final"]["marketTime"].replace("Z", "+00:00"))
    cut = market_time - timedelta(seconds=40)  # the files start 87 s before the scheduled off
    cut_ms = int(cut.timestamp() * 1000)

    def decisions(messages):
        result = Replay(make(), base_rates=market_base_rates([WIN, PLACE])).run(messages)
        early = [(o.market_id, o.selection_id, o.side, o.order_type, o.price, o.size, o.placed_at,
                  [(f.price, f.size, f.matched_at) for f in o.fills if f.matched_at <= cut])
                 for o in result.orders if o.placed_at <= cut]
        return early, {m: s.gross_profit for m, s in result.settlements.items()}

    (early, profits) = decisions(merged_messages([WIN, PLACE]))
    (early_perturbed, profits_perturbed) = decisions(perturbed_after(merged_messages([WIN, PLACE]), cut_ms))
    assert early, "the strategy decided nothing before the cut: the test would prove nothing"
    assert early_perturbed == early
    assert profits_perturbed != profits  # the perturbation reached the later books and the result
