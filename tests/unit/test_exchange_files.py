"""Real delivery shapes: a .tar of .bz2 markets, .gz, folders with catalogues, and bad files that fail alone.

A truncated or corrupt file must fail that file with an ExchangeFileError naming it and the line, while the other
files still yield their records.
"""
from __future__ import annotations

import bz2
import gzip
import io
import tarfile

import pytest

from ingestion.exchange.errors import ExchangeFileError
from ingestion.exchange.files import iter_stream_sources
from ingestion.exchange.reader import read_markets
from tests.conftest import shared_path
from tests.exchange_streams import definition, mcm, write


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def test_tar_of_bz2_markets_in_nested_folders_loads_every_market(tmp_path):
    folder = shared_path("betfair-historical")
    win = (folder / "1.197931750").read_bytes()
    synthetic = win.replace(b'"1.197931750"', b'"1.900000001"')
    with tarfile.open(tmp_path / "2022-04.tar", "w") as archive:
        _add(archive, "PRO/2022/Apr/19/31389771/1.197931750.bz2", bz2.compress(win))
        _add(archive, "PRO/2022/Apr/19/31389771/1.197931750.catalogue.json",
             (folder / "1.197931750.catalogue.json").read_bytes())
        _add(archive, "PRO/2022/Apr/19/31389771/1.197931751.bz2", (folder / "1.197931751.bz2").read_bytes())
        _add(archive, "PRO/2022/Apr/19/31389771/._1.197931751.bz2", b"\x00\x05AppleDouble")
        _add(archive, "PRO/2022/Apr/19/99/1.900000001.bz2", bz2.compress(synthetic))
        _add(archive, "PRO/2022/Apr/19/99/1.900000002.gz",
             gzip.compress(synthetic.replace(b"1.900000001", b"1.900000002")))
        _add(archive, "PRO/2022/Apr/19/99/1.900000003", synthetic.replace(b"1.900000001", b"1.900000003"))
        _add(archive, "__MACOSX/PRO/1.900000004", b"not a market")
    records = list(read_markets([tmp_path / "2022-04.tar"]))
    assert [r.market_id for r in records] == ["1.197931750", "1.197931751", "1.900000001", "1.900000002",
                                              "1.900000003"]
    catalogues = [source.catalogue() for source in iter_stream_sources(tmp_path / "2022-04.tar")]  # while open
    assert catalogues[0]["marketId"] == "1.197931750" and catalogues[2] is None
    assert records[0].market["source_file"] == f"{tmp_path}/2022-04.tar:PRO/2022/Apr/19/31389771/1.197931750.bz2"
    assert records[2].market["updates"] == records[0].market["updates"] == 166
    assert [r["status"] for r in records[2].runners] == [r["status"] for r in records[0].runners]


def test_gz_and_plain_files_in_a_folder_with_hidden_files_skipped(tmp_path):
    lines = [mcm(-100, [{"id": 11, "atb": [[2.0, 5]]}], definition()), mcm(-50, [{"id": 11, "ltp": 2.0}])]
    (tmp_path / "a").mkdir()
    write(tmp_path / "a" / "1.500", lines)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "1.501.gz").write_bytes(gzip.compress("".join(l + "\n" for l in lines).replace(
        '"1.500"', '"1.501"').encode()))
    (tmp_path / "b" / ".DS_Store").write_bytes(b"\x00\x01")
    assert [s.name.rsplit("/", 1)[1] for s in iter_stream_sources(tmp_path)] == ["1.500", "1.501.gz"]
    assert [r.market_id for r in read_markets([tmp_path])] == ["1.500", "1.501"]


def test_truncated_file_fails_alone_naming_file_and_line(tmp_path):
    real = shared_path("betfair-historical", "1.197931750").read_bytes()
    lines = real.splitlines(keepends=True)
    cut = b"".join(lines[:56]) + lines[56][: len(lines[56]) // 2]  # stops mid-line 57
    (tmp_path / "1.1.bad").write_bytes(cut)
    (tmp_path / "1.2.good").write_bytes(real.replace(b'"1.197931750"', b'"1.2"'))
    errors: list[ExchangeFileError] = []
    records = list(read_markets([tmp_path], on_error=errors.append))
    assert [r.market_id for r in records] == ["1.2"]
    [error] = errors
    assert (error.source, error.line) == (str(tmp_path / "1.1.bad"), 57)
    assert str(error).startswith(f"{tmp_path / '1.1.bad'} line 57: truncated JSON (")
    assert "\n" not in str(error)
    with pytest.raises(ExchangeFileError, match="1.1.bad line 57"):
        list(read_markets([tmp_path]))


def test_garbage_non_utf8_line_fails_that_file(tmp_path):
    good = [mcm(-100, [{"id": 11, "atb": [[2.0, 5]]}], definition()), mcm(-50, [{"id": 11, "ltp": 2.0}])]
    write(tmp_path / "1.500", good)
    bad = tmp_path / "1.600"
    bad.write_bytes(("\n".join(good[:1]) + "\n").encode() + b"\xff\xfe\x00garbage\n" + good[1].encode() + b"\n")
    errors = []
    records = list(read_markets([tmp_path / "1.500", bad], on_error=errors.append))
    assert [r.market_id for r in records] == ["1.500"]
    assert [(e.source, e.line) for e in errors] == [(str(bad), 2)]
    assert "invalid JSON" in errors[0].reason


def test_corrupt_bz2_stream_names_the_source_and_line_reached(tmp_path):
    """100 kB bzip2 blocks: the first blocks decode (their lines are read), the cut one fails mid-file."""
    data = bz2.compress(shared_path("betfair-historical", "1.197931750").read_bytes(), compresslevel=1)
    (tmp_path / "1.197931750.bz2").write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(ExchangeFileError) as caught:
        list(read_markets([tmp_path / "1.197931750.bz2"]))
    assert caught.value.source == str(tmp_path / "1.197931750.bz2")
    assert 1 < caught.value.line < 166
    assert caught.value.reason.startswith("unreadable data (EOFError: Compressed file ended")


def test_missing_path_and_unparseable_message_shape(tmp_path):
    errors = []
    write(tmp_path / "1.700", [mcm(-10, [{"atb": [[2.0, 5]]}], definition())])  # rc without runner id
    assert list(read_markets([tmp_path / "nope", tmp_path / "1.700"], on_error=errors.append)) == []
    assert [(e.source, e.line) for e in errors] == [(str(tmp_path / "nope"), None), (str(tmp_path / "1.700"), 1)]
    assert "unexpected message shape" in errors[1].reason


def test_bad_member_of_a_tar_fails_alone(tmp_path):
    good = [mcm(-100, [{"id": 11, "atb": [[2.0, 5]]}], definition()), mcm(-50, [{"id": 11, "ltp": 2.0}])]
    text = "".join(line + "\n" for line in good)
    with tarfile.open(tmp_path / "day.tar", "w") as archive:
        _add(archive, "a/1.500.bz2", bz2.compress(text.encode())[:-20])  # cut before the end-of-stream marker
        _add(archive, "a/1.501", text.replace('"1.500"', '"1.501"').encode())
    errors = []
    assert [r.market_id for r in read_markets([tmp_path / "day.tar"], on_error=errors.append)] == ["1.501"]
    assert [(e.source, e.line) for e in errors] == [(f"{tmp_path}/day.tar:a/1.500.bz2", 1)]
