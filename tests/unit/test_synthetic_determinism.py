"""The synthetic source is a pure function of (seed, date, track): reruns, splits and other windows agree exactly.

This is what lets the loader re-run any partition and get identical rows, and a backfill be cut into any ranges.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingestion.schema import RawBatch
from ingestion.sources.synthetic import SyntheticSource

SPRING = (date(2024, 3, 1), date(2024, 6, 30))


def checksum(batch: RawBatch) -> tuple[int, ...]:
    return tuple(int(pd.util.hash_pandas_object(f, index=False).sum()) for f in batch.frames().values())


def concat(*batches: RawBatch) -> RawBatch:
    return RawBatch(*(pd.concat([getattr(b, t) for b in batches], ignore_index=True)
                      for t in ("races", "runners", "dividends")))


def where(batch: RawBatch, keep) -> RawBatch:
    return RawBatch(*(f[keep(f)].reset_index(drop=True) for f in batch.frames().values()))


def assert_same(a: RawBatch, b: RawBatch) -> None:
    for name, left in a.frames().items():
        pd.testing.assert_frame_equal(left.reset_index(drop=True), b.frames()[name].reset_index(drop=True))


@pytest.fixture(scope="module")
def spring() -> RawBatch:
    return SyntheticSource().read(*SPRING)


def test_same_seed_gives_identical_frames(spring):
    again = SyntheticSource(seed=7).read(*SPRING)
    assert checksum(again) == checksum(spring)
    assert len(spring.races) > 1000


def test_another_seed_gives_other_data(spring):
    other = SyntheticSource(seed=8).read(*SPRING)
    assert checksum(other) != checksum(spring)
    assert not other.runners.horse_id.head(50).equals(spring.runners.horse_id.head(50))


def test_two_ranges_equal_the_whole_range(spring):
    first = SyntheticSource().read(date(2024, 3, 1), date(2024, 4, 15))
    second = SyntheticSource().read(date(2024, 4, 16), date(2024, 6, 30))
    assert_same(concat(first, second), spring)


def test_a_single_day_equals_its_slice_of_a_long_read(spring):
    day = date(2024, 5, 4)
    assert_same(SyntheticSource().read(day, day), where(spring, lambda f: f.race_date == day))


def test_the_configured_window_does_not_change_a_day(spring):
    """Another start/end loads other foal crops; the days both cover must not move."""
    window = (date(2024, 4, 1), date(2024, 5, 31))
    narrow = SyntheticSource(start=window[0], end=window[1]).read(date(2020, 1, 1), date(2030, 1, 1))
    wide = SyntheticSource(start=date(2019, 1, 1), end=date(2031, 12, 31)).read(*window)
    expected = where(spring, lambda f: f.race_date.between(*window))
    assert_same(narrow, expected)
    assert_same(wide, expected)


def test_a_track_is_the_same_alone_or_with_others(spring):
    alone = SyntheticSource(tracks=("BEL",)).read(*SPRING)
    assert_same(alone, where(spring, lambda f: f.race_id.str.startswith("BEL-")))


def test_available_dates_are_exactly_the_race_dates():
    source = SyntheticSource(start=date(2024, 1, 1), end=date(2024, 2, 29))
    batch = source.read(date(2023, 1, 1), date(2025, 1, 1))  # clipped to the configured window
    assert source.available_dates() == sorted(set(batch.races.race_date))
    assert source.available_dates()[0] == date(2024, 1, 3)  # 2024-01-01 is a Monday; Wednesday is CD's first day
    assert source.read(date(2024, 3, 1), date(2024, 3, 31)).races.empty
    assert source.read(date(2024, 2, 10), date(2024, 2, 1)).races.empty


def test_settling_fewer_pools_leaves_everything_else_identical():
    """``pools`` (what the backtest frames settle: no exotics) only drops the other pools' dividend rows."""
    start, end = date(2024, 3, 1), date(2024, 3, 31)
    every = SyntheticSource(seed=7, start=start, end=end).read(start, end)
    some = SyntheticSource(seed=7, start=start, end=end, pools=("win", "place", "show")).read(start, end)
    assert set(every.dividends["pool"]) == {"win", "place", "show", "exacta", "trifecta", "superfecta"}
    assert checksum(some) == checksum(where(every, lambda f: ~f["pool"].isin(["exacta", "trifecta", "superfecta"])
                                            if "pool" in f else f.index == f.index))
