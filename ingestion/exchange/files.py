"""Where stream lines come from: a plain, ``.bz2`` or ``.gz`` file, a ``.tar`` of such files, or a folder of any of these.

Betfair sells history as single files and as tar archives of thousands of bzip2-compressed markets; a PRO month is
tens of GB, so every source is streamed line by line with constant memory (never read whole), and a corrupt
compressed stream surfaces as ``ExchangeFileError`` naming the source and the line reached, not as a bare OSError.
Market catalogues (runner names) travel beside the market file as ``<market file>.catalogue.json``.
"""
from __future__ import annotations

import bz2
import gzip
import tarfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import orjson

from ingestion.exchange.errors import ExchangeFileError

CATALOGUE_SUFFIX = ".catalogue.json"
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2")
_READ_ERRORS = (OSError, EOFError, zlib.error, tarfile.TarError)


def _strip_compression(name: str) -> str:
    for suffix in (".bz2", ".gz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _decompressing(raw: IO[bytes], name: str) -> IO[bytes]:
    if name.endswith(".bz2"):
        return bz2.BZ2File(raw)
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)
    return raw


def _skipped(name: str) -> bool:
    """Catalogues are read as sidecars; hidden files and folders (.DS_Store, ._ AppleDouble, __MACOSX) are never
    markets."""
    parts = name.split("/")
    return (parts[-1].endswith(CATALOGUE_SUFFIX) or not parts[-1]
            or any(part.startswith(".") or part == "__MACOSX" for part in parts))


class StreamSource:
    """One market stream file: ``name`` for messages and ``source_file``, ``lines()`` streamed, ``catalogue()``."""

    def __init__(self, name: str, opener: Callable[[], IO[bytes]],
                 catalogue_opener: Callable[[], IO[bytes] | None] | None = None):
        self.name = name
        self._open = opener
        self._open_catalogue = catalogue_opener

    def lines(self) -> Iterator[bytes]:
        """The file's lines as bytes (decompressed); a read/decompression failure names the line reached."""
        reached = 0
        try:
            with self._open() as handle:
                for line in handle:
                    reached += 1
                    yield line
        except _READ_ERRORS as exc:
            raise ExchangeFileError(self.name, reached + 1, f"unreadable data ({type(exc).__name__}: {exc})") from exc

    def catalogue(self) -> dict | list | None:
        """The parsed sidecar catalogue (Betfair's listMarketCatalogue shape), or None when there is none."""
        if self._open_catalogue is None:
            return None
        handle = self._open_catalogue()
        if handle is None:
            return None
        with handle:
            data = handle.read()  # a catalogue is a few KB: one market's runners and rules
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ExchangeFileError(f"{self.name} catalogue", None, f"invalid catalogue JSON ({exc})") from exc

    def __repr__(self) -> str:
        return f"StreamSource({self.name!r})"


def _file_source(path: Path) -> StreamSource:
    sidecar = path.with_name(_strip_compression(path.name) + CATALOGUE_SUFFIX)
    return StreamSource(str(path), lambda: _decompressing(open(path, "rb"), path.name),
                        lambda: open(sidecar, "rb") if sidecar.is_file() else None)


def _tar_sources(path: Path) -> Iterator[StreamSource]:
    """Members in the archive's own order (nested folders included; Betfair's tars are ordered by date and event):
    reading forward only keeps a compressed tar from being decompressed again for every member. A member's source
    is readable while the iteration stands on it (the archive closes when the iteration ends)."""
    try:
        archive = tarfile.open(path, "r:*")
        members = [m for m in archive.getmembers() if m.isfile()]
    except _READ_ERRORS as exc:
        raise ExchangeFileError(str(path), None, f"unreadable archive ({type(exc).__name__}: {exc})") from exc
    by_name = {m.name: m for m in members}
    with archive:
        for member in members:
            if _skipped(member.name):
                continue
            sidecar = by_name.get(_strip_compression(member.name) + CATALOGUE_SUFFIX)
            yield StreamSource(
                f"{path}:{member.name}",
                lambda m=member: _decompressing(archive.extractfile(m), m.name),
                lambda s=sidecar: archive.extractfile(s) if s is not None else None)


def is_archive(path: Path) -> bool:
    return path.name.endswith(_TAR_SUFFIXES)


def iter_stream_sources(path: Path | str) -> Iterator[StreamSource]:
    """Expand a file, archive or folder (recursive, sorted) into market stream sources, lazily."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if not _skipped(child.relative_to(path).as_posix()):
                yield from iter_stream_sources(child)
    elif is_archive(path):
        yield from _tar_sources(path)
    elif path.is_file():
        yield _file_source(path)
    else:
        raise ExchangeFileError(str(path), None, "no such file or folder")
