"""Per-runner order book replay of Betfair stream deltas: the hot path of the exchange reader and the replay backtests.

In the betting core (no I/O) because both the warehouse reader (``ingestion.exchange.reader``) and the market
replay of the backtests (``backtests.exchange``) apply the same deltas, and the backtests may not import ingestion.

A PRO file ticks every 50 ms with many runners per tick, and only a few dozen snapshots per market are kept, so
the replay stores plain floats in dicts (price -> size, level -> [level, price, size]) and sorts nothing per update:
the best levels are picked only when a snapshot is taken (``best_back``/``best_lay``), and Decimals are made only
there (``dec``). Semantics follow Betfair's stream spec (and betfairlightweight's cache, checked against it in the tests):

- ``atb``/``atl``/``spb``/``spl``/``trd`` are [price, size] deltas; size 0 deletes the price; ``trd`` is cumulative
  traded per price (a delta replaces that price) and an empty ``trd`` list clears it.
- ``batb``/``batl``/``bdatb``/``bdatl`` are [level, price, size] best-N ladders; size 0 deletes the level.
- ``ltp``, ``tv``, ``spn``, ``spf`` replace their value.
- Best back = highest ``atb`` prices; when a file carries only best-N ladders (ADVANCED), their levels in order,
  ``bdatb`` (virtual, what the website shows) before ``batb``, as betfairlightweight serialises them.
"""
from __future__ import annotations

from decimal import Decimal
from heapq import nlargest, nsmallest


_DECIMALS: dict[float, Decimal] = {}  # ladder prices and common sizes recur across snapshots and markets
_DECIMALS_MAX = 1 << 16


def dec(value: float | int | None) -> Decimal | None:
    """A stream number as Decimal through its shortest repr (8.8 -> Decimal('8.8')), never Decimal(float).

    Floats are memoised (bounded): 4.0 and 4 hash alike, so ints bypass the memo and keep their own scale.
    """
    if value is None:
        return None
    if value.__class__ is not float:
        return Decimal(value)
    out = _DECIMALS.get(value)
    if out is None:
        out = Decimal(repr(value))
        if len(_DECIMALS) < _DECIMALS_MAX:
            _DECIMALS[value] = out
    return out


def _prices(book: dict, deltas: list) -> None:
    for price, size in deltas:
        if size:
            book[price] = size
        else:
            book.pop(price, None)


def _levels(book: dict, deltas: list) -> None:
    for entry in deltas:  # the decoded [level, price, size] list itself is kept
        if entry[2]:
            book[entry[0]] = entry
        else:
            book.pop(entry[0], None)


class RunnerBook:
    """One runner's book as plain floats; ``apply`` is called once per runner change, so it does the least it can."""

    __slots__ = ("selection_id", "atb", "atl", "batb", "batl", "bdatb", "bdatl", "trd", "spb", "spl",
                 "ltp", "tv", "spn", "spf", "version")

    def __init__(self, selection_id: int):
        self.selection_id = selection_id
        self.atb: dict = {}
        self.atl: dict = {}
        self.batb: dict = {}
        self.batl: dict = {}
        self.bdatb: dict = {}
        self.bdatl: dict = {}
        self.trd: dict = {}
        self.spb: dict = {}
        self.spl: dict = {}
        self.ltp: float | None = None
        self.tv: float | None = None
        self.spn: float | None = None
        self.spf: float | None = None
        self.version = 0  # bumped by every change: snapshots reuse the rows of an unchanged book

    def apply(self, rc: dict) -> None:
        """Apply one ``rc`` entry (the runner change of one message).

        The full ladders and best-display ladders of PRO files are inlined (a function call per key costs ~20%
        here); the rarer keys go through the helpers.
        """
        self.version += 1
        for key, value in rc.items():
            if key == "atb" or key == "atl":
                book = self.atb if key == "atb" else self.atl
                for price, size in value:
                    if size:
                        book[price] = size
                    else:
                        book.pop(price, None)
            elif key == "bdatb" or key == "bdatl":
                book = self.bdatb if key == "bdatb" else self.bdatl
                for entry in value:  # the decoded [level, price, size] list itself is kept: no allocation
                    if entry[2]:
                        book[entry[0]] = entry
                    else:
                        book.pop(entry[0], None)
            elif key == "ltp":
                self.ltp = value
            elif key == "tv":
                self.tv = value
            elif key == "trd":
                if value:
                    _prices(self.trd, value)
                else:
                    self.trd.clear()
            elif key == "id":
                continue
            elif key == "batb":
                _levels(self.batb, value)
            elif key == "batl":
                _levels(self.batl, value)
            elif key == "spn":
                self.spn = value
            elif key == "spf":
                self.spf = value
            elif key == "spb":
                _prices(self.spb, value)
            elif key == "spl":
                _prices(self.spl, value)

    def best_back(self, depth: int = 3) -> list[tuple[float, float]]:
        """Best ``depth`` (price, size) to back, best first."""
        if self.atb:
            return [(p, self.atb[p]) for p in nlargest(depth, self.atb)]
        ladder = self.bdatb or self.batb
        return [(ladder[level][1], ladder[level][2]) for level in sorted(ladder)[:depth]]

    def best_lay(self, depth: int = 3) -> list[tuple[float, float]]:
        """Best ``depth`` (price, size) to lay, best (lowest) first."""
        if self.atl:
            return [(p, self.atl[p]) for p in nsmallest(depth, self.atl)]
        ladder = self.bdatl or self.batl
        return [(ladder[level][1], ladder[level][2]) for level in sorted(ladder)[:depth]]

    def traded_volume(self) -> float | None:
        """``tv`` when the file carries it, else the sum of the traded ladder, else None (BASIC files)."""
        if self.tv is not None:
            return self.tv
        return round(sum(self.trd.values()), 2) if self.trd else None


class MarketBook:
    """All runners' books of one market; an ``img`` message replaces them all (a market-level image)."""

    __slots__ = ("runners",)

    def __init__(self):
        self.runners: dict[int, RunnerBook] = {}

    def reset(self) -> None:
        self.runners = {}

    def runner(self, selection_id: int) -> RunnerBook:
        book = self.runners.get(selection_id)
        if book is None:
            book = self.runners[selection_id] = RunnerBook(selection_id)
        return book

    def apply(self, market_change: dict) -> None:
        """Apply one ``mc`` entry's books (``img`` then ``rc``); the definition is the reader's business."""
        if market_change.get("img"):
            self.runners = {}
        rcs = market_change.get("rc")
        if rcs:
            runners = self.runners
            for rc in rcs:
                book = runners.get(rc["id"])
                if book is None:
                    book = runners[rc["id"]] = RunnerBook(rc["id"])
                book.apply(rc)
