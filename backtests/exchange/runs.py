"""The named exchange backtests (``exchange_runs:`` of the run list, ``backtests/strategies.yaml``) and one run of
them over stream messages.

Kept apart from the racing run list (``backtests.store.load_run_specs``) because an exchange run names a replay
strategy and its fields, not a registry strategy and a staking plan; both lists live in one file so a user sees
every backtest the platform runs in one place. Validated when read: an unknown strategy or field fails the code
location with the valid names, not a run later. Plain Python: the caller reads the files (``ingestion.exchange``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from backtests.exchange import strategies
from backtests.exchange.replay import Replay, ReplayResult
from backtests.store import NAME, RunListError, read_run_list

STRATEGIES = {"back_favourite": strategies.BackFavourite, "lay_favourite": strategies.LayFavourite,
              "bsp_back_favourite": strategies.BspBackFavourite,
              "value_vs_projected_sp": strategies.ValueAgainstProjectedSp,
              "follow_steamers": strategies.FollowSteamers, "steamer_bsp": strategies.SteamerBsp}
_STATE_FIELDS = {"done", "seen", "backed", "reference"}  # what a strategy remembers while it runs: not parameters


@dataclass(frozen=True)
class ExchangeRunSpec:
    name: str
    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    bankroll: float = 1000.0
    discount: float = 0.0
    description: str = ""

    def make_strategy(self):
        """A fresh strategy (it keeps per-market memory) with the parameters as their fields' types."""
        cls = STRATEGIES.get(self.strategy)
        if cls is None:
            raise ValueError(f"unknown exchange strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        fields = {f.name: f for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
        allowed = set(fields) - _STATE_FIELDS
        unknown = set(self.params) - allowed
        if unknown:
            raise ValueError(f"{self.strategy} has no parameter {sorted(unknown)}; it takes {sorted(allowed)}")
        values = {k: None if v is None else Decimal(str(v)) if "Decimal" in str(fields[k].type) else float(v)
                  for k, v in self.params.items()}
        return cls(**values)

    @property
    def stake(self) -> float:
        return float(self.params.get("stake", 2))


def load_exchange_specs(path: Path | None = None) -> dict[str, ExchangeRunSpec]:
    """The ``exchange_runs`` of the run list (none is fine: the section is optional)."""
    path, document = read_run_list(path)
    runs = document.get("exchange_runs") or {}
    specs = {}
    for name, entry in runs.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise RunListError(f"{path}: exchange run name {name!r} must match {NAME.pattern}")
        if not isinstance(entry, dict) or "strategy" not in entry:
            raise RunListError(f"{path}: exchange run {name!r} needs a 'strategy'")
        unknown = set(entry) - {"strategy", "params", "bankroll", "discount", "description"}
        if unknown:
            raise RunListError(f"{path}: exchange run {name!r} has unknown keys {sorted(unknown)}")
        spec = ExchangeRunSpec(name, entry["strategy"], dict(entry.get("params") or {}),
                               float(entry.get("bankroll", 1000.0)), float(entry.get("discount", 0.0)),
                               str(entry.get("description", "")))
        try:
            spec.make_strategy()
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise RunListError(f"{path}: exchange run {name!r}: {exc}") from exc
        specs[name] = spec
    return specs


def run_exchange_spec(spec: ExchangeRunSpec, messages: Iterable, base_rates: Mapping[str, float],
                      start: date, end: date):
    """Replay ``messages`` through the spec's strategy: (BacktestResult, per-market rows, the replay itself)."""
    from backtests.exchange.results import backtest_result, market_rows

    replay: ReplayResult = Replay(spec.make_strategy(), bankroll=Decimal(str(spec.bankroll)),
                                  discount=Decimal(str(spec.discount)), base_rates=base_rates).run(messages)
    result = backtest_result(replay, strategy=spec.strategy, params=spec.params, start=start, end=end,
                             bankroll=spec.bankroll, stake=spec.stake)
    return result, market_rows(replay), replay
