"""The strategy registry: every runnable strategy by name, with validated parameters.

``get_strategy("favourite_flat")`` or ``get_strategy("rule_based", {"rules": {...}})`` builds one; an unknown name
raises :class:`UnknownStrategyError` listing the valid names. Importing this package registers the built-in
strategies (racing, rules, the walk-forward model, the planted-edge hunters, sports), so the Dagster partitions
and the CLI list the same names.
"""
from __future__ import annotations

from typing import Any

from backtests.strategies.base import (Context, Param, ParameterError, Strategy, StrategyError,
                                       UnknownStrategyError)

REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    if cls.name in REGISTRY:
        raise ValueError(f"strategy {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def list_strategies() -> list[str]:
    return sorted(REGISTRY)


def get_strategy(name: str, params: dict[str, Any] | None = None) -> Strategy:
    if name not in REGISTRY:
        raise UnknownStrategyError(name, list_strategies())
    return REGISTRY[name](**(params or {}))


def describe() -> list[dict[str, Any]]:
    """Name, market, bet type, description and parameters (default, doc) of every strategy, for listings."""
    return [{"name": n, "market": c.market, "bet_type": c.bet_type, "description": c.description,
             "params": {k: {"default": p.default, "doc": p.doc} for k, p in c.params.items()}}
            for n, c in sorted(REGISTRY.items())]


from backtests.strategies import edges, exotic_box, racing, rules, sports, value_model  # noqa: E402,F401 (registers)

__all__ = ["Context", "Param", "ParameterError", "REGISTRY", "Strategy", "StrategyError", "UnknownStrategyError",
           "describe", "get_strategy", "list_strategies", "register"]
