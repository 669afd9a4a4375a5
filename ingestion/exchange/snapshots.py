"""Which books the warehouse keeps: scheduled snapshots around the off, the last pre-off book and an in-play summary.

Every update of a PRO file is never stored (the files stay the source of truth for replay); analysis wants the
market at fixed offsets from the scheduled off, so the reader takes, per runner, the book as of the last message
published at or before each instant of ``SnapshotSchedule`` (nothing before the first message), the book at the last
message while the market was OPEN and not in play (``last_pre_off``) and, when it went in play, the book at its last
in-play message with the lowest/highest price traded in play (``in_play``). Books are captured lazily: an instant or
a phase is closed only when the next message shows it has passed, so the replay never copies a book it won't keep.
REMOVED runners get no rows once the definition says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from backtests.betting.exchange_book import MarketBook, RunnerBook, dec
from ingestion.exchange.schema import EXCHANGE_PRICES

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EMPTY = RunnerBook(0)


def utc_ms(ms: int) -> datetime:
    """Epoch milliseconds (``pt``) as an exact tz-aware UTC datetime (no float rounding)."""
    return EPOCH + timedelta(milliseconds=ms)


@dataclass(frozen=True)
class SnapshotSchedule:
    """Offsets in seconds from the scheduled off (marketTime) at which every runner's book is kept."""

    offsets: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "offsets", tuple(sorted(set(int(o) for o in self.offsets))))


# every minute from T-60 min to T-5 min, then every 10 s in the last five minutes up to the scheduled off
DEFAULT_SCHEDULE = SnapshotSchedule(tuple(range(-3600, -299, 60)) + tuple(range(-290, 1, 10)))


_LEVEL_COLUMNS = {side: [(f"{side}_{n}_price", f"{side}_{n}_size") for n in (1, 2, 3)] for side in ("back", "lay")}


def book_columns(book: RunnerBook | None) -> dict:
    """The columns a runner's book fills (best 3 back/lay, ltp, traded volume, projected BSP), as Decimals."""
    book = book or _EMPTY
    out = {"last_traded_price": dec(book.ltp), "traded_volume": dec(book.traded_volume()),
           "spn": dec(book.spn), "spf": dec(book.spf)}
    for side, levels in (("back", book.best_back()), ("lay", book.best_lay())):
        for (price_col, size_col), (price, size) in zip(_LEVEL_COLUMNS[side], levels):
            out[price_col], out[size_col] = dec(price), dec(size)
    return out


_ROW = dict.fromkeys(EXCHANGE_PRICES)


def price_row(market_id: str, selection_id: int, columns: dict, kind: str, at: datetime, offset: int | None,
              in_play: bool, status: str | None, in_play_range=(None, None)) -> dict:
    """One ``raw.exchange_prices`` row (keys in column order; ``market_date`` is filled when the market ends)."""
    row = _ROW.copy()
    row.update(columns)
    row["market_id"], row["selection_id"], row["snapshot_kind"], row["snapshot_at"] = market_id, selection_id, kind, at
    row["offset_seconds"], row["in_play"], row["market_status"] = offset, in_play, status
    if in_play_range[0] is not None:
        row["in_play_min_price"], row["in_play_max_price"] = dec(in_play_range[0]), dec(in_play_range[1])
    return row


class Snapshotter:
    """The snapshot rows of one market, fed by the reader before each message is applied and once at the end."""

    def __init__(self, market_id: str, schedule: SnapshotSchedule):
        self.market_id = market_id
        self.schedule = schedule
        self.market_time_ms: int | None = None
        self.pending: list[tuple[int, int]] = []  # (instant ms, offset s), latest first: pop() is the next due
        self.taken: set[int] = set()
        self.scheduled: list[dict] = []
        self.pre_off: list[dict] = []
        self.in_play: list[dict] = []
        self.in_play_low: dict[int, float] = {}
        self.in_play_high: dict[int, float] = {}
        self._columns: dict[int, tuple[RunnerBook | None, int, dict]] = {}  # unchanged books are not re-read

    def set_market_time(self, market_time_ms: int) -> None:
        """(Re)plan the instants; a rescheduled off moves those not yet taken."""
        if market_time_ms != self.market_time_ms:
            self.market_time_ms = market_time_ms
            self.pending = sorted(((market_time_ms + o * 1000, o) for o in self.schedule.offsets
                                   if o not in self.taken), reverse=True)

    def next_due(self) -> int | None:
        return self.pending[-1][0] if self.pending else None

    def take_due(self, before_ms: int | None, state) -> None:
        """Take every planned instant earlier than ``before_ms`` (None: all) from the current books."""
        pending = self.pending
        while pending and (before_ms is None or pending[-1][0] < before_ms):
            at_ms, offset = pending.pop()
            if state.first_pt is None or at_ms < state.first_pt:
                continue  # nothing was published yet at that instant
            self.taken.add(offset)
            self.scheduled += self._rows(state, "scheduled", at_ms, offset)

    def record_in_play_ltp(self, selection_id: int, ltp: float) -> None:
        low, high = self.in_play_low.get(selection_id), self.in_play_high.get(selection_id)
        if low is None or ltp < low:
            self.in_play_low[selection_id] = ltp
        if high is None or ltp > high:
            self.in_play_high[selection_id] = ltp

    def close_phases(self, state, next_pre_off: bool | None, next_in_play: bool | None) -> None:
        """Before a message changes the phase (or at the end: None), keep the book of the phase that ends."""
        if state.last_pt is None:
            return
        if state.is_pre_off and not next_pre_off:
            self.pre_off = self._rows(state, "last_pre_off", state.last_pt, None)
        if state.in_play and not next_in_play:
            self.in_play = self._rows(state, "in_play", state.last_pt, None)

    def _rows(self, state, kind: str, at_ms: int, offset: int | None) -> list[dict]:
        if offset is None:
            offset = (at_ms - self.market_time_ms) // 1000 if self.market_time_ms is not None else None
        books: MarketBook = state.book
        at, cache, rows = utc_ms(at_ms), self._columns, []
        for selection_id, runner_def in state.runner_defs.items():
            if runner_def.get("status") == "REMOVED":
                continue
            in_play_range = ((self.in_play_low.get(selection_id), self.in_play_high.get(selection_id))
                             if kind == "in_play" else (None, None))
            book = books.runners.get(selection_id)
            version = book.version if book is not None else -1
            cached = cache.get(selection_id)
            if cached is None or cached[0] is not book or cached[1] != version:
                cached = cache[selection_id] = (book, version, book_columns(book))
            rows.append(price_row(self.market_id, selection_id, cached[2], kind, at, offset,
                                  bool(state.in_play), state.status, in_play_range))
        return rows

    def rows(self) -> list[dict]:
        return self.scheduled + self.pre_off + self.in_play
