"""``rule_based``: the horse-betting seed's JSON rules, evaluated on whole frames (never turned into SQL).

A rule set maps a field of :data:`FIELDS` to a condition, e.g.::

    {"track_condition": {"in": ["muddy", "sloppy"]}, "horse_wet_win_rate": {"gte": 0.3},
     "odds": {"gte": "4:1"}, "trainer_recent_wins": {"gte": 5}}

Operators: ``eq``, ``in`` (list), ``gte``, ``lte``, ``between`` ([low, high], inclusive). Several operators in one
condition must all hold (the seed's evaluator silently used only the first one); every field's condition must hold.
Odds fields accept fractional text ("4:1", "9/2", "EVENS") as well as decimal numbers. Missing values never
match (a horse with no wet starts has no wet win rate, so ``gte 0`` is false for it). Unknown fields and operators
raise :class:`RuleError` naming the valid ones. Every feature comes from races strictly before the race date
(``backtests.features``); race context (going, distance...) is known before the off.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from backtests.betting.odds import OddsError, parse_odds_text
from backtests.features import FEATURES
from backtests.strategies.base import Context, Param, ParameterError, Strategy
from backtests.strategies.registry import register

RACE_FIELDS = {
    "track_condition": ("going", "going as published: fast, good, muddy, sloppy, firm, yielding, soft..."),
    "going": ("going", "alias of track_condition"),
    "is_wet": ("is_wet", "going is wet (muddy, sloppy, yielding, soft, heavy...)"),
    "surface": ("surface", "dirt, turf or synthetic"),
    "distance_m": ("distance_m", "race distance in metres"),
    "track": ("track_code", "track code (BEL, CD, ...)"),
    "race_class": ("race_class", "class code (CLM, ALW, STK, ...)"),
    "field_size": ("field_size", "runners in the race"),
    "odds": ("odds", "decimal odds at decision time (final odds when no snapshots: see uses_final_odds)"),
    "current_odds": ("odds", "alias of odds (the seed's name)"),
    "implied_probability": ("implied_probability", "1 / odds"),
    "morning_line_odds": ("morning_line_odds", "morning line as decimal odds"),
    "odds_rank": ("odds_rank", "rank of the decision odds in the race (1 = favourite)"),
    "post_position": ("post_position", "starting gate"),
    "horse_age": ("horse_age", "age in years"),
    "weight_lbs": ("weight_lbs", "weight carried"),
}
FIELDS: dict[str, tuple[str, str]] = {**RACE_FIELDS, **{name: (name, doc) for name, doc in FEATURES.items()}}
ODDS_FIELDS = {"odds", "current_odds", "morning_line_odds"}
TEXT_FIELDS = {"track_condition", "going", "surface", "track", "race_class"}
FLAG_FIELDS = {"is_wet", "is_debut", "is_wet_dirt"}
OPERATORS = ("eq", "in", "gte", "lte", "between")


class RuleError(ParameterError):
    """A rule naming an unknown field or operator, or with a malformed value."""


def _value(field: str, value: Any) -> Any:
    """A rule's value checked against its field's kind (text, yes/no or number), so a rule that validates can always
    be evaluated: ``{"field_size": {"eq": []}}`` is refused here, not by a TypeError mid-backtest."""
    if field in ODDS_FIELDS and isinstance(value, str):
        try:
            return float(parse_odds_text(value))
        except OddsError as error:
            raise RuleError(f"rule on {field!r}: {error}") from None
    if field in TEXT_FIELDS:
        if not isinstance(value, str):
            raise RuleError(f"rule on {field!r}: {value!r} is not text")
        return value.lower()
    if field in FLAG_FIELDS and isinstance(value, bool):
        return value  # flags also take 0 / 1 like any number
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RuleError(f"rule on {field!r}: {value!r} is not a number")
    return float(value)


def validate_rules(rules: dict | str) -> dict[str, dict[str, Any]]:
    """Parsed (JSON text accepted), checked and normalised rules; raises :class:`RuleError`."""
    if isinstance(rules, str):
        try:
            rules = json.loads(rules)
        except json.JSONDecodeError as error:
            raise RuleError(f"rules are not valid JSON: {error}") from None
    if not isinstance(rules, dict) or not rules:
        raise RuleError("rules must be a non-empty mapping of field → condition")
    clean = {}
    for field, condition in rules.items():
        if field not in FIELDS:
            raise RuleError(f"unknown rule field {field!r}; valid fields: {', '.join(sorted(FIELDS))}")
        if not isinstance(condition, dict) or not condition:
            raise RuleError(f"condition for {field!r} must be a mapping such as {{\"gte\": 0.3}}")
        for op, value in condition.items():
            if op not in OPERATORS:
                raise RuleError(f"unknown operator {op!r} on {field!r}; valid operators: {', '.join(OPERATORS)}")
            if op in ("in", "between") and not isinstance(value, (list, tuple)) or \
                    op == "between" and len(value) != 2:
                raise RuleError(f"{field!r} {op} needs a list{' of two values' if op == 'between' else ''}")
        clean[field] = {op: [_value(field, v) for v in value] if op in ("in", "between") else _value(field, value)
                        for op, value in condition.items()}
    return clean


def evaluate(rules: dict[str, dict[str, Any]], frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of rows matching every rule (vectorized; NaN never matches)."""
    mask = np.ones(len(frame), dtype=bool)
    for field, condition in rules.items():
        column = frame[FIELDS[field][0]]
        if column.dtype == object:
            column = column.str.lower()
        present = column.notna().to_numpy()
        for op, value in condition.items():
            if op == "eq":
                hit = column == value
            elif op == "in":
                hit = column.isin(value)
            elif op == "gte":
                hit = column >= value
            elif op == "lte":
                hit = column <= value
            else:
                hit = (column >= value[0]) & (column <= value[1])
            mask &= present & hit.fillna(False).to_numpy(dtype=bool)
    return mask


@register
class RuleBased(Strategy):
    name = "rule_based"
    description = "The seed's JSON rules (fields in backtests.strategies.rules.FIELDS; eq/in/gte/lte/between)."
    params = {"rules": Param({"track_condition": {"in": ["muddy", "sloppy"]}, "horse_wet_win_rate": {"gte": 0.3},
                              "odds": {"gte": "4:1"}},
                             "mapping (or JSON text) of field → condition", (dict, str))}

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.values["rules"] = validate_rules(self.values["rules"])

    def select(self, context: Context) -> pd.DataFrame:
        return context.decisions[evaluate(self.rules, context.decisions)]
