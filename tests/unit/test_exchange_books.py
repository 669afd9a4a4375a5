"""Book replay and the snapshot schedule on tiny handcrafted streams whose books are known by heart.

Covers a size-0 level deletion (full ladders and best-N ladders), an ``img`` resetting the market's books, cumulative
traded volume, a suspended market, a runner removed mid-stream, the in-play summary and the exact scheduled
instants (book as of the last message at or before each one, nothing before the first message).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from backtests.betting.exchange_book import MarketBook
from ingestion.exchange.reader import read_markets
from ingestion.exchange.snapshots import DEFAULT_SCHEDULE, SnapshotSchedule
from tests.exchange_streams import OFF, definition, mcm, write

D = Decimal


def test_size_zero_deletes_levels_and_img_resets_the_market():
    book = MarketBook()
    book.apply({"id": "1.5", "img": True, "rc": [{"id": 11, "atb": [[2.0, 10], [1.9, 20], [1.8, 30], [1.7, 40]],
                                                   "atl": [[2.1, 5], [2.2, 6]], "trd": [[2.0, 3]], "ltp": 2.0}]})
    book.apply({"id": "1.5", "rc": [{"id": 11, "atb": [[2.0, 0], [1.85, 7]], "atl": [[2.1, 0]],
                                     "trd": [[2.0, 8], [1.9, 2]]}]})
    runner = book.runners[11]
    assert runner.best_back() == [(1.9, 20), (1.85, 7), (1.8, 30)]
    assert runner.best_lay() == [(2.2, 6)]
    assert runner.traded_volume() == 10  # no tv in the stream: trd is cumulative per price, replaced not added
    book.apply({"id": "1.5", "img": True, "rc": [{"id": 22, "atb": [[5.0, 1]]}]})
    assert list(book.runners) == [22] and book.runners[22].best_back() == [(5.0, 1)]


def test_best_n_ladders_by_level_with_deletion():
    book = MarketBook()
    book.apply({"id": "1.5", "rc": [{"id": 11, "batb": [[0, 3.0, 10], [1, 2.9, 5], [2, 2.8, 1], [3, 2.7, 9]],
                                     "batl": [[1, 3.2, 4], [0, 3.1, 2]]}]})
    book.apply({"id": "1.5", "rc": [{"id": 11, "batb": [[1, 2.9, 0]], "batl": [[0, 3.05, 8]]}]})
    runner = book.runners[11]
    assert runner.best_back() == [(3.0, 10), (2.8, 1), (2.7, 9)]
    assert runner.best_lay() == [(3.05, 8), (3.2, 4)]


def _rows(record, kind, offset=None):
    return {(p["selection_id"], p["offset_seconds"]): p for p in record.prices
            if p["snapshot_kind"] == kind and (offset is None or p["offset_seconds"] == offset)}


def test_schedule_takes_the_book_as_of_each_instant(tmp_path):
    lines = [
        mcm(-150, [{"id": 11, "atb": [[2.0, 10]], "atl": [[2.2, 4]], "ltp": 2.1, "tv": 50},
                   {"id": 22, "atb": [[4.0, 3]]}], definition(), img=True),
        mcm(-60, [{"id": 11, "atb": [[2.1, 6]], "ltp": 2.2, "tv": 60}]),  # exactly at -60: included there
        mcm(-40, None, definition(removed=(22,))),
        mcm(-35, [{"id": 11, "atb": [[2.1, 0]], "spn": 2.05, "spf": 2.3}]),
        mcm(5, [{"id": 11, "ltp": 1.5}], definition(in_play=True)),
        mcm(10, [{"id": 11, "ltp": 3.0}, {"id": 33, "ltp": 9.0}]),
        mcm(20, [{"id": 11, "ltp": 1.01}], definition("CLOSED", True, removed=(22,), r11={"status": "WINNER"})),
    ]
    schedule = SnapshotSchedule(offsets=(0, -200, -120, -60, -30))
    [record] = read_markets([write(tmp_path / "1.500", lines)], schedule=schedule)
    scheduled = _rows(record, "scheduled")
    assert sorted({o for _, o in scheduled}) == [-120, -60, -30, 0]  # -200 precedes the first message
    assert {p["snapshot_at"] - OFF for p in scheduled.values()} == {timedelta(seconds=s) for s in (-120, -60, -30, 0)}
    at = scheduled[(11, -120)]
    assert (at["back_1_price"], at["back_1_size"], at["lay_1_price"], at["last_traded_price"], at["traded_volume"]) \
        == (D("2.0"), D("10"), D("2.2"), D("2.1"), D("50"))
    assert (scheduled[(11, -60)]["back_1_price"], scheduled[(11, -60)]["back_2_price"]) == (D("2.1"), D("2.0"))
    assert scheduled[(11, -60)]["traded_volume"] == D("60")
    assert scheduled[(22, -60)]["back_1_price"] == D("4.0")
    assert (22, -30) not in scheduled and (22, 0) not in scheduled  # removed at -40
    assert scheduled[(33, -30)]["back_1_price"] is None  # known runner with an empty book: a row of nulls
    minus30 = scheduled[(11, -30)]
    assert (minus30["back_1_price"], minus30["back_2_price"], minus30["spn"], minus30["spf"]) == \
        (D("2.0"), None, D("2.05"), D("2.3"))
    assert scheduled[(11, 0)]["back_1_price"] == D("2.0") and scheduled[(11, 0)]["in_play"] is False
    [pre] = [p for p in _rows(record, "last_pre_off").values() if p["selection_id"] == 11]
    assert (pre["offset_seconds"], pre["last_traded_price"], pre["market_status"]) == (-35, D("2.2"), "OPEN")
    in_play = _rows(record, "in_play")
    assert (in_play[(11, 20)]["in_play_min_price"], in_play[(11, 20)]["in_play_max_price"]) == (D("1.01"), D("3.0"))
    assert (in_play[(33, 20)]["in_play_min_price"], in_play[(33, 20)]["last_traded_price"]) == (D("9.0"), D("9.0"))
    runners = {r["selection_id"]: r for r in record.runners}
    assert (runners[11]["last_traded_price"], runners[11]["last_traded_price_final"]) == (D("2.2"), D("1.01"))
    assert runners[33]["last_traded_price"] is None and runners[11]["status"] == "WINNER"
    market = record.market
    assert (market["went_in_play_at"] - OFF, market["closed_at"] - OFF) == (timedelta(seconds=5), timedelta(seconds=20))
    assert (market["updates"], market["winner_count"], market["active_runner_count"]) == (7, 1, 2)


def test_suspended_market_keeps_the_last_open_book(tmp_path):
    lines = [
        '{"op":"connection","connectionId":"002-1"}', '{"op":"status","statusCode":"SUCCESS"}',
        mcm(-100, [{"id": 11, "atb": [[2.0, 10]], "ltp": 2.0}], definition()),
        '{"op":"mcm","id":2,"clk":"AAA","pt":1714572000000,"ct":"HEARTBEAT"}',
        mcm(-80, [{"id": 11, "atb": [[2.5, 1]], "ltp": 2.5}]),
        mcm(-70, None, definition("SUSPENDED")),
        mcm(-65, [{"id": 11, "atb": [[2.5, 0]]}]),
        mcm(-50, None, definition()),
        mcm(-20, [{"id": 11, "atb": [[2.2, 3]], "ltp": 2.2}]),
        mcm(30, None, definition("SUSPENDED")),
        mcm(60, None, definition("CLOSED", r11={"status": "LOSER"}, r22={"status": "WINNER"})),
    ]
    [record] = read_markets([write(tmp_path / "1.500", lines)], schedule=SnapshotSchedule((-60, 0)))
    scheduled = _rows(record, "scheduled")
    assert (scheduled[(11, -60)]["market_status"], scheduled[(11, -60)]["back_1_price"]) == ("SUSPENDED", D("2.0"))
    assert (scheduled[(11, 0)]["market_status"], scheduled[(11, 0)]["back_1_price"]) == ("OPEN", D("2.2"))
    [pre] = [p for p in _rows(record, "last_pre_off").values() if p["selection_id"] == 11]
    assert (pre["offset_seconds"], pre["back_1_price"], pre["back_1_size"]) == (-20, D("2.2"), D("3"))
    assert not _rows(record, "in_play") and record.market["went_in_play_at"] is None
    assert (record.market["status"], record.market["updates"]) == ("CLOSED", 8)  # not the heartbeat nor status
    assert {r["selection_id"]: r["last_traded_price"] for r in record.runners} == {11: D("2.2"), 22: None, 33: None}


def test_default_schedule_every_minute_then_every_ten_seconds():
    offsets = DEFAULT_SCHEDULE.offsets
    assert offsets[:3] == (-3600, -3540, -3480) and offsets[-3:] == (-20, -10, 0)
    assert -300 in offsets and -290 in offsets and -295 not in offsets and -310 not in offsets
    assert len(offsets) == 56 + 30
