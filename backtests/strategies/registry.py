"""The strategy registry itself: every runnable strategy class by name, and how to build one with its parameters.

A module of its own, not the package ``__init__``: each strategy module registers itself here with ``@register``, and
the package imports those modules to fill the registry, so the registry must not be the package they import back
(that was an import cycle between the package and every strategy module).
"""
from __future__ import annotations

from typing import Any

from backtests.strategies.base import Strategy, UnknownStrategyError

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
