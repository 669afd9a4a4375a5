"""Odds conversions, the race-card text contract, and vig removal against penaltyblog's documented figures."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backtests.betting.odds import (
    NegativeProbabilityError, OddsError, american_from_decimal, decimal_from_american, decimal_from_american_series,
    decimal_from_fractional, decimal_from_probability, format_fractional, fractional_from_decimal,
    implied_probability, odds_from_text, overround, parse_odds_text, remove_vig, remove_vig_many, to_price,
    whole_american,
)

PENALTYBLOG_ODDS = [2.7, 2.3, 4.4]
PENALTYBLOG_EXPECTED = {
    "multiplicative": [0.358738, 0.421127, 0.220135],
    "additive": [0.359562, 0.423974, 0.216464],
    "power": [0.359171, 0.423731, 0.217098],
    "shin": [0.359344, 0.423244, 0.217412],
    "odds_ratio": [0.358810, 0.422561, 0.218628],
}


@pytest.mark.parametrize(("text", "expected"), [
    ("5-1", "6"), ("5/1", "6"), ("5:1", "6"), ("9/2", "5.5"), (" 9 / 2 ", "5.5"), ("EVEN", "2"), ("EVN", "2"),
    ("EVENS", "2"), ("evens", "2"), ("  Evens\n", "2"), ("EV", "2"), ("EVS", "2"),
    ("100/30", "4.333333333333333333333333333"), ("5", "5"), ("5.5", "5.5"), ("+150", "2.5"),
    ("-110", "1.909090909090909090909090909"),
])
def test_parse_odds_text_accepts_every_form_of_the_one_grammar(text, expected):
    assert parse_odds_text(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1", "1.0", "5/0", "0/1", "2.5-1", "-5/1", "5//1", "EVENSS", "1/2/3",
                                  "+99", "150.5.1"])
def test_parse_odds_text_rejects_anything_else_naming_the_value(text):
    with pytest.raises(OddsError) as error:
        parse_odds_text(text)
    assert error.value.value == text and repr(text) in str(error.value)
    assert isinstance(error.value, ValueError)


def test_text_odds_are_exact_fractions():
    assert odds_from_text("100/30") == Fraction(13, 3) and odds_from_text("-110") == Fraction(21, 11)
    assert odds_from_text("EVN") == odds_from_text("EV") == odds_from_text("+100") == odds_from_text("-100") == 2


def test_stored_price_and_whole_american_round_half_away_from_zero():
    assert to_price(Fraction(33, 32)) == Decimal("1.0313")  # 1.03125 exactly: half up
    assert to_price("1.90905") == Decimal("1.9091") and to_price(Decimal("2.5")) == Decimal("2.5000")
    assert whole_american(Decimal("1.32")) == -313  # -100 / 0.32 = -312.5 exactly: away from zero
    assert whole_american(Decimal("1.9091")) == -110 and whole_american(2.5) == 150 and whole_american(2) == 100
    with pytest.raises(OddsError):
        whole_american(1)


def test_vectorized_american_keeps_the_index_and_nans_non_prices():
    prices = pd.Series([150, -110, "-200", 50, None, "x", -99.5], index=list("abcdefg"))
    result = decimal_from_american_series(prices)
    assert list(result.index) == list("abcdefg")
    assert result.iloc[:3].tolist() == [2.5, float(Fraction(21, 11)), 1.5] and result.iloc[3:].isna().all()


def test_american_examples():
    assert decimal_from_american(150) == Decimal("2.5")
    assert decimal_from_american("-200") == Decimal("1.5")
    assert decimal_from_american(100) == decimal_from_american(-100) == Decimal(2)
    assert american_from_decimal(Decimal("2.5")) == Decimal(150)
    assert american_from_decimal(1.5) == Decimal(-200)


@pytest.mark.parametrize("american", [0, 99, -99, "50", 99.99])
def test_american_between_minus_and_plus_100_is_rejected(american):
    with pytest.raises(OddsError, match="American"):
        decimal_from_american(american)


@pytest.mark.parametrize("decimal_odds", [1.0, 0.5, 0, -2, "1", "x", None, float("nan"), True])
def test_decimal_at_or_below_one_or_not_a_number_is_rejected(decimal_odds):
    with pytest.raises(OddsError):
        implied_probability(decimal_odds)


def test_fractional_and_probability_conversions():
    assert fractional_from_decimal("3.5") == Fraction(5, 2)
    assert format_fractional(fractional_from_decimal(2)) == "EVENS"
    assert format_fractional(Fraction(5, 2)) == "5/2"
    assert decimal_from_fractional("5-2") == Decimal("3.5")
    assert implied_probability(4) == Decimal("0.25")
    assert decimal_from_probability(Decimal("0.25")) == Decimal(4)
    assert overround([2, 2]) == 0
    with pytest.raises(OddsError):
        decimal_from_probability(1)


TOLERANCE = Decimal("1e-15")  # 28-digit Decimal context: exact to far below a cent
decimal_prices = st.decimals(min_value=Decimal("1.01"), max_value=Decimal("1000"), places=3)


@given(decimal_prices)
def test_decimal_american_round_trip(price):
    assert abs(decimal_from_american(american_from_decimal(price)) - price) < TOLERANCE


@given(st.one_of(st.integers(100, 100_000), st.integers(-100_000, -101)))
def test_american_decimal_round_trip(american):
    """-100 and +100 are both evens; the conversion back picks +100, so -100 is left out on purpose."""
    assert abs(american_from_decimal(decimal_from_american(american)) - american) < TOLERANCE


@given(st.integers(1, 500), st.integers(1, 500))
def test_fractional_round_trip(numerator, denominator):
    text = f"{numerator}/{denominator}"
    assert fractional_from_decimal(parse_odds_text(text)) == Fraction(numerator, denominator) or abs(
        fractional_from_decimal(parse_odds_text(text)) - Fraction(numerator, denominator)) < Fraction(1, 10 ** 20)


@given(decimal_prices)
def test_probability_round_trip(price):
    assert abs(decimal_from_probability(implied_probability(price)) - price) < TOLERANCE


@pytest.mark.parametrize("method", sorted(PENALTYBLOG_EXPECTED))
def test_vig_removal_matches_penaltyblog_reference(method):
    fair = remove_vig(PENALTYBLOG_ODDS, method)
    assert fair == pytest.approx(PENALTYBLOG_EXPECTED[method], abs=1e-6)
    assert sum(fair) == pytest.approx(1, abs=1e-12)


def test_vectorized_vig_removal_matches_single_market_with_ragged_rows():
    markets = np.array([[2.7, 2.3, 4.4], [1.9, 1.9, np.nan], [3.1, 3.4, 2.45]])
    for method in PENALTYBLOG_EXPECTED:
        fair, negative = remove_vig_many(markets, method)
        assert not negative.any()
        assert fair[0] == pytest.approx(PENALTYBLOG_EXPECTED[method], abs=1e-6)
        assert fair[1, :2] == pytest.approx([0.5, 0.5]) and np.isnan(fair[1, 2])
        assert fair[2] == pytest.approx(remove_vig([3.1, 3.4, 2.45], method), abs=1e-12)


def test_additive_negative_is_flagged_never_returned():
    big_field = [1.5] + [8.0] * 15 + [1000.0]
    with pytest.raises(NegativeProbabilityError):
        remove_vig(big_field, "additive")
    fair, negative = remove_vig_many(np.array([big_field, [2.0] * 2 + [np.nan] * 15]), "additive")
    assert negative.tolist() == [True, False]
    assert np.isnan(fair[0]).all() and np.nanmin(fair) >= 0
    assert all(p >= 0 for p in remove_vig(big_field, "power"))


def test_unknown_method_and_bad_prices_are_rejected():
    with pytest.raises(ValueError, match="unknown"):
        remove_vig([2, 2], "magic")
    with pytest.raises(OddsError):
        remove_vig([2, 0.9], "shin")
    with pytest.raises(OddsError):
        remove_vig_many(np.array([[2.0, 1.0]]), "power")


@given(st.lists(st.floats(1.05, 50), min_size=2, max_size=14), st.sampled_from(sorted(PENALTYBLOG_EXPECTED)))
def test_vig_free_probabilities_sum_to_one_and_keep_price_order(prices, method):
    try:
        fair = remove_vig(prices, method)
    except NegativeProbabilityError:
        assert method == "additive"
        return
    assert sum(fair) == pytest.approx(1, abs=1e-9)
    order = np.argsort(prices, kind="stable")
    assert all(fair[a] >= fair[b] - 1e-9 for a, b in zip(order, order[1:]))


def test_stored_price_of_an_absurd_number_is_an_odds_error():
    with pytest.raises(OddsError, match="too large"):
        to_price(Decimal("1e30"))
    with pytest.raises(OddsError, match="too close"):
        whole_american(Decimal("1.0000000000000000000000000001"))


def test_american_from_numpy_integers():
    """A CSV column of American prices arrives as numpy int64 (the NBA closing lines): same answer as Python ints."""
    import numpy as np

    from backtests.betting.odds import decimal_from_american, decimal_from_american_series

    assert decimal_from_american(np.int64(-200)) == Decimal("1.5")
    assert decimal_from_american(np.int64(150)) == Decimal("2.5")
    assert decimal_from_american_series(pd.Series([-200, 150, 50], dtype="int64")).tolist()[:2] == [1.5, 2.5]
