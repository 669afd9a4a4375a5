"""What a replay strategy sees of a market: the book as it was at one recorded update, and nothing later.

A view reads the replay's live books rather than copying every ladder at every update (a PRO market updates every
50 ms), so it is only valid during the callback it was handed to: reading it after the replay has applied a later
update raises ``StaleViewError``. That makes look-ahead impossible by construction instead of by discipline — a
strategy that keeps a view and looks at it later fails loudly rather than peeking at the future.
Prices and sizes are Decimal (the betting core's ``dec``), times tz-aware UTC.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from backtests.betting.exchange_book import dec


class StaleViewError(RuntimeError):
    """A view was read after the replay moved past the update it shows."""


class MarketView:
    """One market at one update: definition fields, runners and their books."""

    __slots__ = ("_state", "_seq", "market_id", "publish_time", "market_time", "status", "in_play", "market_type",
                 "number_of_winners", "event_id")

    def __init__(self, state, publish_time: datetime):
        definition = state.definition
        self._state, self._seq = state, state.seq
        self.market_id: str = state.market_id
        self.publish_time = publish_time
        self.market_time: datetime = state.market_time
        self.status: str = definition.get("status")
        self.in_play: bool = bool(definition.get("inPlay"))
        self.market_type: str = definition.get("marketType")
        self.number_of_winners: int = definition.get("numberOfWinners") or 1
        self.event_id: str | None = definition.get("eventId")

    def check(self) -> None:
        if self._state.seq != self._seq:
            raise StaleViewError(f"market {self.market_id} as of {self.publish_time.isoformat()} was read after a "
                                 "later update: keep what you need from a view while you hold it")

    @property
    def seconds_to_start(self) -> float:
        return (self.market_time - self.publish_time).total_seconds()

    @property
    def is_pre_off(self) -> bool:
        return self.status == "OPEN" and not self.in_play

    def runners(self, status: str | None = "ACTIVE") -> list[RunnerView]:
        """The runners of the definition (only ``status`` ones unless None), in definition order."""
        self.check()
        return [RunnerView(self, r) for r in self._state.definition.get("runners") or ()
                if status is None or r.get("status") == status]

    def runner(self, selection_id: int) -> RunnerView:
        self.check()
        for r in self._state.definition.get("runners") or ():
            if r["id"] == selection_id:
                return RunnerView(self, r)
        raise KeyError(f"selection {selection_id} is not a runner of market {self.market_id}")


class RunnerView:
    """One runner of a ``MarketView``: status from the definition, prices from its book at that update."""

    __slots__ = ("_market", "_definition", "selection_id", "status")

    def __init__(self, market: MarketView, definition: dict):
        self._market, self._definition = market, definition
        self.selection_id: int = definition["id"]
        self.status: str = definition.get("status")

    def _book(self):
        self._market.check()
        return self._market._state.book.runners.get(self.selection_id)

    def best_back(self, depth: int = 3) -> list[tuple[Decimal, Decimal]]:
        """(price, size) a backer can take, best (highest) first."""
        book = self._book()
        return [] if book is None else [(dec(p), dec(s)) for p, s in book.best_back(depth)]

    def best_lay(self, depth: int = 3) -> list[tuple[Decimal, Decimal]]:
        """(price, size) a layer can take, best (lowest) first."""
        book = self._book()
        return [] if book is None else [(dec(p), dec(s)) for p, s in book.best_lay(depth)]

    @property
    def last_traded_price(self) -> Decimal | None:
        book = self._book()
        return None if book is None else dec(book.ltp)

    @property
    def traded_volume(self) -> Decimal | None:
        book = self._book()
        return None if book is None else dec(book.traded_volume())

    @property
    def projected_sp(self) -> Decimal | None:
        """The near projected BSP (``spn``) when the file carries it (PRO files, BSP markets)."""
        book = self._book()
        return None if book is None or book.spn in (None, "NaN", "Infinity") else dec(book.spn)

    @property
    def adjustment_factor(self) -> Decimal | None:
        self._market.check()
        factor = self._definition.get("adjustmentFactor")
        return None if factor is None else dec(factor)
