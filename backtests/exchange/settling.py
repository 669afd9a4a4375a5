"""A replayed market's orders settled by the exchange's rules: the bridge from fills to the betting core.

Each fill is one matched bet (a partly matched order matched at several prices and times is several bets: each
carries its own matched time, which decides whether a later non-runner reduces it). The runners' final state comes
from the CLOSED market definition — status, ``adjustmentFactor``, ``removalDate`` — and the settlement itself is
:func:`backtests.betting.exchange_settlement.settle_exchange_market`, the one implementation of those rules.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from backtests.betting.exchange_book import dec
from backtests.betting.exchange_settlement import MarketSettlement, MatchedBet, SettledMarket, SettledRunner, \
    settle_exchange_market
from backtests.exchange.orders import Order


def parse_time(text: str | None) -> datetime | None:
    """Betfair's ISO instants ("2022-04-19T18:26:00.000Z") as tz-aware UTC datetimes (None stays None)."""
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def settled_market(market_id: str, definition: dict, base_rate: Decimal,
                   positions: Mapping[int, int] | None = None) -> SettledMarket:
    """The CLOSED definition as the settlement module's market (positions only where a dead heat needs them)."""
    positions = positions or {}
    runners = tuple(SettledRunner(r["id"], r["status"], dec(r.get("adjustmentFactor")), parse_time(r.get("removalDate")),
                                  positions.get(r["id"]))
                    for r in definition["runners"])
    return SettledMarket(market_id, definition.get("marketType") or "WIN", definition.get("numberOfWinners") or 1,
                         base_rate, runners)


def matched_bets(orders: Iterable[Order]) -> list[MatchedBet]:
    return [MatchedBet(o.side, o.selection_id, fill.price, fill.size, fill.matched_at, o.market_id,
                       is_bsp=o.is_bsp or o.awaiting_bsp)
            for o in orders for fill in o.fills]


def settle_market(market_id: str, definition: dict, orders: Iterable[Order], base_rate: Decimal,
                  discount: Decimal, positions: Mapping[int, int] | None = None) -> MarketSettlement:
    return settle_exchange_market(matched_bets(orders), settled_market(market_id, definition, base_rate, positions),
                                  discount=discount)
