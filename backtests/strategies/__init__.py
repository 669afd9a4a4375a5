"""The strategy registry: every runnable strategy by name, with validated parameters.

``get_strategy("favourite_flat")`` or ``get_strategy("rule_based", {"rules": {...}})`` builds one; an unknown name
raises :class:`UnknownStrategyError` listing the valid names. Importing this package registers the built-in
strategies (racing, rules, the walk-forward model, the planted-edge hunters, sports), so the Dagster partitions
and the CLI list the same names.
"""
from __future__ import annotations

from backtests.strategies import edges, exotic_box, racing, rules, sports, value_model  # noqa: F401 (registers)
from backtests.strategies.base import (Context, Param, ParameterError, Strategy, StrategyError,
                                       UnknownStrategyError)
from backtests.strategies.registry import REGISTRY, describe, get_strategy, list_strategies, register

__all__ = ["Context", "Param", "ParameterError", "REGISTRY", "Strategy", "StrategyError", "UnknownStrategyError",
           "describe", "get_strategy", "list_strategies", "register"]
