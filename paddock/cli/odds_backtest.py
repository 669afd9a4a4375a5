"""``paddock backtest run --strategy <odds run>``: a backtest on recorded bookmaker snapshots, from a terminal.

The named runs are the ``odds_runs`` of the run list (``backtests.odds_runs``): every book's prices as of the
decision time through ``backtests.odds_at``, settled on the final scores the /scores poll stored, stored beside every
other run so ``paddock backtest show|compare`` treat it like a racing one. Its window defaults to every settled event
of its sports in the warehouse; the closing-line value is printed with the metrics.
"""
from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

console = Console()


def run_odds(spec, first: str | None, last: str | None, name: str, replace: bool, params: dict, staking: dict,
             bankroll: float | None, engine) -> dict:
    """Decide, settle, store and summarise one odds run; returns the metrics. Exits 1 when there is nothing to
    decide on or the name holds another run, 2 on bad parameters."""
    from dataclasses import replace as changed

    from backtests.odds_runs import run_odds_spec
    from backtests.store import RunNameTaken, write_run
    from backtests.strategies import StrategyError, get_strategy

    run = changed(spec.run, params={**spec.run.params, **params}, staking={**spec.run.staking, **staking},
                  bankroll=bankroll or spec.run.bankroll)
    try:
        get_strategy(run.strategy, run.params)
        run.staking_plan()
    except (StrategyError, ValueError, TypeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    start, end = (date.fromisoformat(first) if first else None), (date.fromisoformat(last) if last else None)
    console.print(f"{spec.name}: {run.strategy} on {', '.join(spec.sports)}, decided {spec.decision_hours:g} h "
                  f"before the start against {spec.sharp_book}")
    try:
        result = run_odds_spec(engine, changed(spec, run=run), start, end)
        written = write_run(engine, name, result, replace=replace)
    except RunNameTaken as exc:
        console.print(f"[red]{exc}: pass --replace, or --name to store it beside[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    with_clv = int(result.bets["closing_odds"].notna().sum())
    console.print(f"stored run [bold]{name}[/bold] over {result.start}..{result.end}: {written['bets']:,} bets "
                  f"({with_clv:,} with a closing line on the same line) of {result.decisions:,} decisions")
    return result.metrics
