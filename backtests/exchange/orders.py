"""Orders against a recorded Betfair book: what fills, at what price, and when. The rules, stated once:

1. **Taking liquidity** (a LIMIT order on placement). A back at limit p takes the available-to-back levels priced
   ≥ p, best (highest) first, each at *its* price, up to the size shown there; a lay at p takes the available-to-lay
   levels priced ≤ p, lowest first. What is left rests at p (``persistence`` LAPSE or PERSIST) unless the strategy
   cancels it at once (``OrderDesk.cancel``: fill-and-kill). The recorded book does not know about us, so a fill
   does not remove the size it took (flumine does the same).
2. **Queue model** for the resting rest. Our order joins the back of the queue at p: the size already offered
   at p on its side (a resting back sits with the backers' offers, i.e. the available-to-lay level at p; a
   resting lay with the available-to-back level) is ``queue_ahead``. From then on, new traded volume at p *or at a
   price better for the other side* (for a resting back: trades at ≥ p, where a layer accepted a price our order
   would have beaten; for a lay: ≤ p) works off the queue ahead first, and only what is left of it fills us — at p,
   never better. Betfair's traded volume counts both sides' stakes of a match, so half of each increase is what
   a queue competes for. Cancellations ahead of us are not credited (they are not visible as such), so the model
   is conservative. These are flumine's rules too (``simulatedorder._process_traded``, ``_calculate_process_traded``),
   which the comparison with flumine relies on.
3. **Lapsing**. Unmatched LAPSE orders lapse when the market turns in play or leaves OPEN (suspended at the off,
   closed); PERSIST orders go on resting in play. Unmatched MARKET_ON_CLOSE-persistence orders become BSP bets at
   the off.
4. **BSP orders** (Betfair's starting price): MARKET_ON_CLOSE matches in full at the reconciled BSP;
   LIMIT_ON_CLOSE only when the BSP is at least as good as the limit (back: BSP ≥ limit; lay: BSP ≤ limit).
   A lay BSP order is sized by its liability: the backer's stake is liability / (BSP − 1). No BSP in the final
   definition (not a BSP market, a removed runner) leaves the order lapsed. Matched at the off, so reduction
   factors of earlier removals do not apply to them (settlement's rule 4).
5. **BASIC files** carry one last traded price a minute and no ladders or traded volumes, so rules 1–2 have
   nothing to match against. There a LIMIT order is assumed matched in full at its limit once the last traded
   price is at least as good (back: ltp ≥ limit; lay: ltp ≤ limit) — at placement or at a later update. An
   assumption, not a fact of the data: it is why BASIC-file backtests overstate fills, and it is stated in their
   results (``Order.reason``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from backtests.betting.exchange_book import dec

CENT = Decimal("0.01")
ZERO = Decimal(0)
LIMIT, MARKET_ON_CLOSE, LIMIT_ON_CLOSE = "LIMIT", "MARKET_ON_CLOSE", "LIMIT_ON_CLOSE"
PERSISTENCES = ("LAPSE", "PERSIST", "MARKET_ON_CLOSE")


class OrderError(ValueError):
    """An order the exchange would refuse; the message names the value."""


@dataclass(frozen=True)
class Fill:
    price: Decimal
    size: Decimal  # the backer's stake, on both sides
    matched_at: datetime


@dataclass
class Order:
    """One order and everything that happened to it. ``size`` is the backer's stake (a lay risks size × (p − 1));
    BSP lays are given by ``liability`` instead."""

    order_id: int
    market_id: str
    selection_id: int
    side: str
    order_type: str
    price: Decimal | None
    size: Decimal | None
    placed_at: datetime
    persistence: str = "LAPSE"
    liability: Decimal | None = None
    status: str = "EXECUTABLE"  # EXECUTABLE | EXECUTION_COMPLETE | LAPSED | CANCELLED | REJECTED
    reason: str | None = None
    fills: list[Fill] = field(default_factory=list)
    queue_ahead: float = 0.0
    traded_seen: float = 0.0  # traded volume so far at the prices that can fill us (rule 2)
    awaiting_bsp: bool = False  # a MARKET_ON_CLOSE-persistence rest after the off: taken at the BSP, rests no more

    @property
    def size_matched(self) -> Decimal:
        return sum((f.size for f in self.fills), ZERO)

    @property
    def size_remaining(self) -> Decimal:
        return ZERO if self.size is None else self.size - self.size_matched

    @property
    def average_price_matched(self) -> Decimal | None:
        matched = self.size_matched
        if not matched:
            return None
        return (sum((f.price * f.size for f in self.fills), ZERO) / matched).quantize(CENT)

    @property
    def is_bsp(self) -> bool:
        return self.order_type != LIMIT

    def fill(self, price: Decimal, size: Decimal, at: datetime) -> None:
        size = min(size.quantize(CENT, rounding=ROUND_DOWN), self.size_remaining)
        if size > 0:
            self.fills.append(Fill(price, size, at))
        if self.size_remaining <= 0:
            self.status = "EXECUTION_COMPLETE"

    def close(self, status: str, reason: str) -> None:
        self.status, self.reason = status, reason


def validate(order: Order) -> None:
    if order.side not in ("back", "lay"):
        raise OrderError(f"side {order.side!r} is neither 'back' nor 'lay'")
    if order.order_type == LIMIT:
        if order.price is None or order.price < Decimal("1.01") or order.price > 1000:
            raise OrderError(f"limit price {order.price} is outside the exchange's 1.01-1000")
        if order.size is None or order.size <= 0:
            raise OrderError(f"size {order.size} is not positive")
        if order.persistence not in PERSISTENCES:
            raise OrderError(f"persistence {order.persistence!r} is not one of {', '.join(PERSISTENCES)}")
    elif order.order_type in (MARKET_ON_CLOSE, LIMIT_ON_CLOSE):
        amount = order.liability if order.side == "lay" else order.size
        if amount is None or amount <= 0:
            raise OrderError(f"{order.side} {order.order_type} needs a positive "
                             f"{'liability' if order.side == 'lay' else 'size'}, got {amount}")
    else:
        raise OrderError(f"order type {order.order_type!r} is not LIMIT, MARKET_ON_CLOSE or LIMIT_ON_CLOSE")


def take_liquidity(order: Order, runner_book, at: datetime) -> None:
    """Rule 1: match against the recorded levels that cross the limit, then join the queue at the limit."""
    if runner_book is None:
        return
    if is_basic(runner_book):
        fill_at_last_traded(order, runner_book, at)
        return
    limit = float(order.price)
    if order.side == "back":
        levels = [(p, s) for p, s in runner_book.best_back(depth=350) if p >= limit]
    else:
        levels = [(p, s) for p, s in runner_book.best_lay(depth=350) if p <= limit]
    for price, size in levels:
        if order.size_remaining <= 0:
            break
        order.fill(dec(price), dec(size), at)
    join_queue(order, runner_book)


def is_basic(runner_book) -> bool:
    """A runner with a last traded price and no ladder or traded volume ever: a BASIC file's (rule 5)."""
    return not (runner_book.trd or runner_book.atb or runner_book.atl or runner_book.batb or runner_book.batl
                or runner_book.bdatb or runner_book.bdatl)


def fill_at_last_traded(order: Order, runner_book, at: datetime) -> None:
    """Rule 5: BASIC data's assumed fill at the limit when the market traded there or better."""
    ltp = runner_book.ltp
    if ltp is not None and (ltp >= float(order.price) if order.side == "back" else ltp <= float(order.price)):
        order.reason = f"BASIC data: assumed matched at {order.price} (last traded {dec(ltp)})"
        order.fill(order.price, order.size_remaining, at)


def join_queue(order: Order, runner_book) -> None:
    """Rule 2's starting point: the size offered ahead of us at our price, and the traded volume there so far."""
    price = float(order.price)
    same_side = _offers(runner_book, "lay" if order.side == "back" else "back")
    order.queue_ahead = same_side.get(price, 0.0)
    order.traded_seen = traded_through(order, runner_book)


def traded_through(order: Order, runner_book) -> float:
    """Traded volume so far at our price or better for the other side (rule 2), both sides' stakes counted."""
    limit = float(order.price)
    if order.side == "back":
        return sum(size for price, size in runner_book.trd.items() if price >= limit)
    return sum(size for price, size in runner_book.trd.items() if price <= limit)


def _offers(runner_book, side: str) -> dict[float, float]:
    """price -> size available to ``side`` (full ladder when the file has one, else the best-N levels)."""
    full = runner_book.atb if side == "back" else runner_book.atl
    if full:
        return full
    return dict(runner_book.best_back(350) if side == "back" else runner_book.best_lay(350))


def trade_through_queue(order: Order, runner_book, at: datetime) -> None:
    """Rule 2: half the new traded volume at prices that reach us works off the queue ahead, then fills us."""
    if is_basic(runner_book):
        fill_at_last_traded(order, runner_book, at)
        return
    traded = traded_through(order, runner_book)
    new = (traded - order.traded_seen) / 2  # the backer's half of what was matched
    if new <= 0:
        if traded < order.traded_seen:  # the ladder was cleared (an image): start counting again from here
            order.traded_seen = traded
        return
    order.traded_seen = traded
    worked_off = min(new, order.queue_ahead)
    order.queue_ahead -= worked_off
    if new - worked_off > 0:
        order.fill(order.price, dec(round(new - worked_off, 2)), at)


def match_at_bsp(order: Order, bsp: Decimal | None, at: datetime) -> None:
    """Rule 4: a BSP order (or a MARKET_ON_CLOSE-persistence remainder) at the reconciled price, or lapsed."""
    if bsp is None:
        order.close("LAPSED", "no reconciled BSP for this runner")
        return
    limit = order.price if order.order_type == LIMIT_ON_CLOSE else None
    if limit is not None and (bsp < limit if order.side == "back" else bsp > limit):
        order.close("LAPSED", f"BSP {bsp} is worse than the limit {limit}")
        return
    if order.order_type == LIMIT:  # a LIMIT order's unmatched rest taken at the BSP
        size = order.size_remaining
    elif order.side == "back":
        size = order.size
    else:
        size = (order.liability / (bsp - 1)).quantize(CENT, rounding=ROUND_DOWN)
        order.size = size
    order.fill(bsp, size, at)
