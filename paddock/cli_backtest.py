"""``paddock backtest``: run, show, compare and export backtests from a terminal (the same engine and tables as the
Dagster ``backtest`` asset), with Rich tables and a progress bar."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paddock import db, settings

backtest_app = typer.Typer(help="Backtests: run strategies over the history in the marts.", no_args_is_help=True)
console = Console()


def _engine():
    db.export_runtime_env()
    return db.warehouse_engine()


def _json_option(value: str | None, option: str) -> dict:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint=option) from None
    if not isinstance(parsed, dict):
        raise typer.BadParameter("expected a JSON object", param_hint=option)
    return parsed


@backtest_app.command("list-strategies")
def list_strategies() -> None:
    """Every registered strategy with its parameters, and the named runs of the run list."""
    from backtests.store import load_run_specs, strategies_file
    from backtests.strategies import describe

    table = Table(title="strategies")
    for column in ("name", "market", "bet type", "parameters (default)", "description"):
        table.add_column(column, overflow="fold")
    for s in describe():
        params = ", ".join(f"{k}={v['default']!r}" for k, v in s["params"].items())
        table.add_row(s["name"], s["market"], s["bet_type"], params, s["description"])
    console.print(table)
    runs = Table(title=f"named runs ({strategies_file()})")
    for column in ("run", "strategy", "params", "staking"):
        runs.add_column(column, overflow="fold")
    for spec in load_run_specs().values():
        runs.add_row(spec.name, spec.strategy, json.dumps(spec.params), json.dumps(spec.staking))
    console.print(runs)


@backtest_app.command("run")
def run(
    strategy: str = typer.Option(..., "--strategy", help="a named run of the run list, or a registered strategy"),
    start: str = typer.Option(None, help="first race date (default: the history window's start)"),
    end: str = typer.Option(None, help="last race date (default: the history window's end)"),
    params: str = typer.Option(None, help='strategy parameters as JSON, e.g. \'{"max_odds": 5}\''),
    staking: str = typer.Option(None, help='staking as JSON, e.g. \'{"method": "kelly", "kelly_multiplier": 0.25}\''),
    bankroll: float = typer.Option(None, help="starting bankroll (default 1000)"),
    name: str = typer.Option(None, help="store under this run name (default: the strategy / run name)"),
) -> None:
    """Run one backtest on the marts and store it (marts.backtest_runs / backtest_bets / backtest_equity)."""
    from backtests.engine import run_backtest
    from backtests.frames import load_dividends, load_runners
    from backtests.store import NAME, RunSpec, load_run_specs, write_run
    from backtests.strategies import StrategyError, get_strategy

    spec = load_run_specs().get(strategy) or RunSpec(strategy, strategy)
    spec = RunSpec(name or spec.name, spec.strategy, {**spec.params, **_json_option(params, "--params")},
                   {**spec.staking, **_json_option(staking, "--staking")}, bankroll or spec.bankroll)
    if not NAME.match(spec.name):
        raise typer.BadParameter(f"run name {spec.name!r} must match {NAME.pattern}", param_hint="--name")
    try:
        chosen = get_strategy(spec.strategy, spec.params)
        plan = spec.staking_plan()
    except (StrategyError, ValueError, TypeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    first = start or settings.history_start().isoformat()
    last = end or settings.history_end().isoformat()
    engine = _engine()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("loading runners from the marts", total=3)
        frame = load_runners(engine, first, last)
        if frame.empty:
            console.print(f"[red]no runners in marts.fct_runners between {first} and {last}[/red]")
            raise typer.Exit(1)
        progress.update(task, advance=1, description=f"deciding and settling {len(frame):,} runners")
        dividends = load_dividends(engine, first, last) if chosen.needs_dividends else None
        result = run_backtest(chosen, frame, start=first, end=last, staking=plan, bankroll=spec.bankroll,
                              dividends=dividends)
        progress.update(task, advance=1, description="storing the run")
        written = write_run(engine, spec.name, result)
        progress.update(task, advance=1)
    console.print(f"stored run [bold]{spec.name}[/bold]: {written['bets']:,} bets, {written['equity']:,} days")
    _print_metrics(spec.name, result.metrics, result.uses_final_odds)


def _print_metrics(name: str, metrics: dict, uses_final_odds: bool) -> None:
    from backtests.report import HEADLINE, fmt

    table = Table(title=f"{name}{' (decided on final odds)' if uses_final_odds else ''}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for metric in HEADLINE:
        if metric in metrics:
            table.add_row(metric, fmt(metric, metrics[metric]))
    console.print(table)


@backtest_app.command("show")
def show(name: str = typer.Argument(..., help="a stored run name")) -> None:
    """The stored metrics of one run."""
    from backtests.store import read_runs

    runs = read_runs(_engine(), [name])
    if runs.empty:
        console.print(f"[red]no stored run {name!r}; `paddock backtest compare` lists them[/red]")
        raise typer.Exit(1)
    row = runs.iloc[0].to_dict()
    console.print(f"{row['strategy']} {json.dumps(row['params'])} · {row['start_date']}..{row['end_date']} · "
                  f"staking {json.dumps(row['staking'])} · code {row['code_version']}")
    _print_metrics(name, row, bool(row["uses_final_odds"]))


@backtest_app.command("compare")
def compare(names: list[str] = typer.Argument(None, help="run names (default: every stored run)")) -> None:
    """Stored runs side by side, best ROI first, with the verdict."""
    from backtests.report import comparison, fmt, verdict
    from backtests.store import read_runs

    table = comparison(read_runs(_engine(), names or None))
    if table.empty:
        console.print("[yellow]no stored runs yet: `paddock backtest run --strategy favourite_flat`[/yellow]")
        raise typer.Exit(1)
    out = Table(title="backtest comparison")
    for column in ("run", "strategy", "bets", "ROI", "ROI 95% CI", "Sharpe", "max DD", "win rate"):
        out.add_column(column, justify="left" if column in ("run", "strategy") else "right")
    for r in table.itertuples():
        out.add_row(r.run_name, r.strategy, fmt("bets", r.bets), fmt("roi", r.roi),
                    f"{fmt('roi', r.roi_ci_low)} … {fmt('roi', r.roi_ci_high)}", fmt("sharpe", r.sharpe),
                    fmt("max_drawdown", r.max_drawdown), fmt("win_rate", r.win_rate))
    console.print(out)
    console.print(verdict(table)["verdict"])


@backtest_app.command("export")
def export(
    name: str = typer.Argument(..., help="a stored run name"),
    out: Path = typer.Option(Path("."), help="folder to write into"),
    csv: bool = typer.Option(False, "--csv", help="three CSV files: run, bets, equity"),
) -> None:
    """Write a stored run as JSON (default: run + equity + bets in one document) or as CSV files."""
    import pandas as pd
    import sqlalchemy as sa

    engine = _engine()
    frames = {}
    with engine.connect() as conn:
        for part, table in (("run", "backtest_runs"), ("bets", "backtest_bets"), ("equity", "backtest_equity")):
            order = {"run": "run_name", "bets": "bet_number", "equity": "date"}[part]
            frames[part] = pd.read_sql_query(sa.text(f"SELECT * FROM marts.{table} WHERE run_name = :n "
                                                     f"ORDER BY {order}"), conn, params={"n": name})
    if frames["run"].empty:
        console.print(f"[red]no stored run {name!r}[/red]")
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    if csv:
        paths = [out / f"{name}_{part}.csv" for part in frames]
        for path, frame in zip(paths, frames.values()):
            frame.to_csv(path, index=False)
    else:
        paths = [out / f"{name}.json"]
        document = {part: json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
                    for part, frame in frames.items()}
        paths[0].write_text(json.dumps(document, indent=1))
    for path in paths:
        console.print(f"wrote {path}")
