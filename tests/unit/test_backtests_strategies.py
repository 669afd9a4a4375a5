"""Strategy registry, parameter validation, the rule language, baseline selections and the numpy logistic fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.strategies import (ParameterError, StrategyError, UnknownStrategyError, describe, get_strategy,
                                  list_strategies)
from backtests.strategies.base import Context
from backtests.strategies.rules import FIELDS, OPERATORS, RuleError, evaluate, validate_rules
from backtests.strategies.value_model import fit_logistic, predict_logistic


def _context(frame: pd.DataFrame) -> Context:
    return Context(frame, frame, pd.Series(False, index=frame.index))


def _races() -> pd.DataFrame:
    return pd.DataFrame({
        "event_key": ["r1", "r1", "r1", "r2", "r2"], "selection_key": list("abcde"),
        "race_date": pd.to_datetime(["2024-01-02"] * 5), "odds": [3.0, 1.8, 25.0, 2.2, 2.2],
        "going": ["Muddy", "muddy", "muddy", "fast", "fast"], "horse_wet_win_rate": [0.5, np.nan, 0.3, 0.1, 0.0],
        "trainer_recent_wins": [6, 2, 5, 9, 0], "surface": "dirt", "field_size": [3, 3, 3, 2, 2],
    })


def test_registry_lists_every_builtin_and_rejects_unknown_names():
    names = list_strategies()
    for expected in ("favourite_flat", "longshot_flat", "random_selection", "rule_based", "value_model",
                     "wet_specialist", "first_time_starter", "home_flat", "ev_vs_sharp", "home_underdog", "exotic_box"):
        assert expected in names
    with pytest.raises(UnknownStrategyError) as error:
        get_strategy("favorite_flat")
    assert isinstance(error.value, ValueError) and "favourite_flat" in str(error.value)
    assert {d["name"] for d in describe()} == set(names)


@pytest.mark.parametrize("params, message", [
    ({"min_odd": 5}, "valid parameters: max_odds, min_odds"),
    ({"min_odds": "high"}, "must be float"),
    ({"min_odds": 0.5}, "within"),
])
def test_parameters_are_validated(params, message):
    with pytest.raises(ParameterError, match=message):
        get_strategy("longshot_flat", params)


def test_parameter_choices_and_int_types():
    with pytest.raises(ParameterError, match="one of"):
        get_strategy("random_selection", {"weighting": "by_name"})
    with pytest.raises(ParameterError, match="must be int"):
        get_strategy("random_selection", {"seed": 1.5})
    assert get_strategy("longshot_flat", {"min_odds": 30}).min_odds == 30.0  # ints are fine where floats are asked


def test_seed_rule_example_matches_exactly_the_right_rows():
    rules = {"track_condition": {"in": ["muddy", "sloppy"]}, "horse_wet_win_rate": {"gte": 0.3},
             "odds": {"gte": "2:1"}, "trainer_recent_wins": {"gte": 5}}
    picks = get_strategy("rule_based", {"rules": rules}).select(_context(_races()))
    assert list(picks["selection_key"]) == ["a", "c"]  # b has no wet record (NaN never matches) and short odds


def test_rule_operators():
    frame = _races()
    assert list(evaluate(validate_rules({"odds": {"between": [2, 3]}}), frame)) == [True, False, False, True, True]
    assert list(evaluate(validate_rules({"odds": {"eq": 2.2}}), frame)) == [False, False, False, True, True]
    assert list(evaluate(validate_rules({"odds": {"gte": 2, "lte": 2.5}}), frame)) == [False, False, False, True,
                                                                                      True]
    assert list(evaluate(validate_rules({"track_condition": {"eq": "MUDDY"}}), frame)) == [True] * 3 + [False] * 2
    assert validate_rules('{"current_odds": {"gte": "9/2"}}') == {"current_odds": {"gte": 5.5}}


@pytest.mark.parametrize("rules, message", [
    ({"horse_mudder_rate": {"gte": 0.3}}, "unknown rule field 'horse_mudder_rate'; valid fields: "),
    ({"odds": {"greater": 3}}, "valid operators: eq, in, gte, lte, between"),
    ({"odds": {"between": [2]}}, "list of two values"),
    ({"odds": {"gte": "4 to 1"}}, "invalid odds"),
    ("{not json", "not valid JSON"),
    ({}, "non-empty"),
])
def test_rule_errors_are_typed_and_list_the_valid_choices(rules, message):
    with pytest.raises(RuleError, match=message) as error:
        get_strategy("rule_based", {"rules": rules})
    assert isinstance(error.value, StrategyError) and isinstance(error.value, ValueError)
    if "valid fields" in message:
        assert all(field in str(error.value) for field in FIELDS)
    assert OPERATORS == ("eq", "in", "gte", "lte", "between")


def test_favourite_longshot_and_random_selections():
    ctx = _context(_races())
    assert list(get_strategy("favourite_flat").select(ctx)["selection_key"]) == ["b", "d"]  # joint favs: first
    assert list(get_strategy("longshot_flat", {"min_odds": 20}).select(ctx)["selection_key"]) == ["c"]
    first = get_strategy("random_selection", {"seed": 1}).select(ctx)
    assert list(first["event_key"]) == ["r1", "r2"]  # exactly one per race
    assert first.equals(get_strategy("random_selection", {"seed": 1}).select(ctx))  # deterministic


def test_market_weighted_random_picks_follow_the_market():
    frame = pd.DataFrame({"event_key": np.repeat(np.arange(20_000), 2), "odds": np.tile([1.25, 5.0], 20_000)})
    picks = get_strategy("random_selection", {"seed": 2}).select(_context(frame))
    share_of_favourite = (picks["odds"] == 1.25).mean()
    assert share_of_favourite == pytest.approx(0.8 / (0.8 + 0.2), abs=0.01)


def test_numpy_logistic_regression_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60_000, 3))
    beta = np.array([-1.0, 0.8, -0.5, 0.0])
    y = rng.random(60_000) < 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    fitted = fit_logistic(x, y.astype(float), l2=0.0)
    assert fitted == pytest.approx(beta, abs=0.04)
    assert predict_logistic(fitted, np.zeros((1, 3)))[0] == pytest.approx(1 / (1 + np.exp(1.0)), abs=0.01)
