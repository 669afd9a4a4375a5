"""The landing folder of Betfair stream files: which files it holds, what each one's content is, which market dates
each covers.

The folder is the exchange history's source of truth (files are never rewritten into the warehouse update by update),
so a sensor and the partitioned load both look at it through these functions: a file is identified by the hash of its
content (the same file landed twice, under any name, loads once) and placed on market dates by reading only up to each
market's first definition (``peek_markets``), never the whole file.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ingestion.exchange.errors import ExchangeFileError
from ingestion.exchange.reader import peek_markets

CATALOGUE_SUFFIX = ".catalogue.json"
_CHUNK = 1 << 20


def landed_files(folder: Path) -> list[Path]:
    """Stream files and archives under ``folder`` (recursive, sorted), without catalogues, hidden and partial files."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith(CATALOGUE_SUFFIX)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and not p.name.endswith((".part", ".tmp"))
    )


def content_digest(path: Path) -> str:
    """First 16 hex digits of the file's SHA-256, read in chunks (archives run to gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def market_dates(path: Path) -> set[date]:
    """The market dates (UTC day of each scheduled off) a file or archive covers; a file the reader cannot even peek
    into covers none here, and its error surfaces when a load reads it."""
    try:
        return {market_date for _source, _market, market_date in peek_markets(path)}
    except ExchangeFileError:
        return set()


def files_covering(folder: Path, dates: Iterable[date]) -> list[Path]:
    """The landed files holding at least one market on one of ``dates``, each content once: a file landed again
    under another name would otherwise load its markets twice (and the gate quarantine the second copy)."""
    wanted, seen, chosen = set(dates), set(), []
    for path in landed_files(folder):
        if market_dates(path) & wanted:
            digest = content_digest(path)
            if digest not in seen:
                seen.add(digest)
                chosen.append(path)
    return chosen


def files_in_window(paths: Iterable[Path], start: date | None = None,
                    end: date | None = None) -> tuple[list[Path], date | None, date | None]:
    """The files (or folders) with a market dated in [start, end], each file's content once, and that window; an open
    end defaults to the earliest / latest market date they cover. Each path is peeked once (the replay backtests'
    asset and CLI both pick their files here)."""
    dated = {path: market_dates(path) for path in paths}
    days = sorted(d for covered in dated.values() for d in covered)
    first, last = start or (days[0] if days else None), end or (days[-1] if days else None)
    seen, chosen = set(), []
    for path, covered in dated.items():
        if first and last and any(first <= d <= last for d in covered):
            key = content_digest(path) if path.is_file() else str(path)
            if key not in seen:
                seen.add(key)
                chosen.append(path)
    return chosen, first, last
