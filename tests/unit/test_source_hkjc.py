"""HKJC results loader: exact mapping on a hand-written meeting, pool conventions, failure modes, real-copy counts.

Fixture (tests/fixtures/sources/hkjc): ``2019-01-01-ST.json`` has a turf race with a dead heat for win, text margins,
a pulled-up and a withdrawn runner and all eight HK pools; an all-weather race with a forecast. A second file with
a non-standard name (``happy-valley-extra.json``) holds a 2019-01-02 race without class or distance.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ingestion.errors import SourceNotFoundError, SourceSchemaError
from ingestion.schema import DIVIDENDS, RACES, RUNNERS
from ingestion.sources.hkjc import HKJCResultsSource
from ingestion.sources.hkjc import source as hkjc_module
from ingestion.sources.hkjc.source import margin_of, placing_of

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sources" / "hkjc"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ALL = (date(2000, 1, 1), date(2030, 1, 1))


@pytest.fixture(scope="module")
def batch():
    return HKJCResultsSource(FIXTURE).read(*ALL)


def runner(batch, race_id: str, number: int) -> pd.Series:
    rows = batch.runners[(batch.runners.race_id == race_id) & (batch.runners.horse_number == number)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_follow_the_schema(batch):
    assert list(batch.races.columns) == [*RACES, "_original"]
    assert list(batch.runners.columns) == [*RUNNERS, "_original"]
    assert list(batch.dividends.columns) == list(DIVIDENDS)


def test_races(batch):
    assert list(batch.races.race_id) == ["ST-20190101-01", "ST-20190101-02", "HV-20190102-01"]
    turf, awt, hv = (batch.races.iloc[i] for i in range(3))
    assert (turf.distance, turf.distance_unit, turf.surface, turf.going, turf.race_class) == (
        1200, "m", "turf", "good to firm", "4")
    assert (awt.surface, awt.going) == ("synthetic", "wet slow")
    assert pd.isna(hv.distance) and hv.race_class is None  # published without class/distance: not guessed
    assert turf.source_ref == "2019-01-01-ST.json raceId=2019-01-01-ST-1"
    assert turf._original["course"] == 'TURF - "A" Course' and "runners" not in turf._original


def test_runners(batch):
    r = runner(batch, "ST-20190101-01", 9)
    assert (r.horse_id, r.horse_name, r.post_position) == ("HK_2017_B003", "CHARLIE", 1)
    assert (r.jockey_id, r.jockey_name, r.trainer_id) == ("j-moreira", "J Moreira", "j-size")
    assert (r.weight_lbs, r.horse_weight_lbs, r.finish_time_s) == (118, 998, 69.7)
    assert (r.finish_position, r.status, r.margin_lengths) == (3, "finished", 1.25)
    assert r.final_odds == Decimal("12") and isinstance(r.final_odds, Decimal)
    assert runner(batch, "ST-20190101-01", 2).trainer_id == "p-o-sullivan"
    assert runner(batch, "ST-20190101-02", 3).final_odds == Decimal("1")


def test_dead_heat_winners_share_first_with_zero_margin(batch):
    a, b = runner(batch, "ST-20190101-01", 5), runner(batch, "ST-20190101-01", 2)
    assert (a.finish_position, b.finish_position, a.margin_lengths, b.margin_lengths) == (1, 1, 0.0, 0.0)


def test_non_finishers(batch):
    pulled_up, withdrawn = runner(batch, "ST-20190101-01", 7), runner(batch, "ST-20190101-01", 11)
    assert pd.isna(pulled_up.finish_position) and pulled_up.status == "dnf"
    assert pd.isna(withdrawn.finish_position) and withdrawn.status == "scratched" and withdrawn.final_odds is None
    assert pulled_up._original["placing"] == "PU"


def test_dividends_pools_and_combination_order(batch):
    d = batch.dividends[batch.dividends.race_id == "ST-20190101-01"]
    assert list(zip(d.pool, d.combination, d.dividend)) == [
        ("win", "5", Decimal("22.5")), ("win", "2", Decimal("45")),
        ("place", "5", Decimal("12")), ("place", "2", Decimal("18.5")), ("place", "9", Decimal("30")),
        ("quinella", "2-5", Decimal("190")),
        ("quinella_place", "2-5", Decimal("60")), ("quinella_place", "5-9", Decimal("95.5")),
        ("quinella_place", "2-9", Decimal("140")),
        ("tierce", "5-2-9", Decimal("800")), ("tierce", "2-5-9", Decimal("810")),  # ordered: kept
        ("trio", "2-5-9", Decimal("420")), ("first4", "1-2-5-9", Decimal("2100")),  # unordered: sorted
        ("quartet", "5-2-9-1", Decimal("15000.5")),
    ]
    assert set(batch.dividends.stake_unit) == {10} and set(batch.dividends.currency) == {"HKD"}
    forecast = batch.dividends[batch.dividends.pool == "forecast"]
    assert list(forecast.combination) == ["3-1"]


@pytest.mark.parametrize("text, lengths", [
    (0, 0.0), (2.5, 2.5), ("3/4", 0.75), ("1-1/4", 1.25), ("SH", 0.1), ("N", 0.3), ("HD", 0.2), ("NOSE", 0.05),
    ("12", 12.0), ("---", None), (None, None),
])
def test_margin_text(text, lengths):
    assert margin_of(text) == lengths


@pytest.mark.parametrize("placing, expected", [
    (3, (3, "finished")), ("3", (3, "finished")), ("1 DH", (1, "finished")), ("WV-A", (None, "scratched")),
    ("DISQ", (None, "disqualified")), ("PU", (None, "dnf")), (None, (None, "dnf")), (0, (None, "dnf")),
])
def test_placing_text(placing, expected):
    assert placing_of(placing) == expected


def test_dates_come_from_file_names_and_files_parse_once(monkeypatch):
    parsed = []
    real = hkjc_module.parse_meeting
    monkeypatch.setattr(hkjc_module, "parse_meeting", lambda p: parsed.append(p.name) or real(p))
    source = HKJCResultsSource(FIXTURE)
    assert source.available_dates() == [date(2019, 1, 1), date(2019, 1, 2)]
    assert parsed == ["happy-valley-extra.json"]  # only the file whose name carries no date was opened
    assert list(source.read(date(2019, 1, 1), date(2019, 1, 1)).races.race_id) == ["ST-20190101-01", "ST-20190101-02"]
    source.read(*ALL)
    assert sorted(parsed) == ["2019-01-01-ST.json", "happy-valley-extra.json"]
    assert source.read(date(2019, 1, 3), date(2019, 1, 9)).races.empty


def test_missing_keys_raise_naming_file_and_keys(tmp_path):
    race = json.loads((FIXTURE / "2019-01-01-ST.json").read_text())[0]
    del race["runners"], race["raceNo"]
    (tmp_path / "2019-01-01-ST.json").write_text(json.dumps([race]))
    with pytest.raises(SourceSchemaError) as err:
        HKJCResultsSource(tmp_path).read(*ALL)
    assert "2019-01-01-ST.json" in err.value.file and err.value.missing == ["raceNo", "runners"]


def test_missing_directory_raises_source_not_found(tmp_path):
    source = HKJCResultsSource(tmp_path / "nope")
    with pytest.raises(SourceNotFoundError, match="hkjc"):
        source.available_dates()
    with pytest.raises(SourceNotFoundError):
        source.read(*ALL)


# ---------- the real copy in ../shared (CI has it; a user's clone does not)

@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "hkjc-results").exists(),
                    reason="needs ../shared/data/hkjc-results (present in CI, absent from a user's clone)")
def test_real_copy_counts():
    source = HKJCResultsSource(SHARED / "hkjc-results")
    batch = source.read(*ALL)
    assert source.meetings() == 260 and len(source.available_dates()) == 260
    assert len(batch.races) == 2399 and len(batch.runners) == 29141
    assert batch.races.race_id.is_unique
    assert not batch.runners.duplicated(["race_id", "horse_number"]).any()
    assert batch.races.surface.value_counts().to_dict() == {"turf": 2088, "synthetic": 311}
    assert set(batch.dividends.pool) == {"win", "place", "quinella", "quinella_place", "tierce", "trio", "first4",
                                         "quartet"}
    assert (batch.dividends.pool == "win").sum() == 2406  # 7 dead heats for win
    assert batch.races.race_date.min() == date(2017, 1, 1) and batch.races.race_date.max() == date(2019, 12, 29)
