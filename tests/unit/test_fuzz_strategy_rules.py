"""Fuzzing the rule-based strategy's JSON rules: any document either validates (and then evaluates on a decision
frame to a boolean mask) or raises ``RuleError`` naming what is wrong - never a KeyError/TypeError out of a backtest.
Strategy names are looked up in the registry only (``UnknownStrategyError``); rules never become SQL.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backtests.strategies import UnknownStrategyError, get_strategy
from backtests.strategies.rules import FIELDS, OPERATORS, RuleError, evaluate, validate_rules

FUZZ = settings(max_examples=int(os.environ.get("PADDOCK_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

TEXT_COLUMNS = {"going", "surface", "track_code", "race_class"}
FRAME = pd.DataFrame({
    column: (["muddy", "fast", None] if column == "going" else ["dirt", "turf", None] if column == "surface"
             else ["BEL", "CD", None] if column == "track_code" else ["CLM", "ALW", None]) if column in TEXT_COLUMNS
    else [4.5, 1.8, np.nan]
    for column in {c for c, _ in FIELDS.values()}
})
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(), st.text(max_size=8),
                    st.sampled_from(["4:1", "9/2", "EVENS", "5/0", "muddy", "BEL"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=4), scalars, max_size=2))
conditions = st.dictionaries(st.one_of(st.sampled_from(OPERATORS), st.text(max_size=5)), values, max_size=3)
rules = st.dictionaries(st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=8)),
                        st.one_of(conditions, values), max_size=3)


def validated_or_rule_error(document):
    try:
        return validate_rules(document)
    except RuleError:
        return None


@FUZZ
@given(rules)
@example({"odds": {"gte": "4:1"}, "track_condition": {"in": ["Muddy"]}})
@example({"odds": {"between": "ab"}})
@example({"odds": {"gte": "5/0"}})
def test_any_rules_validate_or_raise_rule_error(document):
    clean = validated_or_rule_error(document)
    assert clean is None or set(clean) <= set(FIELDS)


@FUZZ
@given(st.one_of(st.text(max_size=40), rules.map(json.dumps)))
def test_rules_as_json_text_validate_or_raise_rule_error(text):
    validated_or_rule_error(text)


def typed_value(field: str):
    """A value of the field's own type: text for text columns, numbers (or odds text) for numeric ones."""
    column = FIELDS[field][0]
    if column in TEXT_COLUMNS:
        return st.sampled_from(["muddy", "FAST", "dirt", "BEL", "CLM", "x"])
    if field in ("odds", "current_odds", "morning_line_odds"):
        return st.one_of(st.floats(1.01, 100), st.sampled_from(["4:1", "9/2", "EVENS"]))
    return st.one_of(st.integers(-5, 50), st.floats(-5, 50))


@st.composite
def typed_rules(draw):
    out = {}
    for field in draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=3, unique=True)):
        value = typed_value(field)
        op = draw(st.sampled_from(OPERATORS))
        out[field] = {op: draw(st.lists(value, min_size=2, max_size=2) if op == "between" else
                               st.lists(value, min_size=1, max_size=3) if op == "in" else value)}
    return out


@FUZZ
@given(typed_rules())
def test_well_typed_rules_evaluate_to_a_mask(document):
    mask = evaluate(validate_rules(document), FRAME)
    assert mask.dtype == bool and len(mask) == len(FRAME) and not mask[2]  # missing values never match


def test_a_valid_rule_set_selects_exactly_the_matching_rows():
    mask = evaluate(validate_rules({"odds": {"gte": "3:1"}, "track_condition": {"in": ["MUDDY"]}}), FRAME)
    assert mask.tolist() == [True, False, False]


# Found by fuzzing (PADDOCK_FUZZ_EXAMPLES=3000): rules that validate_rules accepted but that crashed evaluate() with a
# builtin exception mid-backtest; values are now checked against their field's kind. Kept as regression cases.
VALIDATED_BUT_CRASH = {
    "empty text compared with a number": {"days_since_last_run": {"gte": ""}},
    "list compared with eq": {"field_size": {"eq": []}},
}


@pytest.mark.parametrize("case", sorted(VALIDATED_BUT_CRASH))
def test_rules_with_wrongly_typed_values_raise_rule_error(case):
    with pytest.raises(RuleError, match="is not a number"):
        evaluate(validate_rules(VALIDATED_BUT_CRASH[case]), FRAME)


@pytest.mark.parametrize("name", ["x'; DROP TABLE marts.backtest_runs; --", "../../etc/passwd", "rule_based "])
def test_strategy_names_come_only_from_the_registry(name):
    with pytest.raises(UnknownStrategyError) as info:
        get_strategy(name)
    assert repr(name) in str(info.value) or name in str(info.value)
