"""Kaggle HK loader: exact mapping on a hand-written fixture, failure modes, and the real copy's counts.

The fixture (tests/fixtures/sources/kaggle_hk) has four races: a normal one with a 999 margin sentinel, a dead heat
with four place dividends and a bad runner row, an all-weather race with a blank prize, and one with an impossible
date; plus a run whose race does not exist.
"""
from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ingestion.errors import SourceNotFoundError, SourceSchemaError
from ingestion.schema import DIVIDENDS, RACES, RUNNERS
from ingestion.sources.kaggle_hk import KaggleHKSource
from ingestion.sources.kaggle_hk import source as kaggle_module

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sources" / "kaggle_hk"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ALL = (date(2000, 1, 1), date(2030, 1, 1))


@pytest.fixture(scope="module")
def batch():
    return KaggleHKSource(FIXTURE).read(*ALL)


def runner(batch, race_id: str, number: int) -> pd.Series:
    rows = batch.runners[(batch.runners.race_id == race_id) & (batch.runners.horse_number == number)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_follow_the_schema(batch):
    assert list(batch.races.columns) == [*RACES, "_original"]
    assert list(batch.runners.columns) == [*RUNNERS, "_original"]
    assert list(batch.dividends.columns) == list(DIVIDENDS)


def test_calendar_is_restored_and_the_csv_date_kept(batch):
    races = batch.races.set_index("race_id")
    assert list(races.index) == ["ST-20080915-01", "HV-20080917-02", "ST-20080921-01"]
    assert races.loc["ST-20080915-01", "race_date"] == date(2008, 9, 15)
    assert races.loc["ST-20080915-01", "source_ref"] == "kaggle race_id=0 csv_date=1997-06-02"
    assert KaggleHKSource(FIXTURE).available_dates() == [date(2008, 9, 15), date(2008, 9, 17), date(2008, 9, 21)]


def test_race_fields(batch):
    first, dirt = batch.races.iloc[0], batch.races.iloc[2]
    assert (first.track_code, first.race_number, first.distance, first.distance_unit) == ("ST", 1, 1400, "m")
    assert (first.surface, first.going, first.race_class) == ("turf", "good to firm", "5")
    assert first.purse == Decimal("485000.0") and isinstance(first.purse, Decimal) and first.currency == "HKD"
    assert (dirt.surface, dirt.going, dirt.purse) == ("synthetic", "fast", None)


def test_runner_fields(batch):
    r = runner(batch, "ST-20080915-01", 1)
    assert (r.horse_id, r.jockey_id, r.trainer_id, r.horse_age) == ("HK-K3917", "HK-KJ2", "HK-KT118", 3)
    assert (r.post_position, r.weight_lbs, r.horse_weight_lbs) == (7, 133, 1020.0)
    assert r.final_odds == Decimal("9.7") and isinstance(r.final_odds, Decimal)
    assert (r.finish_position, r.status, r.margin_lengths, r.finish_time_s) == (2, "finished", 0.5, 83.92)
    assert r.horse_name is None and r.morning_line is None


def test_999_margin_is_a_sentinel_not_a_distance(batch):
    r = runner(batch, "ST-20080915-01", 11)
    assert (r.finish_position, r.status) == (3, "finished")
    assert pd.isna(r.margin_lengths)


def test_dead_heat_keeps_equal_positions_and_both_win_dividends(batch):
    assert runner(batch, "HV-20080917-02", 3).finish_position == runner(batch, "HV-20080917-02", 5).finish_position == 1
    d = batch.dividends[batch.dividends.race_id == "HV-20080917-02"]
    assert list(zip(d.pool, d.combination, d.dividend)) == [
        ("win", "3", Decimal("45.5")), ("win", "5", Decimal("30.0")),
        ("place", "3", Decimal("15.5")), ("place", "5", Decimal("12.0")),
        ("place", "1", Decimal("20.0")), ("place", "2", Decimal("10.1")),
    ]
    assert set(d.stake_unit) == {10} and set(d.currency) == {"HKD"}


def test_bad_row_survives_with_its_original_fields(batch):
    r = runner(batch, "HV-20080917-02", 7)
    assert r.final_odds == "abc"  # kept as text: the gate quarantines it with the value as written
    assert r.post_position == -3  # kept for the gate to judge
    assert pd.isna(r.finish_position) and r.status == "dnf"  # result 0
    assert pd.isna(r.finish_time_s)
    assert r._original["win_odds"] == "abc" and r._original["draw"] == "-3" and r._original["result"] == "0"
    assert batch.races.iloc[0]._original["date"] == "1997-06-02"


def test_undated_and_orphan_rows_are_never_returned(batch):
    assert KaggleHKSource(FIXTURE).undated_rows == 1
    assert len(batch.races) == 3 and len(batch.runners) == 8
    assert not batch.runners.horse_id.isin(["HK-K700", "HK-K800"]).any()


def test_range_is_inclusive_and_sliced(batch):
    source = KaggleHKSource(FIXTURE)
    one = source.read(date(2008, 9, 17), date(2008, 9, 17))
    assert list(one.races.race_id) == ["HV-20080917-02"]
    assert len(one.runners) == 3 and len(one.dividends) == 6
    assert source.read(date(2008, 9, 18), date(2008, 9, 20)).races.empty


def test_csvs_are_parsed_once_per_instance(monkeypatch):
    calls = []
    real = pd.read_csv
    monkeypatch.setattr(kaggle_module.pd, "read_csv", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    source = KaggleHKSource(FIXTURE)
    source.available_dates()
    source.read(date(2008, 9, 15), date(2008, 9, 15))
    source.read(date(2008, 9, 16), date(2008, 9, 30))
    assert [Path(p).name for p in calls] == ["races.csv", "runs.csv"]


def test_missing_columns_raise_naming_file_and_columns(tmp_path):
    shutil.copy(FIXTURE / "races.csv", tmp_path / "races.csv")
    runs = pd.read_csv(FIXTURE / "runs.csv", dtype=str, keep_default_na=False)
    runs.drop(columns=["win_odds", "draw"]).to_csv(tmp_path / "runs.csv", index=False)
    with pytest.raises(SourceSchemaError) as err:
        KaggleHKSource(tmp_path).read(*ALL)
    assert err.value.file.endswith("runs.csv") and err.value.missing == ["draw", "win_odds"]
    assert "runs.csv: missing required column(s) draw, win_odds" in str(err.value)


def test_missing_directory_raises_source_not_found(tmp_path):
    source = KaggleHKSource(tmp_path / "nope")
    with pytest.raises(SourceNotFoundError, match="kaggle_hk"):
        source.available_dates()
    with pytest.raises(SourceNotFoundError):
        source.read(*ALL)


# ---------- the real copy in ../shared (CI has it; a user's clone does not)

real = pytest.mark.skipif(not (SHARED / "kaggle-hk").exists(),
                          reason="needs ../shared/data/kaggle-hk (present in CI, absent from a user's clone)")


@pytest.fixture(scope="module")
def real_batch():
    return KaggleHKSource(SHARED / "kaggle-hk").read(*ALL)


@real
@pytest.mark.shared
def test_real_copy_loads_every_race_and_run(real_batch):
    assert len(real_batch.races) == 6349 and len(real_batch.runners) == 79447
    assert real_batch.races.race_id.is_unique
    assert real_batch.races.race_date.min() == date(2008, 9, 15)
    assert real_batch.races.race_date.max() == date(2016, 12, 11)
    assert (real_batch.races.surface.value_counts().to_dict()) == {"turf": 5656, "synthetic": 693}
    assert (real_batch.dividends.pool == "win").sum() == 6349 + 12  # 12 dead heats
    assert int(real_batch.runners.margin_lengths.isna().sum()) == 89  # the 999 sentinel


@real
@pytest.mark.shared
def test_real_dividends_are_per_10_dollars(real_batch):
    """A winner's dividend per HK$10 is ~10x its decimal win odds (121.0 for 12.1 in the first race)."""
    winners = real_batch.runners[real_batch.runners.finish_position == 1]
    win = real_batch.dividends[real_batch.dividends.pool == "win"]
    merged = win.merge(winners.assign(combination=winners.horse_number.astype(str)), on=["race_id", "combination"])
    ratio = merged.dividend.astype(float) / merged.final_odds.astype(float)
    assert 9.9 < ratio.median() < 10.3
