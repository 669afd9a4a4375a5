"""The named backtests on recorded bookmaker snapshots (``odds_runs:`` of the run list) and one run of them.

Kept out of the default ``runs:`` list on purpose: those are the racing runs every ``paddock run`` and Dagster
``backtest`` partition evaluates (odds runs are the partitions of ``marts/odds_backtest``, launched by hand), while
an odds run needs backfilled (or polled) snapshots and final scores of the sports it names — history a user fills with ``paddock odds backfill`` first. An entry is a racing run's keys
(strategy, params, staking, bankroll, description) plus ``sports`` (Odds API sport keys), ``decision_hours`` (bets are
decided that long before the start, on the prices ``odds_at`` returns for that moment) and ``sharp_book``. Only
strategies that decide on every book's prices (``needs_book_prices``) are accepted, checked when the list is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from backtests.betting.value import DEFAULT_SHARP_BOOK
from backtests.engine import BacktestResult, run_prepared
from backtests.sports_prices import load_sports_prices
from backtests.store import RunListError, RunSpec, parse_run_entry, read_run_list
from backtests.strategies import get_strategy

EXTRA_KEYS = frozenset({"sports", "decision_hours", "sharp_book"})


@dataclass(frozen=True)
class OddsRunSpec:
    run: RunSpec
    sports: tuple[str, ...]
    decision_hours: float = 1.0
    sharp_book: str = DEFAULT_SHARP_BOOK

    @property
    def name(self) -> str:
        return self.run.name


def load_odds_specs(path: Path | None = None) -> dict[str, OddsRunSpec]:
    """The ``odds_runs`` of the run list (none is fine: the section is optional)."""
    path, document = read_run_list(path)
    specs = {}
    for name, entry in (document.get("odds_runs") or {}).items():
        run = parse_run_entry(path, name, entry, EXTRA_KEYS)
        if not get_strategy(run.strategy, run.params).needs_book_prices:
            raise RunListError(f"{path}: odds run {name!r}: {run.strategy} does not decide on bookmaker prices")
        sports = entry.get("sports")
        sports = [sports] if isinstance(sports, str) else sports
        if not sports or not all(isinstance(s, str) and s for s in sports):
            raise RunListError(f"{path}: odds run {name!r} needs 'sports': a list of Odds API sport keys")
        hours = entry.get("decision_hours", 1.0)
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
            raise RunListError(f"{path}: odds run {name!r}: decision_hours must be a positive number")
        specs[name] = OddsRunSpec(run, tuple(sports), float(hours), str(entry.get("sharp_book", DEFAULT_SHARP_BOOK)))
    return specs


def run_odds_spec(engine, spec: OddsRunSpec, start: date | None = None, end: date | None = None) -> BacktestResult:
    """Decide and settle ``spec`` on the warehouse's snapshots of its sports (settled events starting in
    ``start``..``end``, default all). Raises ValueError when there is nothing to decide on."""
    prepared = load_sports_prices(engine, spec.sports, start, end, decision_hours=spec.decision_hours,
                                  sharp_book=spec.sharp_book)
    if prepared.decisions.empty:
        raise ValueError(f"no settled {', '.join(spec.sports)} events with prices {spec.decision_hours:g} h before "
                         f"the start in {start or 'any'}..{end or 'any'}: backfill them (paddock odds backfill) and "
                         "poll their scores first")
    return run_prepared(get_strategy(spec.run.strategy, spec.run.params), prepared, start=start, end=end,
                        staking=spec.run.staking_plan(), bankroll=spec.run.bankroll)
