"""What a strategy is: named, parameterised, and given only what was knowable when the bet was placed.

A strategy's ``select(context)`` returns the rows of ``context.decisions`` it bets on (same index), optionally with a
``probability`` column (its own estimate of winning; fractional Kelly staking needs it). ``context.decisions`` has no
outcome columns at all, and ``context.training_rows(day)`` hands out outcomes of races strictly before ``day``:
walk-forward models train through it and cannot reach further. Parameters are declared as :class:`Param` and
validated on construction, so a typo in a config file fails before a ten-year backtest starts, not after.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd


class StrategyError(ValueError):
    """Base of every strategy configuration error; a ValueError so generic callers can still catch it."""


class UnknownStrategyError(StrategyError):
    def __init__(self, name: str, valid: list[str]) -> None:
        self.name, self.valid = name, valid
        super().__init__(f"unknown strategy {name!r}; valid strategies: {', '.join(valid)}")


class ParameterError(StrategyError):
    """A parameter that does not exist, has the wrong type or is out of range; the message lists the valid ones."""


@dataclass(frozen=True)
class Param:
    default: Any
    doc: str
    kind: type | tuple[type, ...] = float
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None

    def check(self, strategy: str, name: str, value: Any) -> Any:
        if value is None and self.default is None:
            return None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.kind is float and number:
            value = float(value)
        elif self.kind is int and not (isinstance(value, int) and not isinstance(value, bool)) or \
                self.kind not in (float, int) and not isinstance(value, self.kind) or self.kind is float and not number:
            raise ParameterError(f"{strategy}.{name} must be {getattr(self.kind, '__name__', self.kind)}, "
                                 f"got {value!r}")
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            raise ParameterError(f"{strategy}.{name} must be within [{self.low}, {self.high}], got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"{strategy}.{name} must be one of {self.choices}, got {value!r}")
        return value


@dataclass
class Context:
    """What a strategy may look at: the window's decisions (no outcomes) and walk-forward access to the past.

    Every column of a decision row is known before that race. Rows of *later* races are in ``decisions`` too (the
    whole window is decided at once), and their prior-only features do reflect earlier results in the window, so a
    strategy decides each row from that row and its own race, never by looking up a later row; the permutation
    test in ``tests/unit/test_backtests_engine.py`` holds every built-in strategy to it. Anything learned across
    races goes through :meth:`training_rows`, which only reaches races dated strictly before its cut-off.
    """

    decisions: pd.DataFrame
    _history: pd.DataFrame = field(repr=False)
    _labels: pd.Series = field(repr=False)

    def training_rows(self, before, since=None) -> tuple[pd.DataFrame, pd.Series]:
        """(decision rows of the loaded history, ``won``) for races dated in [since, before)."""
        days = self._history["race_date"]
        keep = days < pd.Timestamp(before)
        if since is not None:
            keep &= days >= pd.Timestamp(since)
        rows = self._history[keep]
        return rows, self._labels.reindex(rows.index)


class Strategy:
    """Subclass, set ``name``/``market``/``params``, implement ``select``; ``@register`` makes it runnable by name."""

    name: ClassVar[str]
    market: ClassVar[str] = "racing"  # racing | sports
    bet_type: ClassVar[str] = "win"
    needs_dividends: ClassVar[bool] = False  # settles on official dividends (exotics): loaders must fetch them
    needs_book_prices: ClassVar[bool] = False  # decides on every book's recorded prices (sports_prices), not a file
    description: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.params)
        if unknown:
            raise ParameterError(f"{self.name} has no parameter(s) {sorted(unknown)}; valid parameters: "
                                 f"{', '.join(sorted(self.params)) or 'none'}")
        self.values = {k: p.check(self.name, k, values.get(k, p.default)) for k, p in self.params.items()}

    def __getattr__(self, item: str) -> Any:
        values = self.__dict__.get("values", {})
        if item in values:
            return values[item]
        raise AttributeError(item)

    def select(self, context: Context) -> pd.DataFrame:
        raise NotImplementedError
