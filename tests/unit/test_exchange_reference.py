"""Our books equal betfairlightweight's (the reference parser) on the real files, during the replay and at the end.

At every 5th publish time of each file (and the last) every runner's best 3 back and lay (price, size), last traded
price and traded volume must be identical in both; the reader's own snapshot rows must show the same book.
"""
from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

pytest.importorskip("betfairlightweight", reason="betfairlightweight is a dev extra (the reference parser)")

from ingestion.exchange import reference  # noqa: E402
from ingestion.exchange.files import iter_stream_sources  # noqa: E402
from ingestion.exchange.reader import read_source, replay  # noqa: E402
from tests.conftest import shared_path  # noqa: E402

FILES = ("1.197931750", "1.197931751.bz2", "BASIC-1.132153978")


@pytest.mark.parametrize("name", FILES)
def test_books_identical_to_betfairlightweight_during_replay(tmp_path, name):
    [source] = iter_stream_sources(shared_path("betfair-historical", name))
    plain = reference.plain_copy(source, tmp_path)
    with open(plain, "rb") as handle:
        times = [orjson.loads(line)["pt"] for line in handle]
    wanted = set(times[::5]) | {times[-1]}
    with open(plain, "rb") as handle:
        ours, theirs = reference.books_at(handle, wanted)
    assert set(ours) == wanted
    for pt in sorted(wanted):
        assert reference.differences(ours[pt], theirs[pt]) == [], pt
    # the comparison is not vacuous: the PRO files have full ladders at these instants
    if not name.startswith("BASIC"):
        assert sum(len(book[0]) == 3 and len(book[1]) == 3 for book in ours[times[100]].values()) >= 5


@pytest.mark.parametrize("name", FILES)
def test_final_books_identical_through_betfairlightweights_historical_stream(tmp_path, name):
    [source] = iter_stream_sources(shared_path("betfair-historical", name))
    plain = reference.plain_copy(source, tmp_path)
    [market] = replay(source)
    assert reference.differences(reference.our_books({market.market_id: market.book}),
                                 reference.reference_final_books(plain)) == []


def test_snapshot_rows_show_the_reference_book(tmp_path):
    """The last_pre_off rows (book at 18:27:17.733) equal betfairlightweight's book at that publish time."""
    [source] = iter_stream_sources(shared_path("betfair-historical", "1.197931750"))
    [record] = read_source(source)
    rows = [p for p in record.prices if p["snapshot_kind"] == "last_pre_off"]
    assert len(rows) == 6
    pt = int(rows[0]["snapshot_at"].timestamp() * 1000)
    plain = reference.plain_copy(source, tmp_path)
    with open(plain, "rb") as handle:
        _, theirs = reference.books_at(handle, {pt})
    for row in rows:
        back, lay, ltp, tv = theirs[pt][("1.197931750", row["selection_id"])]
        assert [(row[f"back_{n}_price"], row[f"back_{n}_size"]) for n in (1, 2, 3)] == \
            [(Decimal(repr(p)), Decimal(repr(s))) for p, s in back]
        assert [(row[f"lay_{n}_price"], row[f"lay_{n}_size"]) for n in (1, 2, 3)] == \
            [(Decimal(repr(p)), Decimal(repr(s))) for p, s in lay]
        assert (row["last_traded_price"], row["traded_volume"]) == (Decimal(repr(ltp)), Decimal(repr(tv)))
