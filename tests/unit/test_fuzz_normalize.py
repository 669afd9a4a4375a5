"""Fuzzing the converters (odds text, distances, surfaces, going, times, margins, weights): any text in, either a
parsed value that obeys the converter's contract or the project's own typed error out - never another exception.

Text comes from three sources so the fuzzer reaches past the first character check: arbitrary unicode, near-valid
strings built from the converters' own vocabulary (digits, separators, unit words, markers) and regex-generated
forms close to the accepted grammar. Examples found by fuzzing are kept with ``@example`` as regression tests.
"""
from __future__ import annotations

import os
from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backtests.betting.odds import (
    OddsError, decimal_from_american, decimal_from_fractional, decimal_from_probability, implied_probability,
    parse_fractional, parse_odds_text,
)
from ingestion.errors import ParseError
from ingestion.normalize import (
    GOING_SCALE, UnrecognisedValue, from_iso, parse_clock, parse_decimal_odds, parse_distance, parse_finish_time,
    parse_going, parse_margin, parse_odds, parse_surface, parse_weight_lbs, post_time,
)

# Small example counts keep every fuzz file well under its share of ~60 s; no per-example deadline (flaky on 2 cores).
# PADDOCK_FUZZ_EXAMPLES=5000 digs deeper by hand.
FUZZ = settings(max_examples=int(os.environ.get("PADDOCK_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

TOKENS = ["0", "1", "5", "9", "10", "110", "1400", "99999999999999999999", "1/0", "0/0", "/", "-", ":", ".", " ",
          "1/2", "½", "¾", "m", "f", "y", "mi", "miles", "furlongs", "yds", "metres", "米", "(", ")", "EVENS", "evn",
          "f", "jf", "cf", "fav", "SCR", "NR", "pm", "a.m.", "DH", "SH", "lb", "lbs", "st", "e5", "NaN", "Infinity",
          "\u0660", "\u0661", "\u00b2", "good", "to", "soft", "firm", "going:", "turf", "aw", "全天候", ",", "\x00"]
near_valid = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join)
texts = st.one_of(st.text(max_size=30), near_valid, st.from_regex(r"\d{1,4}([-/: ]\d{0,4})?[a-zA-Z]{0,3}", fullmatch=True))
anything = st.one_of(texts, st.none(), st.integers(), st.floats(), st.booleans(), st.decimals())


def parsed_or_typed(fn, *args, errors=(ParseError,), **kwargs):
    """``fn``'s value, or None when it raised one of the typed ``errors``; any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except errors:
        return None


@FUZZ
@given(texts)
@example("0/0")
@example("5/0")
@example("9" * 400 + "/1")
@example("\u0665/\u0662")
def test_parse_odds_text_gives_decimal_above_one_or_odds_error(text):
    value = parsed_or_typed(parse_odds_text, text, errors=(OddsError,))
    assert value is None or value > 1


@FUZZ
@given(anything)
def test_backtest_odds_converters_raise_only_odds_error(value):
    for fn in (decimal_from_american, implied_probability, decimal_from_probability, parse_fractional):
        parsed_or_typed(fn, value, errors=(OddsError,))
    if isinstance(value, str):
        result = parsed_or_typed(decimal_from_fractional, value, errors=(OddsError,))
        assert result is None or result > 1


@FUZZ
@given(texts)
@example("11/10f")
@example("f")
@example("jt-fav")
@example("SCR")
def test_card_odds_parse_or_raise_unrecognised(text):
    odds = parsed_or_typed(parse_odds, text, errors=(UnrecognisedValue,))
    assert odds is None or odds.scratched or odds.decimal > 1
    price = parsed_or_typed(parse_decimal_odds, text, errors=(UnrecognisedValue,))
    assert price is None or price.scratched or price.decimal > 1


@FUZZ
@given(texts)
@example("1/0m")
@example("0/0 f")
@example("1 1/0 miles")
@example("99999999999999999999m")
@example("1.5.5f")
def test_distance_parses_within_range_or_raises(text):
    distance = parsed_or_typed(parse_distance, text, errors=(UnrecognisedValue,))
    if distance is not None:
        assert distance.metres > 0 and distance.furlongs > 0 and distance.unit in ("m", "f")
        if distance.unit == "f":
            assert distance.furlongs <= 40


@FUZZ
@given(texts)
@example("Going: Good to Soft")
@example("AWT")
@example("草地")
def test_surface_and_going_words(text):
    assert parsed_or_typed(parse_surface, text, errors=(UnrecognisedValue,)) in (None, "dirt", "turf", "synthetic")
    going = parsed_or_typed(parse_going, text, errors=(UnrecognisedValue,))
    assert going is None or GOING_SCALE[going.word] == going.scale


@FUZZ
@given(texts, st.integers(0, 13))
@example("12:00 pm", 0)
@example("0:00 am", 0)
@example("24:00", 0)
@example("\u0661\u0662:30", 0)
def test_clock_parses_to_a_time_or_raises(text, afternoon_below):
    clock = parsed_or_typed(parse_clock, text, afternoon_below=afternoon_below, errors=(UnrecognisedValue,))
    assert clock is None or isinstance(clock, time)


TIME_ZONES = ["Europe/London", "Asia/Hong_Kong", "America/New_York", "UTC", "", "Nowhere/City", "../etc/passwd",
              "America", "Etc/GMT+14", "\x00", "/usr/share/zoneinfo/UTC"]


@FUZZ
@given(st.dates(), st.one_of(st.sampled_from(TIME_ZONES), st.text(max_size=20)), texts)
@example(date.min, "Asia/Hong_Kong", "00:30")
@example(date.max, "America/New_York", "23:30")
@example(date(2026, 6, 6), "America", "13:04")
def test_post_time_is_utc_or_raises(day, tz, clock):
    post = parsed_or_typed(post_time, day, clock, tz, errors=(UnrecognisedValue,))
    assert post is None or post.utc.tzinfo == timezone.utc


@FUZZ
@given(st.one_of(texts, st.datetimes(timezones=st.timezones()).map(datetime.isoformat)),
       st.sampled_from(TIME_ZONES))
@example("0001-01-01T00:00:00+01:00", "UTC")
@example("9999-12-31T23:59:59-01:00", "UTC")
@example("2026-06-06T13:04:00-04:00", "America")
def test_iso_post_time_is_utc_or_raises(text, tz):
    post = parsed_or_typed(from_iso, text, tz, errors=(UnrecognisedValue,))
    assert post is None or post.utc.tzinfo == timezone.utc


@FUZZ
@given(texts)
@example("1/0")
@example("1-1/0")
@example("0/0")
@example("SH")
def test_margin_is_a_non_negative_length_or_raises(text):
    margin = parsed_or_typed(parse_margin, text, errors=(UnrecognisedValue,))
    assert margin is None or (isinstance(margin, Decimal) and margin >= 0)


@FUZZ
@given(texts)
@example("1:47.33")
@example("1.47.33")
@example("99999:59.9")
def test_finish_time_and_weight_parse_or_raise(text):
    seconds = parsed_or_typed(parse_finish_time, text, errors=(UnrecognisedValue,))
    assert seconds is None or seconds >= 0
    weight = parsed_or_typed(parse_weight_lbs, text, errors=(UnrecognisedValue,))
    assert weight is None or weight >= 0


@pytest.mark.parametrize("fn,text", [(parse_distance, "1/0m"), (parse_margin, "1/0"), (parse_odds, "9/0")])
def test_zero_denominators_name_the_value(fn, text):
    with pytest.raises(UnrecognisedValue) as err:
        fn(text)
    assert err.value.value == text and repr(text) in str(err.value)
