"""flumine 3.3 as an independent reference for paddock's exchange backtests (issue 16: "side by side with flumine").

flumine is the reference Betfair backtester; running the same simple strategies through it over the same stream files
gives fills to compare with ours market by market, and any difference has to be explained by a rule (queue model,
latency, price rounding), not waved away. Dev-only: tests and `make bench` import it, production code never does.

How flumine runs here (read from flumine 3.3.2, not from its docs):
- One `FlumineSimulation` with a `SimulatedClient` per file. 3.3 has no strategy `market_filter` any more: a strategy
  subscribes to `BetfairHistoricalStream(file_path=...)` objects. Streams without `event_processing` are replayed one
  after another in isolation; a fresh simulation per file also keeps flumine's `SimulatedMiddleware._runner_removals`
  (a list keyed by selection id, not by market) from leaking between markets.
- `.bz2` files are opened by smart_open from the extension; plain files as they are.
- An order placed at book B is only executed at the first later book of the same market published more than
  `config.place_latency` (0.120 s) after B, against the book in force just before that update (flumine checks pending
  orders before applying the new book). With one update a second that is the decision book itself.
- flumine's trading controls would refuse orders over `max_order_exposure` (default 10); both exposure limits are
  switched off so that the stake alone decides the order.

BASIC files (ltp only, no ladders): flumine reads them without complaint, but no runner has an available-to-back
price, so there is no favourite and `flumine_fills` returns no row for such a market. Forcing orders on Hamilton
(BASIC-1.132153978) at T-5 shows what flumine would do: a LIMIT back rests with nothing ahead of it and never matches
(no traded volume in BASIC files), stays live through the turn in-play (the one-minute snapshots have no SUSPENDED book
before the first in-play one) and lapses at the SUSPENDED book two minutes later; a MARKET_ON_CLOSE back matches at
the BSP of the first bspReconciled book (4.15).
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from flumine import BaseStrategy, FlumineSimulation, clients
from flumine.order.ordertype import LimitOrder, MarketOnCloseOrder
from flumine.order.trade import Trade
from flumine.streams.betfairhistoricalstream import BetfairHistoricalStream

STRATEGIES = ("back_favourite_t5", "lay_favourite_t5", "bsp_back")
DECISION_SECONDS_BEFORE_OFF = 300  # "T-5 min": the first book published at or after marketTime - 300 s


def _utc(moment: datetime) -> datetime:
    """betfairlightweight hands out naive UTC datetimes; the project's boundary is tz-aware UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _moment(epoch_ms: int) -> datetime:
    """Stream publish times are epoch milliseconds."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)


def _decimal(value) -> Decimal | None:
    """flumine computes in floats; str() first so that 1.55 stays Decimal('1.55'), not its binary expansion."""
    return None if value is None else Decimal(str(value))


def favourite(market_book):
    """The ACTIVE runner with the lowest best available-to-back price (ties: lowest selection id), or None.

    Runners with no back price at all are skipped, so a BASIC (ltp-only) book has no favourite.
    """
    priced = [
        (runner.ex.available_to_back[0]["price"], runner.selection_id, runner)
        for runner in market_book.runners
        if runner.status == "ACTIVE" and runner.ex.available_to_back
    ]
    return min(priced, key=lambda item: item[:2])[2] if priced else None


class FavouriteAtT5(BaseStrategy):
    """One decision per market at T-5 min: back or lay the favourite at its best price, or back it at BSP.

    The decision is taken once, at the first book whose publish time is >= marketTime - 300 s while the market is OPEN
    and not in play; if that book has no favourite (or the favourite no price on the side needed) the market gets no
    order at all, never a later one.
    """

    def __init__(self, kind: str, stake: Decimal, streams: list):
        if kind not in STRATEGIES:
            raise ValueError(f"unknown strategy {kind!r}; expected one of {STRATEGIES}")
        super().__init__(streams=streams, name=kind, max_order_exposure=None, max_selection_exposure=None)
        self.kind = kind
        self.stake = float(stake)
        self.decided: set[str] = set()
        self.placed: list[tuple] = []  # (order, decision publish time)

    def check_market_book(self, market, market_book) -> bool:
        if market_book.market_id in self.decided or market_book.status != "OPEN" or market_book.inplay:
            return False
        off = _utc(market_book.market_definition.market_time).timestamp()
        return market_book.publish_time_epoch / 1000 >= off - DECISION_SECONDS_BEFORE_OFF

    def process_market_book(self, market, market_book) -> None:
        self.decided.add(market_book.market_id)
        runner = favourite(market_book)
        if runner is None:
            return
        if self.kind == "back_favourite_t5":
            side, order_type = "BACK", LimitOrder(runner.ex.available_to_back[0]["price"], self.stake, "LAPSE")
        elif self.kind == "lay_favourite_t5":
            if not runner.ex.available_to_lay:
                return
            side, order_type = "LAY", LimitOrder(runner.ex.available_to_lay[0]["price"], self.stake, "LAPSE")
        else:
            side, order_type = "BACK", MarketOnCloseOrder(liability=self.stake)
        trade = Trade(market_book.market_id, runner.selection_id, runner.handicap, self)
        order = trade.create_order(side=side, order_type=order_type)
        market.place_order(order)
        self.placed.append((order, _moment(market_book.publish_time_epoch)))


def _row(order, placed_at: datetime) -> dict:
    """One order as plain values: prices and money as Decimal, times tz-aware UTC.

    `fills` is flumine's own list of matches, (publish time of the book that matched, price, size): the immediate
    part against the ladder and each later part taken from traded volume, so partial fills compare one by one.
    """
    order_type = order.order_type
    is_limit = order_type.ORDER_TYPE.name == "LIMIT"
    return {
        "market_id": order.market_id,
        "selection_id": order.selection_id,
        "side": order.side.lower(),
        "order_type": order_type.ORDER_TYPE.name,
        "price": _decimal(order_type.price) if is_limit else None,
        "size": _decimal(order_type.size if is_limit else order_type.liability),
        "placed_at": placed_at,
        "average_price_matched": _decimal(order.average_price_matched),
        "size_matched": _decimal(order.size_matched),
        "size_lapsed": _decimal(order.simulated.size_lapsed),
        "fills": [(_moment(at), _decimal(price), _decimal(size)) for at, price, size in order.simulated.matched],
        "status": order.status.name,
        "profit": _decimal(order.profit),
    }


def flumine_fills(paths: list[Path], strategy: str, stake: Decimal) -> list[dict]:
    """Run `strategy` through flumine's simulation over each stream file; one row per order, in file order.

    The profit is flumine's own (`SimulatedOrder.profit`), before commission: flumine never deducts commission from
    an order, which is exactly what the comparison with our settlement needs.
    """
    rows: list[dict] = []
    for path in paths:
        framework = FlumineSimulation(client=clients.SimulatedClient())
        reference = FavouriteAtT5(strategy, stake, [BetfairHistoricalStream(file_path=str(path))])
        framework.add_strategy(reference)
        framework.run()
        rows.extend(_row(order, placed_at) for order, placed_at in reference.placed)
    return rows
