"""Replay strategies: each decides from the view it is handed and from what it chose to remember of earlier views.

They are the exchange counterparts of the racing rules — back or lay the favourite at a fixed time before the off,
take the BSP, back value against the projected BSP, follow steamers — and the reference runs compared with flumine
(``tests/flumine_reference.py`` runs the same decisions there). Stakes are Decimal; one decision per market unless
the strategy says otherwise.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from backtests.exchange.replay import OrderDesk
from backtests.exchange.views import MarketView, RunnerView


def back_price(runner: RunnerView) -> Decimal | None:
    """The best available back price; in a BASIC file (no ladders) the last traded price."""
    levels = runner.best_back(1)
    return levels[0][0] if levels else runner.last_traded_price


def favourite(market: MarketView) -> tuple[RunnerView, Decimal] | None:
    """The ACTIVE runner with the lowest back price (``back_price``; ties: lowest selection id), with that price."""
    priced = [(back_price(runner), runner.selection_id, runner) for runner in market.runners()]
    priced = [item for item in priced if item[0] is not None]
    if not priced:
        return None
    price, _, runner = min(priced, key=lambda item: (item[0], item[1]))
    return runner, price


@dataclass
class AtTimeBeforeOff:
    """Base: act once per market, at the first pre-off update at most ``seconds_before`` before the scheduled off."""

    seconds_before: float = 300.0
    stake: Decimal = Decimal(2)
    done: set = field(default_factory=set)

    def wants(self, market_id: str, seconds_to_start: float) -> bool:
        """Only the updates from ``seconds_before`` on, until the decision: the replay builds no view for the rest."""
        return market_id not in self.done and seconds_to_start <= self.seconds_before

    def finished(self, market_id: str) -> bool:
        return market_id in self.done

    def on_book(self, market: MarketView, desk: OrderDesk) -> None:
        if market.market_id in self.done or not market.is_pre_off or market.seconds_to_start > self.seconds_before:
            return
        self.done.add(market.market_id)
        self.act(market, desk)

    def act(self, market: MarketView, desk: OrderDesk) -> None:
        raise NotImplementedError


class BackFavourite(AtTimeBeforeOff):
    """Back the favourite at the best available back price (rest lapses at the off)."""

    def act(self, market, desk):
        chosen = favourite(market)
        if chosen:
            desk.back(chosen[0].selection_id, chosen[1], self.stake)


class LayFavourite(AtTimeBeforeOff):
    """Lay the favourite at its best available lay price, for a backer's stake of ``stake``."""

    def act(self, market, desk):
        chosen = favourite(market)
        levels = chosen[0].best_lay(1) if chosen else []
        price = levels[0][0] if levels else chosen[0].last_traded_price if chosen else None
        if price is not None:
            desk.lay(chosen[0].selection_id, price, self.stake)


class BspBackFavourite(AtTimeBeforeOff):
    """Take the BSP on the favourite (MARKET_ON_CLOSE): the starting-price version of backing it."""

    def act(self, market, desk):
        chosen = favourite(market)
        if chosen:
            desk.bsp_back(chosen[0].selection_id, self.stake)


@dataclass
class ValueAgainstProjectedSp(AtTimeBeforeOff):
    """Back every runner whose best back price beats its projected BSP by ``margin`` (a price above the market's
    own forecast of where it starts), at that price."""

    margin: Decimal = Decimal("0.10")

    def act(self, market, desk):
        for runner in market.runners():
            levels, projected = runner.best_back(1), runner.projected_sp
            if levels and projected and levels[0][0] > projected * (1 + self.margin):
                desk.back(runner.selection_id, levels[0][0], self.stake)


@dataclass
class FollowSteamers:
    """Back a runner whose last traded price shortened by ``shortening`` (a fraction) within ``window_s`` seconds,
    in the last ``from_s`` seconds before the scheduled off, once per runner. It remembers the prices it saw —
    never anything from a later view."""

    shortening: Decimal = Decimal("0.20")
    window_s: float = 600.0
    from_s: float = 900.0
    stake: Decimal = Decimal(2)
    seen: dict = field(default_factory=dict)
    backed: set = field(default_factory=set)

    def on_book(self, market: MarketView, desk: OrderDesk) -> None:
        if not market.is_pre_off or market.seconds_to_start > self.from_s:
            return
        now = market.publish_time
        for runner in market.runners():
            ltp = runner.last_traded_price
            if ltp is None:
                continue
            key = (market.market_id, runner.selection_id)
            history = self.seen.setdefault(key, deque())
            history.append((now, ltp))
            while (now - history[0][0]).total_seconds() > self.window_s:
                history.popleft()
            highest = max(price for _, price in history)
            if key not in self.backed and ltp <= highest * (1 - self.shortening):
                levels = runner.best_back(1)
                if levels:
                    self.backed.add(key)
                    desk.back(runner.selection_id, levels[0][0], self.stake)


@dataclass
class SteamerBsp:
    """Take the BSP on late steamers: a runner whose best back price, at an update in the last ``from_s`` seconds
    before the scheduled off, is at most (1 − ``shortening``) × its best back price at T−``reference_s`` (the book of
    the last update published at or before then); once per runner. ``shortening=None`` drops the steam condition and
    takes the BSP on every ACTIVE runner in that last stretch: the control that shows the steam is the edge.

    Why the BSP: the planted edge of the synthetic exchange data (``exchange_streams``) is steamers winning 1.3× as
    often as their *BSP* implies, so the BSP is the price the edge is measured against; backing the shortened price
    on show instead would also need the liquidity to be there. FollowSteamers differs on purpose: it follows the last
    traded price over a rolling window and takes the price on show, which needs no reference time.
    """

    shortening: Decimal | None = Decimal("0.20")
    reference_s: float = 600.0
    from_s: float = 60.0
    stake: Decimal = Decimal(2)
    reference: dict = field(default_factory=dict)  # (market id, selection id) -> best back at T−reference_s
    backed: set = field(default_factory=set)

    def wants(self, market_id: str, seconds_to_start: float) -> bool:
        return seconds_to_start <= self.from_s or (self.shortening is not None and seconds_to_start >= self.reference_s)

    def on_book(self, market: MarketView, desk: OrderDesk) -> None:
        if not market.is_pre_off:
            return
        to_start = market.seconds_to_start
        if to_start >= self.reference_s:
            for runner in market.runners():  # overwritten until the last update at or before T−reference_s
                levels = runner.best_back(1)
                self.reference[(market.market_id, runner.selection_id)] = levels[0][0] if levels else None
            return
        if to_start > self.from_s:
            return
        for runner in market.runners():
            key = (market.market_id, runner.selection_id)
            if key in self.backed:
                continue
            if self.shortening is not None:
                before, levels = self.reference.get(key), runner.best_back(1)
                if before is None or not levels or levels[0][0] > before * (1 - self.shortening):
                    continue
            self.backed.add(key)
            desk.bsp_back(runner.selection_id, self.stake)
