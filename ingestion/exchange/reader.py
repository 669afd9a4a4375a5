"""Read Betfair historical stream files into ``MarketRecord``s: replay every update, keep what the warehouse needs.

One pass per file with constant memory: each line is decoded with orjson, the market's books are updated in place
(``backtests.betting.exchange_book``) and snapshots are taken only at the schedule's instants and phase ends (``snapshots``). State is
keyed by market id, so a file holding several markets yields one record each. A file that cannot be read or parsed
at line N fails as a whole (no record from it: a half-replayed market would be silently wrong) with an
``ExchangeFileError`` naming file and line; with ``on_error`` the reader reports it and goes on with the next file.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

import orjson

from ingestion.exchange.errors import ExchangeFileError
from ingestion.exchange.files import StreamSource, iter_stream_sources
from backtests.betting.exchange_book import MarketBook
from ingestion.exchange.records import build_record, parse_time, time_ms
from ingestion.exchange.schema import MarketRecord
from ingestion.exchange.snapshots import DEFAULT_SCHEDULE, Snapshotter, SnapshotSchedule

_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class _Market:
    """Replay state of one market: books, the latest definition, phases and the snapshots taken so far."""

    def __init__(self, market_id: str, schedule: SnapshotSchedule):
        self.market_id = market_id
        self.book = MarketBook()
        self.snapshots = Snapshotter(market_id, schedule)
        self.definition: dict | None = None
        self.runner_defs: dict[int, dict] = {}
        self.names: dict[int, str] = {}
        self.status: str | None = None
        self.in_play = False
        self.first_pt: int | None = None
        self.last_pt: int | None = None
        self.went_in_play_pt: int | None = None
        self.closed_pt: int | None = None
        self.updates = 0
        self.ltp_pre: dict[int, float] = {}
        self.ltp_pre_taken = False

    @property
    def is_pre_off(self) -> bool:
        return self.status == "OPEN" and not self.in_play

    def _keep_pre_off_ltp(self) -> None:
        """The last traded prices before the market turned in play or closed (taken once, when it does)."""
        self.ltp_pre = {sid: book.ltp for sid, book in self.book.runners.items() if book.ltp is not None}
        self.ltp_pre_taken = True

    def define(self, d: dict, pt: int) -> None:
        """Apply a marketDefinition, first keeping the books of the phase it ends."""
        status, in_play = d.get("status"), bool(d.get("inPlay"))
        self.snapshots.close_phases(self, status == "OPEN" and not in_play, in_play)
        if not self.ltp_pre_taken and (in_play or status == "CLOSED"):
            self._keep_pre_off_ltp()
        self.definition, self.status, self.in_play = d, status, in_play
        self.runner_defs = {r["id"]: r for r in d.get("runners") or ()}
        for sid, r in self.runner_defs.items():
            if r.get("name"):
                self.names[sid] = r["name"]
        if in_play and self.went_in_play_pt is None:
            self.went_in_play_pt = pt
        if status == "CLOSED" and self.closed_pt is None:
            self.closed_pt = pt

    def finish(self) -> None:
        self.snapshots.take_due(None, self)
        self.snapshots.close_phases(self, None, None)
        if not self.ltp_pre_taken:
            self._keep_pre_off_ltp()


def _json_error(name: str, lineno: int, line: bytes, exc: Exception) -> ExchangeFileError:
    kind = "invalid JSON" if line.endswith(b"\n") else "truncated JSON"
    return ExchangeFileError(name, lineno, f"{kind} ({exc})")


def replay(source: StreamSource, schedule: SnapshotSchedule = DEFAULT_SCHEDULE) -> list[_Market]:
    """Replay one source to its end; the markets in order of first appearance. Raises ExchangeFileError."""
    markets: dict[str, _Market] = {}
    loads = orjson.loads
    lineno = 0
    for line in source.lines():
        lineno += 1
        try:
            msg = loads(line)
        except orjson.JSONDecodeError as exc:
            if not line.strip():
                continue
            raise _json_error(source.name, lineno, line, exc) from exc
        try:
            if msg.get("op") != "mcm" or not msg.get("mc"):
                continue  # connection/status messages and heartbeats carry no market data
            pt = msg["pt"]
            for mc in msg["mc"]:
                d, rcs = mc.get("marketDefinition"), mc.get("rc")
                if d is None and rcs is None and not mc.get("img"):
                    continue
                market_id = mc["id"]
                state = markets.get(market_id)
                if state is None:
                    state = markets[market_id] = _Market(market_id, schedule)
                snaps = state.snapshots
                if d is not None:
                    snaps.set_market_time(time_ms(d["marketTime"]))
                if snaps.pending and snaps.pending[-1][0] < pt:
                    snaps.take_due(pt, state)  # instants passed: books as of the previous message
                if d is not None:
                    state.define(d, pt)
                state.book.apply(mc)
                if rcs and state.in_play:
                    for rc in rcs:
                        if "ltp" in rc:
                            snaps.record_in_play_ltp(rc["id"], rc["ltp"])
                if state.first_pt is None:
                    state.first_pt = pt
                state.last_pt = pt
                state.updates += 1
        except _SHAPE_ERRORS as exc:
            raise ExchangeFileError(source.name, lineno,
                                    f"unexpected message shape ({type(exc).__name__}: {exc})") from exc
    for state in markets.values():
        if state.definition is None:
            raise ExchangeFileError(source.name, None, f"market {state.market_id} has no marketDefinition")
        state.finish()
    if not markets:
        raise ExchangeFileError(source.name, None if lineno == 0 else lineno, "no market data (no mcm message)")
    return list(markets.values())


def read_source(source: StreamSource, schedule: SnapshotSchedule = DEFAULT_SCHEDULE) -> list[MarketRecord]:
    """All records of one source, or ExchangeFileError (nothing half-read)."""
    markets = replay(source, schedule)
    catalogue = source.catalogue()
    return [build_record(state, catalogue, source.name) for state in markets]


def read_markets(paths: Iterable[Path | str], *, schedule: SnapshotSchedule = DEFAULT_SCHEDULE,
                 on_error: Callable[[ExchangeFileError], None] | None = None) -> Iterator[MarketRecord]:
    """One MarketRecord per market per source under ``paths`` (files, .bz2/.gz, .tar archives, folders)."""
    for path in paths:
        sources = iter_stream_sources(path)
        while True:
            try:
                source = next(sources)
                records = read_source(source, schedule)
            except StopIteration:
                break
            except ExchangeFileError as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            yield from records


def peek_markets(path: Path | str) -> Iterator[tuple[str, str, date]]:
    """(source name, market id, market date) of each source's first marketDefinition, reading no further."""
    for source in iter_stream_sources(path):
        lineno = 0
        for line in source.lines():
            lineno += 1
            try:
                msg = orjson.loads(line)
                d = next((mc for mc in msg.get("mc") or () if mc.get("marketDefinition")), None)
                if msg.get("op") != "mcm" or d is None:
                    continue
                yield source.name, d["id"], parse_time(d["marketDefinition"]["marketTime"]).date()
            except orjson.JSONDecodeError as exc:
                if not line.strip():
                    continue
                raise _json_error(source.name, lineno, line, exc) from exc
            except _SHAPE_ERRORS as exc:
                raise ExchangeFileError(source.name, lineno, f"unexpected message shape ({exc})") from exc
            break
