"""Parser machinery on hand-written fixtures: fallback selectors, optional vs required fields, the registry, rows."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.errors import ParseError
from ingestion.normalize import UnrecognisedValue
from ingestion.racecards import PARSERS, MissingField, get_parser, parse
from ingestion.schema import DIVIDENDS, RACES, RUNNERS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "racecards"
RP_URL = "https://www.racingpost.com/racecards/99/testcourse/2024-06-01/2"
HK_URL = "https://racing.hkjc.com/en-us/local/information/localresults?racedate=2026/03/04&Racecourse=HV&RaceNo=3"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_registry_lists_sites_and_refuses_unknown_kinds():
    assert set(PARSERS) == {"demo", "racingpost", "hkjc_card", "hkjc_results"}
    assert get_parser("demo", "odds") is PARSERS["demo"].odds
    with pytest.raises(KeyError, match="has: card"):
        get_parser("racingpost", "results")
    with pytest.raises(KeyError, match="known: demo"):
        get_parser("equibase", "card")


def test_racingpost_fallback_selectors_prices_draws_and_non_runners():
    card = parse("racingpost", "card", fixture("racingpost-minimal.html"), RP_URL)
    (race,) = card.races
    assert (race.track, race.race_number, race.distance.furlongs, race.going) == ("TEST_COURSE", 2, 6, "good to firm")
    assert race.post_time == datetime(2024, 6, 1, 13, 5, tzinfo=timezone.utc)  # 2:05 BST
    alpha, beta = card.runners
    assert (alpha.post_position, alpha.weight_lbs, alpha.price, alpha.scratched) == (3, Decimal(133), Decimal("5.5"),
                                                                                     False)
    assert (beta.scratched, beta.price, beta.weight_lbs) == (True, None, None)


def test_missing_required_field_names_site_url_and_field():
    html = fixture("racingpost-minimal.html").replace('data-test-selector="RC-cardPage-runnerName"', "")
    with pytest.raises(MissingField) as err:
        parse("racingpost", "card", html, RP_URL)
    assert isinstance(err.value, ParseError)
    assert (err.value.site, err.value.url, err.value.field) == ("racingpost", RP_URL, "horse name")
    assert "racingpost: required field 'horse name' missing on " + RP_URL in str(err.value)


def test_unknown_value_on_a_page_raises_instead_of_guessing():
    html = fixture("racingpost-minimal.html").replace("Going: Good To Firm", "Going: Sticky")
    with pytest.raises(UnrecognisedValue, match="racingpost page " + RP_URL):
        parse("racingpost", "card", html, RP_URL)


def test_hkjc_results_english_dead_heat_withdrawal_and_url_fallback():
    results = parse("hkjc_results", "results", fixture("hkjc-results-english-minimal.html"), HK_URL)
    (race,) = results.races
    assert (race.track, race.race_date, race.race_number, race.race_class) == ("HV", date(2026, 3, 4), 3, "3")
    assert (race.surface, race.going, race.distance.metres) == ("synthetic", "good to firm", Decimal(1200))
    a, b, c, d = results.results
    assert (a.finish_position, a.dead_heat, b.finish_position, b.dead_heat) == (1, True, 1, True)
    assert (c.finish_position, c.margin_lengths, c.horse_id) == (3, Decimal("0.1"), "C003")
    assert (d.status, d.finish_position, d.final_odds, d.finish_time_s) == ("scratched", None, None, None)
    assert [(x.pool, x.combination) for x in results.dividends] == [("win", "4"), ("win", "2"), ("quinella", "2-4")]


def test_hkjc_results_unknown_pool_raises():
    html = fixture("hkjc-results-english-minimal.html").replace("<td>DOUBLE</td>", "<td>MYSTERY</td>")
    with pytest.raises(UnrecognisedValue, match="MYSTERY"):
        parse("hkjc_results", "results", html, HK_URL)


def test_hkjc_card_required_and_optional_fields():
    text = ('[{"date": "2026-06-13", "racecourse": "ST", "raceNo": 1, "startTime": "16:00", "distance": null,'
            ' "runners": [{"horseNo": 1, "horseName": "A"}]}]')
    card = parse("hkjc_card", "card", text, "inline.json")
    assert card.races[0].distance is None and card.runners[0].post_position is None
    with pytest.raises(MissingField, match="startTime"):
        parse("hkjc_card", "card", text.replace('"startTime": "16:00", ', ""), "inline.json")


def test_rows_convert_to_the_canonical_raw_shape():
    raw = parse("hkjc_results", "results", fixture("hkjc-results-english-minimal.html"), HK_URL).to_raw_batch()
    assert list(raw.races) == list(RACES) and list(raw.runners) == list(RUNNERS) and list(raw.dividends) == list(DIVIDENDS)
    assert raw.runners["race_id"].unique().tolist() == ["HV-20260304-03"]
    assert raw.runners["jockey_id"].tolist() == ["j-one", "j-two", "j-three", "j-four"]
    assert raw.races.loc[0, "distance"] == Decimal(1200) and raw.races.loc[0, "distance_unit"] == "m"
    assert raw.dividends["stake_unit"].tolist() == [Decimal(10)] * 3
