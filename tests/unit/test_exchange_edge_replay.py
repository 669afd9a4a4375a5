"""The synthetic exchange data's planted edge (late steamers) found by the market replay, with its interval.

Two weeks of seed-7 files (2025-12-01..14, 801 markets; the generator's known answers for that range are in
``ingestion.sources.synthetic.exchange_streams``): ``SteamerBsp`` remembers each runner's best back price at T−10 min
and takes the BSP (stake 2) on a runner whose best back in the last pre-off minute is ≤ 0.8 × that; the control
takes the BSP on every runner in that minute. Both settle with 5 % commission on each market's net winnings.

Independent cross-checks, read from the files with plain ``json`` (no replay code): the runners the rule picks, the
generator's own steamers (last pre-off best back ≤ 0.8 × b10: 626 runners, 123 winners against Σ 1/BSP 91.5), and
each market's P&L before commission from the final definition's results and BSPs.

Found: 626 BSP backs in 447 markets, +405.88 before and +341.74 after commission on 1,252 staked, ROI +27.3 %
(95 % interval +2.6 %..+54.6 %). The control: 5,908 backs, ROI +4.1 % (−4.5 %..+13.7 %) — not negative over this
fortnight (long shots won), but with no edge distinguishable from 0. ~21 s of CPU here, most of it writing the files.

The interval resamples markets, not bets: commission is charged on a market's net, so a market's net P&L is the
unit that exists after commission, and bets in the same race (at most one of them wins) stay together.
"""
from __future__ import annotations

import bz2
import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest

from backtests.exchange.replay import Replay
from backtests.exchange.strategies import SteamerBsp
from backtests.metrics import roi_confidence_interval
from ingestion.exchange.messages import merged_messages
from ingestion.sources.synthetic.exchange_streams import write_exchange_demo

D = Decimal
STAKE = D(2)


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory) -> list[Path]:
    return write_exchange_demo(tmp_path_factory.mktemp("edge"), date(2025, 12, 1), date(2025, 12, 14))


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def read_market(path: Path) -> dict:
    """Per runner: best back at T−10 min, first best back ≤ 0.8 × it in the last pre-off minute (the rule), the last
    pre-off best back (the generator's bL); and the final definition."""
    raw = bz2.decompress(path.read_bytes()) if path.suffix == ".bz2" else path.read_bytes()
    backs, b10, last, picked, definition = {}, {}, {}, set(), {}
    for line in raw.decode().splitlines():
        message = json.loads(line)
        pt, mc = message["pt"], message["mc"][0]
        definition = mc.get("marketDefinition") or definition
        if mc.get("img"):
            backs = {}
        for rc in mc.get("rc", []):
            book = backs.setdefault(rc["id"], {})
            for price, size in rc.get("atb", []):
                if size:
                    book[price] = size
                else:
                    book.pop(price, None)
        if definition["status"] != "OPEN" or definition["inPlay"]:
            continue
        to_start = epoch_ms(definition["marketTime"]) - pt
        for r in definition["runners"]:
            if r["status"] != "ACTIVE":
                continue
            prices = backs.get(r["id"])
            best = D(repr(max(prices))) if prices else None
            last[r["id"]] = best
            if to_start >= 600_000:
                b10[r["id"]] = best
            elif to_start <= 60_000 and b10.get(r["id"]) and best and best <= D("0.8") * b10[r["id"]]:
                picked.add(r["id"])
    return {"b10": b10, "last": last, "picked": picked, "final": definition}


@pytest.fixture(scope="module")
def files(fortnight) -> dict[str, dict]:
    return {path.name.removesuffix(".bz2"): read_market(path) for path in fortnight}


def replay(paths, shortening):
    return Replay(SteamerBsp(shortening=shortening, stake=STAKE), bankroll=D(100_000)).run(merged_messages(paths))


def summary(result) -> tuple:
    """(bets, markets, stake, P&L before and after commission, ROI, 95 % interval of the ROI by market)."""
    settlements = result.settlements.values()
    stake = {m: sum((o.size_matched for o in result.orders if o.market_id == m), D(0)) for m in result.settlements}
    traded = [s for s in settlements if stake[s.market_id]]
    gross, net = sum(s.gross_profit for s in traded), sum(s.net_profit for s in traded)
    staked = sum(stake.values())
    low, high = roi_confidence_interval(np.array([float(stake[s.market_id]) for s in traded]),
                                        np.array([float(s.net_profit) for s in traded]))
    return (sum(1 for o in result.orders if o.size_matched), len(traded), staked, gross, net,
            (net / staked).quantize(D("0.0001")), round(low, 4), round(high, 4))


def expected_gross(files: dict, bets: set) -> dict[str, Decimal]:
    """P&L before commission per market from the final definitions alone: a BSP back wins stake × (BSP − 1); in a
    dead heat (more WINNERs than ``numberOfWinners``, one market here) that share of the stake wins, the rest loses."""
    out: dict[str, Decimal] = {}
    for market_id, sid in bets:
        final = files[market_id]["final"]
        runner = next(r for r in final["runners"] if r["id"] == sid)
        winners = sum(r["status"] == "WINNER" for r in final["runners"])
        share = min(D(1), D(final["numberOfWinners"]) / winners) if runner["status"] == "WINNER" else D(0)
        profit = STAKE * share * (D(repr(runner["bsp"])) - 1) - STAKE * (1 - share)
        out[market_id] = out.get(market_id, D(0)) + profit
    return out


def commission(gross: Decimal) -> Decimal:
    return (gross * D("0.05")).quantize(D("0.01"), rounding=ROUND_HALF_UP) if gross > 0 else D(0)


def test_the_replay_takes_the_bsp_on_the_generators_steamers_and_finds_the_edge(fortnight, files):
    result = replay(fortnight, D("0.20"))
    bets = {(o.market_id, o.selection_id) for o in result.orders}
    assert all(o.order_type == "MARKET_ON_CLOSE" and o.size_matched == STAKE for o in result.orders)
    rule = {(m, sid) for m, f in files.items() for sid in f["picked"]}
    generator = {(m, sid) for m, f in files.items() for sid, b10 in f["b10"].items()
                 if b10 and f["last"].get(sid) and float(f["last"][sid]) <= 0.8 * float(b10)}
    assert bets == rule == generator and len(bets) == 626  # the docstring's 626 steamers, no more, no fewer
    won = [b for s in result.settlements.values() for b in s.bets if b.status == "won"]
    assert len(won) == 123 and round(sum(1 / float(o.average_price_matched) for o in result.orders), 1) == 91.5
    gross = expected_gross(files, bets)
    assert {m: s.gross_profit for m, s in result.settlements.items() if m in gross} == gross
    assert {m: s.commission for m, s in result.settlements.items() if m in gross} == {
        m: commission(g) for m, g in gross.items()}
    bets_n, markets, staked, gross_total, net, roi, low, high = summary(result)
    assert (bets_n, markets, staked, gross_total, net) == (626, 447, D(1252), D("405.88"), D("341.74"))
    assert (roi, low, high) == (D("0.2730"), 0.0264, 0.546)
    assert low > 0  # the planted edge, after commission, with 95 % confidence


def test_without_the_steam_condition_taking_every_bsp_shows_no_edge(fortnight, files):
    """Every runner at BSP: the BSPs are fair for all but the steamers, so no edge beyond luck. Over this fortnight
    luck is positive (+4.1 %, long shots won), but the interval straddles 0 and sits far below the steamers'."""
    result = replay(fortnight, None)
    every = {(m, r["id"]) for m, f in files.items() for r in f["final"]["runners"] if r["status"] != "REMOVED"}
    assert {(o.market_id, o.selection_id) for o in result.orders} == every
    gross = expected_gross(files, every)
    assert {m: s.gross_profit for m, s in result.settlements.items()} == gross
    bets_n, markets, staked, gross_total, net, roi, low, high = summary(result)
    assert (bets_n, markets, staked, gross_total, net) == (5908, 801, D(11816), D("683.39"), D("481.30"))
    assert (roi, low, high) == (D("0.0407"), -0.0455, 0.1375)
    assert low < 0 < high
