"""The one normalizer: exact values for every form the issue lists, and loud errors for everything else."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ingestion.errors import ParseError
from ingestion.normalize import (
    UnrecognisedValue, parse_decimal_odds, parse_distance, parse_finish_time, parse_going, parse_margin, parse_odds,
    parse_surface, parse_weight_lbs, post_time,
)


@pytest.mark.parametrize("text,decimal,fractional", [
    ("5-1", "6", "5/1"), ("5/1", "6", "5/1"), ("5:1", "6", "5/1"), ("9/2", "5.5", "9/2"), ("EVEN", "2", "1/1"),
    ("EVN", "2", "1/1"), ("EV", "2", "1/1"), ("evens", "2", "1/1"), ("11/10f", "2.1", "11/10"), ("2/1jf", "3", "2/1"),
    ("5", "5", "4/1"), ("+150", "2.5", "3/2"), ("-110", "1.909090909090909090909090909", "10/11"),
])
def test_odds_text_to_decimal_and_fractional(text, decimal, fractional):
    odds = parse_odds(text)
    assert (odds.decimal, odds.fractional, odds.scratched) == (Decimal(decimal), fractional, False)
    assert odds.favourite == text.endswith(("f", "jf"))


@pytest.mark.parametrize("text", ["SCR", "-", "SCRATCHED", "scr"])
def test_scratch_markers_have_no_odds(text):
    odds = parse_odds(text)
    assert odds.scratched and odds.decimal is None and odds.fractional is None


def test_decimal_prices_are_a_separate_convention():
    assert parse_decimal_odds("4.6").decimal == Decimal("4.6")
    assert parse_decimal_odds("10").fractional == "9/1"
    assert parse_decimal_odds("SCR").scratched
    with pytest.raises(UnrecognisedValue):
        parse_decimal_odds("1.00")


@pytest.mark.parametrize("text", ["N/A", "", "5-0", "0/1", "2.5-1", "1", "abc", "f"])
def test_unknown_odds_raise_listing_accepted_forms(text):
    with pytest.raises(UnrecognisedValue) as err:
        parse_odds(text, where="demo page http://x")
    assert isinstance(err.value, ParseError) and "accepted forms: 5-1, 5/1" in str(err.value)
    assert "demo page http://x" in str(err.value)


@pytest.mark.parametrize("text,metres,furlongs,unit", [
    ("6f", "1207.008", "6", "f"), ("1m", "1609.344", "8", "f"), ("1m 2f 110y", "2112.264", "10.5", "f"),
    ("2m4f", "4023.36", "20", "f"), ("1400m", "1400", "6.959357", "m"), ("1 1/16 Miles", "1709.928", "8.5", "f"),
    ("5 1/2 Furlongs", "1106.424", "5.5", "f"), ("(2m11y)", "3228.7464", "16.05", "f"), ("1800米", "1800", "8.947745", "m"),
])
def test_distances_to_metres_and_furlongs(text, metres, furlongs, unit):
    d = parse_distance(text)
    assert (d.metres, d.furlongs, d.unit) == (Decimal(metres), Decimal(furlongs), unit)


@pytest.mark.parametrize("text", ["", "6", "six furlongs", "1m 1m", "6f x", "99m"])
def test_unknown_distances_raise(text):
    with pytest.raises(UnrecognisedValue, match="1400m"):
        parse_distance(text)


@pytest.mark.parametrize("text,surface", [
    ("Dirt", "dirt"), ("TURF", "turf"), ("AWT", "synthetic"), ("All Weather", "synthetic"),
    ("synthetic", "synthetic"), ("Tapeta", "synthetic"), ('Turf, "C+3" Course', "turf"), ("草地", "turf"),
])
def test_surfaces(text, surface):
    assert parse_surface(text) == surface


@pytest.mark.parametrize("text,word,scale", [
    ("fast", "fast", 2), ("Good", "good", 4), ("muddy", "muddy", 6), ("sloppy", "sloppy", 7), ("firm", "firm", 2),
    ("Good to Firm", "good to firm", 3), ("GOOD TO YIELDING", "good to yielding", 5), ("yielding", "yielding", 6),
    ("soft", "soft", 7), ("Going: Heavy", "heavy", 9), ("好地", "good", 4), ("wet fast", "wet fast", 4),
])
def test_going_on_one_scale(text, word, scale):
    g = parse_going(text)
    assert (g.word, g.scale) == (word, scale)


def test_unknown_going_and_surface_raise():
    with pytest.raises(UnrecognisedValue, match="good to firm"):
        parse_going("sticky")
    with pytest.raises(UnrecognisedValue, match="accepted forms"):
        parse_surface("ice")


def test_post_times_are_utc_with_the_zone_kept():
    uk = post_time(date(2024, 1, 30), "3:20", "Europe/London", afternoon_below=11)
    assert uk.utc == datetime(2024, 1, 30, 15, 20, tzinfo=timezone.utc) and uk.tz == "Europe/London"
    us = post_time(date(2026, 6, 6), "1:04 PM", "America/New_York")
    assert us.utc == datetime(2026, 6, 6, 17, 4, tzinfo=timezone.utc) and us.local.hour == 13
    hk = post_time(date(2026, 6, 13), "16:00", "Asia/Hong_Kong")
    assert hk.utc == datetime(2026, 6, 13, 8, 0, tzinfo=timezone.utc)
    with pytest.raises(UnrecognisedValue):
        post_time(date(2026, 6, 13), "25:00", "Asia/Hong_Kong")
    with pytest.raises(UnrecognisedValue):
        post_time(date(2026, 6, 13), "16:00", "Mars/Olympus")


def test_margins_times_weights():
    assert [parse_margin(t) for t in ("-", "3/4", "1-1/4", "SH", "N", "7.05")] == [
        Decimal(0), Decimal("0.75"), Decimal("1.25"), Decimal("0.1"), Decimal("0.3"), Decimal("7.05")]
    assert [parse_finish_time(t) for t in ("1:47.33", "59.59", "1.47.33")] == [
        Decimal("107.33"), Decimal("59.59"), Decimal("107.33")]
    assert [parse_weight_lbs(t) for t in ("11 10", "11-10", "121", "121 lb")] == [
        Decimal(164), Decimal(164), Decimal(121), Decimal(121)]
    for fn, bad in ((parse_margin, "a bit"), (parse_finish_time, "slow"), (parse_weight_lbs, "11 14")):
        with pytest.raises(UnrecognisedValue):
            fn(bad)
