"""Books from betfairlightweight, the reference parser, next to ours: the proof that our replay is right.

betfairlightweight (dev extra) is what most Betfair tooling builds on; the tests and ``make bench`` replay the same
files through its lightweight stream cache and through ``backtests.betting.exchange_book`` and require identical best-3 back/lay
(price, size), last traded price and traded volume per runner, at chosen publish times and at the end. Kept in one
place so the tests and the benchmark compare the same things. betfairlightweight reads plain text files only, so
compressed sources are first written out plain (``plain_copy``).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import orjson

from ingestion.exchange.files import StreamSource
from backtests.betting.exchange_book import MarketBook, RunnerBook

# (market id, selection id) -> (best 3 back, best 3 lay, ltp, tv); tv 0 when the file has none, as the reference says
Books = dict[tuple[str, int], tuple]
_NO_BOOK = ((), (), None, 0)


def runner_key(book: RunnerBook) -> tuple:
    return tuple(book.best_back()), tuple(book.best_lay()), book.ltp, book.tv or 0


def our_books(books: dict[str, MarketBook]) -> Books:
    return {(mid, sid): runner_key(b) for mid, market in books.items() for sid, b in market.runners.items()}


def _reference_key(runner: dict) -> tuple:
    ex = runner["ex"]
    return (tuple((p["price"], p["size"]) for p in ex["availableToBack"][:3]),
            tuple((p["price"], p["size"]) for p in ex["availableToLay"][:3]),
            runner["lastPriceTraded"], runner["totalMatched"] or 0)


def reference_listener():
    """A fresh betfairlightweight StreamListener in lightweight mode, its warnings (conflation, latency) muted."""
    from betfairlightweight import StreamListener

    logging.getLogger("betfairlightweight").setLevel(logging.ERROR)
    listener = StreamListener(max_latency=None, lightweight=True)
    listener.register_stream(0, "marketSubscription")
    return listener


def reference_snap(listener) -> Books:
    return {(m["marketId"], r["selectionId"]): _reference_key(r) for m in listener.snap() for r in m["runners"]}


def reference_final_books(plain_file: Path) -> Books:
    """Final books of a plain stream file through betfairlightweight's own historical stream."""
    import betfairlightweight

    listener = reference_listener()
    client = betfairlightweight.APIClient("u", "p", app_key="k")
    client.streaming.create_historical_stream(file_path=str(plain_file), listener=listener).start()
    return reference_snap(listener)


def books_at(lines: Iterable[bytes], publish_times: set[int]) -> tuple[dict[int, Books], dict[int, Books]]:
    """({pt: ours}, {pt: reference}) after the last message of each wanted publish time, replaying both together."""
    ours: dict[str, MarketBook] = {}
    listener = reference_listener()
    mine, theirs, pending = {}, {}, None
    for line in lines:
        msg = orjson.loads(line)
        if pending is not None and msg.get("pt") != pending:
            mine[pending], theirs[pending] = our_books(ours), reference_snap(listener)
            pending = None
        for mc in msg.get("mc") or ():
            ours.setdefault(mc["id"], MarketBook()).apply(mc)
        listener.on_data(line.decode())
        if msg.get("pt") in publish_times:
            pending = msg["pt"]
    if pending is not None:
        mine[pending], theirs[pending] = our_books(ours), reference_snap(listener)
    return mine, theirs


def differences(ours: Books, reference: Books) -> list[str]:
    """Human-readable differences (empty when identical); a runner only one side knows counts as an empty book."""
    out = []
    for key in sorted(set(ours) | set(reference)):
        a, b = ours.get(key, _NO_BOOK), reference.get(key, _NO_BOOK)
        if a != b:
            out.append(f"{key}: ours {a} != betfairlightweight {b}")
    return out


def plain_copy(source: StreamSource, folder: Path) -> Path:
    """The source's lines written to a plain file in ``folder`` (betfairlightweight cannot read .bz2/.gz)."""
    target = folder / (Path(source.name.replace(":", "_")).name.removesuffix(".bz2").removesuffix(".gz"))
    with open(target, "wb") as out:
        for line in source.lines():
            out.write(line)
    return target
