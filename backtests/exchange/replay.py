"""Market replay: strategies trade recorded Betfair markets update by update, in time order, as if live.

The engine consumes stream messages already merged by publish time (``ingestion.exchange.messages`` reads the files;
the caller passes them in, since backtests do not import ingestion), keeps each market's book with the betting
core's ``exchange_book``, and after every update of a market hands the strategy a ``MarketView`` of that moment and an
``OrderDesk``. Several markets replay together (a race's WIN and PLACE), interleaved exactly as they were published.
Orders follow :mod:`backtests.exchange.orders`; a market is settled by :mod:`backtests.betting.exchange_settlement`
when its CLOSED definition arrives, and its net P&L moves the bankroll the next order is checked against.

Information boundary: a strategy sees the book only through the view of the update being processed (a later read
raises), orders placed at update k match against update k's book and fill from later trades only, and nothing of
the settled definition (winners, BSP) is visible before the CLOSED message has been processed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol

from backtests.betting.exchange_book import MarketBook, dec
from backtests.betting.exchange_settlement import ExchangeSettlementError
from backtests.exchange.orders import LIMIT, LIMIT_ON_CLOSE, MARKET_ON_CLOSE, Order, OrderError, match_at_bsp, \
    take_liquidity, trade_through_queue, validate
from backtests.exchange.settling import parse_time, settle_market
from backtests.exchange.views import MarketView

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
DEFAULT_BASE_RATE = Decimal(5)  # percent; Betfair's standard UK rate, for markets whose catalogue is not given


class Strategy(Protocol):
    """``on_book`` is handed every (throttled) update of an OPEN market. Two optional methods spare the replay work
    a strategy does not need (a month of PRO files is ~100 updates a market and a T-5 strategy reads one of them):

    - ``wants(market_id, seconds_to_start) -> bool`` (seconds from the update to the scheduled off, exactly
      ``MarketView.seconds_to_start``): when it says no, that update's view and desk are not built; the ``every_ms``
      throttle still counts the update as handed over, so throttled decision times do not change.
    - ``finished(market_id) -> bool``: True once the strategy will never want that market again. From then on,
      as soon as the market has no resting order (whose queue needs the traded volume), its book deltas are no
      longer applied — nothing reads that book again — and the strategy is not asked about it; definitions still
      are processed, so lapsing and settlement are unchanged.
    """

    def on_book(self, market: MarketView, desk: OrderDesk) -> None: ...


class _Market:
    """Replay state of one market: book, latest definition, orders, and when it went off."""

    def __init__(self, market_id: str, base_rate: Decimal):
        self.market_id, self.base_rate = market_id, base_rate
        self.book = MarketBook()
        self.definition: dict = {}
        self.market_time: datetime | None = None
        self.seq = 0
        self.orders: list[Order] = []
        self.off_at: datetime | None = None
        self.settlement = None
        self.last_call_pt: int | None = None
        self.market_time_us: int | None = None  # microseconds since the epoch, for the per-update ``wants`` test
        self.frozen = False  # the strategy is finished with it and no order rests: its book is no longer kept

    def resting(self) -> list[Order]:
        return [o for o in self.orders if o.status == "EXECUTABLE" and o.order_type == LIMIT and not o.awaiting_bsp]


@dataclass(frozen=True)
class MarketInfo:
    """What results need to name a replayed market: its type, where and when it ran."""

    market_id: str
    market_type: str | None
    venue: str | None
    event_type_id: str | None
    market_time: datetime | None
    off_at: datetime | None
    bsp: dict = field(default_factory=dict)  # selection id -> reconciled BSP (Decimal), once the market has closed


@dataclass
class ReplayResult:
    orders: list[Order]
    settlements: dict  # market id -> MarketSettlement
    markets: dict = field(default_factory=dict)  # market id -> MarketInfo, every market replayed
    equity: list[tuple[datetime, Decimal]] = field(default_factory=list)  # bankroll after each settled market
    unsettled: dict = field(default_factory=dict)  # market id -> why it could not be settled (its bets stay open)


class OrderDesk:
    """Places and cancels one market's orders at the update being processed."""

    def __init__(self, replay: Replay, market: _Market, at: datetime):
        self._replay, self._market, self.at = replay, market, at

    @property
    def available(self) -> Decimal:
        return self._replay.available()

    def orders(self) -> list[Order]:
        return list(self._market.orders)

    def back(self, selection_id: int, price: Decimal, size: Decimal, persistence: str = "LAPSE") -> Order:
        return self._place("back", selection_id, LIMIT, price=price, size=size, persistence=persistence)

    def lay(self, selection_id: int, price: Decimal, size: Decimal, persistence: str = "LAPSE") -> Order:
        return self._place("lay", selection_id, LIMIT, price=price, size=size, persistence=persistence)

    def bsp_back(self, selection_id: int, size: Decimal, limit: Decimal | None = None) -> Order:
        kind = MARKET_ON_CLOSE if limit is None else LIMIT_ON_CLOSE
        return self._place("back", selection_id, kind, price=limit, size=size)

    def bsp_lay(self, selection_id: int, liability: Decimal, limit: Decimal | None = None) -> Order:
        kind = MARKET_ON_CLOSE if limit is None else LIMIT_ON_CLOSE
        return self._place("lay", selection_id, kind, price=limit, liability=liability)

    def cancel(self, order: Order) -> None:
        if order.status == "EXECUTABLE" and order.order_type == LIMIT:
            order.close("CANCELLED" if not order.fills else "EXECUTION_COMPLETE", "cancelled by the strategy")

    def _place(self, side: str, selection_id: int, order_type: str, **kwargs) -> Order:
        market, replay = self._market, self._replay
        if not market.definition.get("status") == "OPEN":
            raise OrderError(f"market {market.market_id} is {market.definition.get('status')}: no orders")
        replay.next_id += 1
        order = Order(replay.next_id, market.market_id, selection_id, side, order_type, placed_at=self.at,
                      price=kwargs.get("price"), size=kwargs.get("size"),
                      persistence=kwargs.get("persistence", "LAPSE"), liability=kwargs.get("liability"))
        validate(order)
        market.orders.append(order)
        replay.orders.append(order)
        replay._exposed[market.market_id] = market
        needed, available = exposure(order), replay.available(exclude=order)
        if needed > available:
            order.close("REJECTED", f"liability {needed} exceeds the available bankroll {available}")
        elif order.order_type == LIMIT:
            take_liquidity(order, market.book.runners.get(selection_id), self.at)
        return order


def exposure(order: Order) -> Decimal:
    """What an order can lose: a back its stake, a lay its liability (limit lays at their limit price)."""
    if order.side == "back":
        return order.size or Decimal(0)
    if order.order_type == LIMIT:
        return order.size * (order.price - 1)
    return order.liability


class Replay:
    """Replays merged stream messages through one strategy; see the module docstring for the rules."""

    def __init__(self, strategy: Strategy, *, bankroll: Decimal = Decimal(1000), discount: Decimal = Decimal(0),
                 base_rates: Mapping[str, float] | None = None, every_ms: int = 0,
                 positions: Mapping[str, Mapping[int, int]] | None = None):
        self.strategy, self.bankroll, self.discount = strategy, Decimal(bankroll), Decimal(discount)
        self.base_rates, self.every_ms = dict(base_rates or {}), every_ms
        self.positions = dict(positions or {})  # official finishing positions, where a dead heat needs them
        self.markets: dict[str, _Market] = {}
        self.orders: list[Order] = []
        self.equity: list[tuple[datetime, Decimal]] = []
        self.unsettled: dict[str, str] = {}  # market id -> why the settlement rules refused it
        self.next_id = 0
        self._exposed: dict[str, _Market] = {}  # unsettled markets with orders: the only ones that hold bankroll

    def available(self, exclude: Order | None = None) -> Decimal:
        """Bankroll less what open orders and unsettled matched bets could lose (no netting across runners)."""
        held = sum((exposure(o) for m in self._exposed.values() if m.settlement is None for o in m.orders
                    if o is not exclude and o.status not in ("LAPSED", "CANCELLED", "REJECTED")), Decimal(0))
        return self.bankroll - held

    def run(self, messages: Iterable) -> ReplayResult:
        wants = getattr(self.strategy, "wants", None)
        finished = getattr(self.strategy, "finished", None)
        markets = self.markets
        for message in messages:
            pt, at = message.pt, None  # the datetime is made only when something needs it (~1-3 us each)
            touched = []
            for mc in message.market_changes:
                market = markets.get(mc["id"])
                if market is None:
                    rate = self.base_rates.get(mc["id"])
                    market = markets[mc["id"]] = _Market(mc["id"], DEFAULT_BASE_RATE if rate is None else dec(rate))
                if "marketDefinition" in mc or market.orders:
                    at = at or EPOCH + timedelta(milliseconds=pt)
                self._apply(market, mc, at)
                touched.append(market)
            for market in touched:
                if market.frozen or market.settlement is not None or market.definition.get("status") != "OPEN" \
                        or not self._due(market, pt):
                    continue
                market.last_call_pt = pt
                if finished is not None and finished(market.market_id):
                    market.frozen = not market.resting()
                    continue
                if wants is None or wants(market.market_id, (market.market_time_us - pt * 1000) / 1_000_000):
                    at = at or EPOCH + timedelta(milliseconds=pt)
                    self.strategy.on_book(MarketView(market, at), OrderDesk(self, market, at))
        info = {m: MarketInfo(m, s.definition.get("marketType"), s.definition.get("venue"),
                              s.definition.get("eventTypeId"), s.market_time, s.off_at, _bsp(s.definition))
                for m, s in self.markets.items()}
        return ReplayResult(self.orders, {m: s.settlement for m, s in self.markets.items() if s.settlement}, info,
                            self.equity, self.unsettled)

    def _due(self, market: _Market, pt: int) -> bool:
        return market.last_call_pt is None or pt - market.last_call_pt >= self.every_ms

    def _apply(self, market: _Market, mc: dict, at: datetime) -> None:
        definition = mc.get("marketDefinition")
        if definition is not None:
            self._define(market, definition, at)
        market.seq += 1
        if market.frozen:
            return
        market.book.apply(mc)
        if not market.orders:
            return
        for order in market.resting():
            book = market.book.runners.get(order.selection_id)
            if book is not None:
                trade_through_queue(order, book, at)

    def _define(self, market: _Market, definition: dict, at: datetime) -> None:
        before = market.definition
        market.definition = definition
        market.market_time = parse_time(definition["marketTime"])
        market.market_time_us = (market.market_time - EPOCH) // MICROSECOND
        was_removed = {r["id"] for r in before.get("runners") or () if r.get("status") == "REMOVED"}
        removed = {r["id"] for r in definition.get("runners") or () if r.get("status") == "REMOVED"} - was_removed
        if removed and before:  # the non-runner rule: unmatched bets on the market are cancelled
            for order in market.resting():
                order.close("CANCELLED" if not order.fills else "EXECUTION_COMPLETE",
                            f"non-runner {sorted(removed)} removed: unmatched bets cancelled")
        off = definition.get("inPlay") or definition.get("status") == "CLOSED" or (
            definition.get("status") == "SUSPENDED" and at >= market.market_time)
        if off and market.off_at is None:
            market.off_at = at
            for order in market.resting():
                if order.persistence == "LAPSE":
                    order.close("LAPSED" if not order.fills else "EXECUTION_COMPLETE", "lapsed at the off")
                elif order.persistence == MARKET_ON_CLOSE:
                    order.awaiting_bsp = True
        if definition.get("status") == "CLOSED" and market.settlement is None and _settled(definition):
            self._settle(market, definition, at)

    def _settle(self, market: _Market, definition: dict, at: datetime) -> None:
        bsp = _bsp(definition)
        off = market.off_at or at
        for order in market.orders:
            if order.status != "EXECUTABLE":
                continue
            if order.is_bsp or order.awaiting_bsp:
                match_at_bsp(order, bsp.get(order.selection_id), off)
            else:
                order.close("LAPSED" if not order.fills else "EXECUTION_COMPLETE", "market closed")
        try:
            market.settlement = settle_market(market.market_id, definition, market.orders, market.base_rate,
                                              self.discount, self.positions.get(market.market_id))
        except ExchangeSettlementError as exc:  # one market the rules cannot settle is reported, not fatal
            self.unsettled[market.market_id] = str(exc)
            return
        self._exposed.pop(market.market_id, None)
        self.bankroll += market.settlement.net_profit
        self.equity.append((at, self.bankroll))


def _bsp(definition: dict) -> dict:
    return {r["id"]: dec(r["bsp"]) for r in definition.get("runners") or () if r.get("bsp") not in (None, "NaN")}


def _settled(definition: dict) -> bool:
    """A CLOSED definition that settles: every runner WINNER, LOSER, PLACED or REMOVED (not a voided market)."""
    return all(r.get("status") in ("WINNER", "LOSER", "PLACED", "REMOVED", "REMOVED_VACANT")
               for r in definition.get("runners") or ())
