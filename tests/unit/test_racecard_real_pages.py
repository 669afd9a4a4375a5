"""The real saved pages in ../shared/data parse to exact, checked values (skipped when ../shared is absent)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.racecards import parse

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RP_URL = "https://www.racingpost.com/racecards/12/chepstow/2024-01-30/858148"
HK_URL = "https://racing.hkjc.com/zh-hk/local/information/localresults?racedate=2026/03/01&Racecourse=ST&RaceNo=1"


def shared(*parts: str) -> str:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{'/'.join(parts)} (present in CI, absent from a user's clone)")
    return path.read_text(encoding="utf-8")


def test_racingpost_chepstow_card():
    card = parse("racingpost", "card", shared("html", "racingpost-racecard-chepstow-2024-01-30-1520.html"), RP_URL)
    (race,) = card.races
    assert (race.track, race.race_date, race.race_number) == ("CHEPSTOW", date(2024, 1, 30), 5)
    assert race.post_time == datetime(2024, 1, 30, 15, 20, tzinfo=timezone.utc) and race.tz == "Europe/London"
    assert race.race_name == "Live Music In Summer 2024 Novices' Limited Handicap Chase (GBB Race)"
    assert (race.distance.furlongs, race.distance.metres) == (Decimal("16.05"), Decimal("3228.7464"))  # 2m11y
    assert (race.going, race.going_scale, race.surface, race.race_type) == ("heavy", 9, "turf", "chase")
    assert (race.race_class, race.purse, race.currency) == ("3", Decimal(11700), "GBP")
    assert [(r.horse_number, r.horse_name, r.jockey, r.trainer, r.weight_lbs, r.rating, r.age) for r in card.runners] == [
        (1, "Authorised Speed", "David Noonan", "Gary Moore", Decimal(164), 134, 7),
        (2, "Issuing Authority", "James Bowen", "Nicky Henderson", Decimal(156), 126, 7),
        (3, "Zambezi Fix", "Robert Williams", "Bernard Llewellyn", Decimal(155), 125, 9),
        (4, "Midnight Ginger", "James Martin", "Andrew J Martin", Decimal(146), 116, 8),
    ]
    assert [r.horse_id for r in card.runners] == ["RP-3565681", "RP-3499172", "RP-2643508", "RP-2932988"]
    assert all(r.price is None and r.post_position is None and not r.scratched for r in card.runners)


def test_hkjc_card_meeting():
    card = parse("hkjc_card", "card", shared("hkjc-racecards", "2026-06-13-ST.json"), "2026-06-13-ST.json")
    assert len(card.races) == 11 and len(card.runners) == 132
    first = card.races[0]
    assert (first.track, first.race_number, first.race_name, first.race_class) == ("ST", 1, "SUNBIRD PLATE", None)
    assert first.post_time == datetime(2026, 6, 13, 8, 0, tzinfo=timezone.utc) and first.tz == "Asia/Hong_Kong"
    assert (first.distance.metres, first.surface, first.going) == (Decimal(1000), "turf", "good to yielding")
    fifth = card.races[4]  # published without distance/surface/going: null, not guessed
    assert (fifth.race_class, fifth.race_type, fifth.distance, fifth.surface, fifth.going) == (
        "4", "handicap", None, None, None)
    r = card.runners[0]
    assert (r.horse_number, r.horse_name, r.horse_id, r.post_position, r.jockey, r.trainer) == (
        1, "CHANCHENG SPARKLE", "HK_2025_L051", 2, "C L Chau", "K W Lui")
    assert (r.weight_lbs, r.horse_weight_lbs, r.rating, r.gear, r.last_runs) == (
        Decimal(126), Decimal(1026), None, None, "5")
    aquaman = next(x for x in card.runners if x.horse_name == "AQUAMAN")
    assert (aquaman.race_number, aquaman.post_position, aquaman.rating, aquaman.gear, aquaman.last_runs) == (
        2, 11, 39, "B1/TT", "13/10/7/3/11/11")


@pytest.mark.parametrize("name,races,runners", [
    ("2026-06-21-ST.json", 11, 145), ("2026-06-24-HV.json", 9, 107), ("2026-07-15-HV.json", 9, 107)])
def test_hkjc_card_other_meetings_parse_whole(name, races, runners):
    card = parse("hkjc_card", "card", shared("hkjc-racecards", name), name)
    assert (len(card.races), len(card.runners)) == (races, runners)


def test_hkjc_results_sha_tin_race_1():
    results = parse("hkjc_results", "results", shared("html", "hkjc-results-2026-03-01-ST-1.zh.html"), HK_URL)
    (race,) = results.races
    assert (race.track, race.race_date, race.race_number, race.race_class) == ("ST", date(2026, 3, 1), 1, "4")
    assert (race.distance.metres, race.surface, race.going, race.purse) == (Decimal(1800), "turf", "good",
                                                                             Decimal(1170000))
    assert race.race_name == "花旗銀行CITI WEALTH讓賽" and race.race_type == "handicap" and race.post_time is None
    rows = results.results
    assert len(rows) == 14 and [r.finish_position for r in rows] == list(range(1, 15))
    assert [r.horse_number for r in rows] == [9, 7, 3, 4, 13, 12, 6, 8, 2, 5, 10, 11, 1, 14]
    w = rows[0]
    assert (w.horse_name, w.horse_id, w.jockey, w.trainer, w.post_position) == (
        "步風雷", "HK_2023_J452", "艾兆禮", "伍鵬志", 5)
    assert (w.weight_lbs, w.horse_weight_lbs, w.margin_lengths, w.finish_time_s, w.final_odds) == (
        Decimal(120), Decimal(1060), Decimal(0), Decimal("107.33"), Decimal(10))
    assert w.running_positions == (4, 4, 4, 3, 1)
    assert [(r.margin_lengths, r.final_odds) for r in rows[1:3]] == [
        (Decimal("0.75"), Decimal("4.6")), (Decimal("1.25"), Decimal("7.1"))]
    assert rows[-1].horse_name == "知恩圖報" and rows[-1].finish_time_s == Decimal("108.52")
    assert [(d.pool, d.combination, d.dividend) for d in results.dividends] == [
        ("win", "9", Decimal("108.00")), ("place", "9", Decimal("32.00")), ("place", "7", Decimal("17.00")),
        ("place", "3", Decimal("26.50")), ("quinella", "7-9", Decimal("275.00")),
        ("quinella_place", "7-9", Decimal("91.00")), ("quinella_place", "3-9", Decimal("169.00")),
        ("quinella_place", "3-7", Decimal("77.00")), ("forecast", "9-7", Decimal("657.00")),
        ("tierce", "9-7-3", Decimal("5389.00")), ("trio", "3-7-9", Decimal("827.00")),
        ("first4", "3-4-7-9", Decimal("2900.00")), ("quartet", "9-7-3-4", Decimal("76611.00")),
    ]
    assert {(d.stake_unit, d.currency) for d in results.dividends} == {(Decimal(10), "HKD")}
    raw = results.to_raw_batch()
    assert raw.races["race_id"].tolist() == ["ST-20260301-01"] and len(raw.runners) == 14 and len(raw.dividends) == 13
