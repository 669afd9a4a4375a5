"""The gate's fast path and Great Expectations give the same verdict on every rule of every suite.

Frames are generated from the suites themselves: each column draws from a small pool holding the rules' own
boundaries (a between-rule's bound and its neighbours, a set's members), values GX treats specially (None, NaN, NaT,
±inf, Decimal, the string ``"abc"``, booleans) and few enough distinct values that duplicate keys are common. The
two engines are compared rule by rule (success, unexpected count, row positions, samples, observation, whether the
rule could be evaluated) and through the whole gate (published rows, quarantined rows and their reasons).
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paddock.environ import overridden
from quality.engines import ENGINE_ENV, validate
from quality.gate import REASONS_COLUMN, gate_suite
from quality.suites import SUITES
from quality.suites_exchange import MARKETS_SUITE, PRICES_SUITE
from quality.suites_exchange import RUNNERS_SUITE as EXCHANGE_RUNNERS_SUITE
from quality.suites_odds import ODDS_SUITE
from quality.suites_racecards import CARD_RACES_SUITE, CARD_RUNNERS_SUITE

ALL_SUITES = (*SUITES.values(), ODDS_SUITE, MARKETS_SUITE, EXCHANGE_RUNNERS_SUITE, PRICES_SUITE, CARD_RACES_SUITE,
              CARD_RUNNERS_SUITE)
COMMON = (None, math.nan, "abc", "", 0, 1, -1, 2.5, True, False, Decimal("1.01"), Decimal("NaN"), "1-2", "A", "B",
          dt.date(2024, 3, 1), pd.NaT, math.inf, -math.inf)


def pool(suite, column: str) -> list:
    """The values a generated cell of ``column`` draws from: the rules' boundaries first, then the awkward ones."""
    values: list = []
    for spec in suite.expectations:
        if column not in spec.columns:
            continue
        options = spec.options
        for bound in (options.get("min_value"), options.get("max_value")):
            if bound is not None:
                values += [bound, bound - 0.01, bound + 0.01, Decimal(str(bound)), str(bound)]
        values += list(options.get("value_set", ()))
        if "regex" in options:
            values += ["1", "1-2-3", "1--2", "x1", "12-"]
    return values + list(COMMON)


def frames(suite):
    columns = list(dict.fromkeys(c for s in suite.expectations for c in s.columns))
    row = st.fixed_dictionaries({c: st.sampled_from(pool(suite, c)) for c in columns})
    return st.lists(row, max_size=12).map(lambda rows: pd.DataFrame(rows, columns=columns, dtype=object))


def engine(name: str):
    return overridden({ENGINE_ENV: name})


def verdicts(outcomes) -> list[tuple]:
    def same(value):  # NaN != NaN: compare samples by their repr
        return tuple(repr(v) for v in value) if isinstance(value, tuple) else repr(value)

    return [(o.name, o.success, o.evaluated, o.unexpected_count, o.unexpected_index, same(o.unexpected_sample),
             o.observed, o.error is None) for o in outcomes]


@st.composite
def suite_and_frame(draw):
    suite = draw(st.sampled_from(ALL_SUITES))
    return suite, draw(frames(suite))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suite_and_frame())
def test_every_rule_gets_the_same_verdict_from_both_engines(case):
    suite, frame = case
    specs = [s for s in suite.expectations if s.gx_type is not None]
    assert verdicts(validate(frame, specs, engine="fast")) == verdicts(validate(frame, specs, engine="gx"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suite_and_frame())
def test_the_gate_splits_a_frame_the_same_way_with_both_engines(case):
    suite, frame = case
    results = {}
    for name in ("fast", "gx"):
        with engine(name):
            result = gate_suite(frame, suite, quarantine_warnings=True)
        results[name] = (list(result.published.index), list(result.quarantined.index),
                         list(result.quarantined[REASONS_COLUMN]), result.critical_failure, verdicts(result.results))
    assert results["fast"] == results["gx"]


def test_a_missing_column_fails_its_rule_in_both_engines():
    [spec] = [s for s in SUITES["races"].expectations if s.name == "races.race_number_between_1_20"]
    for name in ("fast", "gx"):
        [outcome] = validate(pd.DataFrame({"race_id": ["a"]}), [spec], engine=name)
        assert (outcome.success, outcome.error is not None) == (False, True), name


def test_an_unknown_engine_is_one_line_naming_it():
    with engine("spark"), pytest.raises(ValueError, match=r"PADDOCK_GATE_ENGINE='spark': expected one of fast, gx"):
        validate(pd.DataFrame({"x": [1]}), list(SUITES["races"].expectations[:1]))


def test_a_rule_the_fast_path_does_not_know_is_refused_not_skipped():
    share = next(s for s in SUITES["races"].expectations if s.gx_type is None)
    with pytest.raises(ValueError, match="races.valid_share_ge_0_9"):
        validate(pd.DataFrame({"x": [1]}), [share], engine="fast")


def test_a_rule_pandas_cannot_evaluate_on_the_column_fails_with_an_error_in_both_engines():
    """Found by the property test: an in-set rule on a column pandas typed as datetimes (every value NaT) raises
    inside ``isin``; GX reports the rule failed and not evaluated, so must the fast path, never raise."""
    spec = next(s for s in ODDS_SUITE.expectations if s.name == "odds.both_sides_present")
    frame = pd.DataFrame({"market_complete": [pd.NaT]}, dtype=object)
    for name in ("fast", "gx"):
        [outcome] = validate(frame, [spec], engine=name)
        assert (outcome.success, outcome.unexpected_count, outcome.error is not None) == (False, 0, True), name


def test_unexpected_values_gx_cannot_sort_for_its_report_fail_the_rule_with_an_error_in_both_engines():
    """Found by the property test: GX sorts the most common unexpected values by (-count, value) for its report,
    and two duplicate groups of one count whose keys hold a Decimal and a float NaN make ``Decimal < nan`` raise
    decimal.InvalidOperation there, which GX reports as the rule failed and not evaluated. Swap the NaN for None
    (a TypeError, which GX survives) and the duplicates are reported as ever."""
    spec = next(s for s in EXCHANGE_RUNNERS_SUITE.expectations if s.name.endswith("unique_market_id_selection_id"))
    rows = [(math.nan, "abc"), (math.nan, "abc"), (Decimal("1.01"), None), (Decimal("1.01"), None)]
    frame = pd.DataFrame(rows, columns=["market_id", "selection_id"], dtype=object)
    survivable = frame.replace({math.nan: None}).astype(object)
    for name in ("fast", "gx"):
        [outcome] = validate(frame, [spec], engine=name)
        assert (outcome.success, outcome.unexpected_count, outcome.error) == (
            False, 0, "[<class 'decimal.InvalidOperation'>]"), name
        [outcome] = validate(survivable, [spec], engine=name)
        assert (outcome.success, outcome.unexpected_index, outcome.error) == (False, (0, 1, 2, 3), None), name
