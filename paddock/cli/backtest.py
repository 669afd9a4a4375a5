"""``paddock backtest``: run, show, compare and export backtests from a terminal (the same engine and tables as the
Dagster ``backtest`` asset), with Rich tables and a progress bar."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paddock import db, settings
from paddock.cli.errors import user_errors

backtest_app = typer.Typer(help="Backtests: run strategies over the history in the marts.", no_args_is_help=True)
console = Console()


def _engine():
    """The warehouse, reached once up front: an unreachable server is one line (exit 2), not a traceback."""
    with user_errors():
        db.export_runtime_env()
        db.check_reachable(db.warehouse_url())
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


def _date_option(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def default_run_name(listed, spec, first: str, last: str) -> str:
    """``<run>-<start>-<end>``, plus ``-<6 hex>`` of the parameters when they differ from the run list's: the name
    says what was tested and never equals a partition (partition names carry no dates)."""
    suffix = f"-{first}-{last}"
    if (spec.params, spec.staking, spec.bankroll) != (listed.params, listed.staking, listed.bankroll):
        key = json.dumps([spec.params, spec.staking, spec.bankroll], sort_keys=True, default=str)
        suffix += "-" + hashlib.sha256(key.encode()).hexdigest()[:6]
    return listed.name[: 63 - len(suffix)].rstrip("_-") + suffix


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
    name: str = typer.Option(None, help="store under this run name (default: <run>-<start>-<end>, plus a hash of "
                                         "changed parameters)"),
    replace: bool = typer.Option(False, "--replace", help="overwrite a different run stored under the same name "
                                                          "(e.g. a Dagster backtest partition)"),
    files: list[Path] = typer.Option([], "--files", help="exchange runs: stream files or folders to replay "
                                                        "(default: the landing folder, PADDOCK_EXCHANGE_DIR)"),
) -> None:
    """Run one backtest on the marts and store it (marts.backtest_runs / backtest_bets / backtest_equity). An exchange
    run of the run list (exchange_runs) replays the landed Betfair files instead; an odds run (odds_runs) decides on
    the recorded bookmaker snapshots (backfilled or polled) of its sports.

    The default name carries the window (and a hash of any parameter changed from the run list), so a hand-run
    backtest never takes the name of a Dagster partition; reusing a name that holds a different run needs --replace.
    """
    from backtests.engine import run_backtest
    from backtests.exchange.runs import load_exchange_specs
    from backtests.frames import load_dividends, load_runners
    from backtests.odds_runs import load_odds_specs
    from backtests.store import NAME, RunNameTaken, RunSpec, describe_identity, load_run_specs, stored_identity, write_run
    from backtests.strategies import StrategyError, get_strategy

    exchange = load_exchange_specs().get(strategy)
    if exchange is not None:  # a Betfair replay: its window defaults to the market dates of the files
        from paddock.cli.exchange_backtest import run_exchange

        first, last = _date_option(start, "--start"), _date_option(end, "--end")
        run_name = name or f"{exchange.name}-{first or 'all'}-{last or 'all'}"
        metrics = run_exchange(exchange, first, last, run_name, replace, files, _engine())
        _print_metrics(run_name, metrics, False)
        return
    odds = load_odds_specs().get(strategy)
    if odds is not None:  # recorded bookmaker snapshots: its window defaults to every settled event of its sports
        from paddock.cli.odds_backtest import run_odds

        first, last = _date_option(start, "--start"), _date_option(end, "--end")
        run_name = name or f"{odds.name}-{first or 'all'}-{last or 'all'}"
        metrics = run_odds(odds, first, last, run_name, replace, _json_option(params, "--params"),
                           _json_option(staking, "--staking"), bankroll, _engine())
        _print_metrics(run_name, metrics, False)
        return
    first = _date_option(start, "--start") or settings.history_start().isoformat()
    last = _date_option(end, "--end") or settings.history_end().isoformat()
    if first > last:
        raise typer.BadParameter(f"{first} is after --end {last}", param_hint="--start")
    listed = load_run_specs().get(strategy) or RunSpec(strategy, strategy)
    spec = RunSpec(listed.name, listed.strategy, {**listed.params, **_json_option(params, "--params")},
                   {**listed.staking, **_json_option(staking, "--staking")}, bankroll or listed.bankroll)
    spec = RunSpec(name or default_run_name(listed, spec, first, last), spec.strategy, spec.params, spec.staking,
                   spec.bankroll)
    if not NAME.match(spec.name):
        raise typer.BadParameter(f"run name {spec.name!r} must match {NAME.pattern}", param_hint="--name")
    try:
        chosen = get_strategy(spec.strategy, spec.params)
        plan = spec.staking_plan()
    except (StrategyError, ValueError, TypeError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    engine = _engine()
    taken = stored_identity(engine, spec.name)
    if taken is not None and not replace:  # checked again, atomically, when the run is written
        console.print(f"[yellow]run name {spec.name!r} holds {describe_identity(taken)}; it is replaced only if this "
                      "run is the same one (else pass --replace or another --name)[/yellow]", soft_wrap=True)
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
        try:
            written = write_run(engine, spec.name, result, replace=replace)
        except RunNameTaken as exc:
            console.print(f"[red]{exc}: pass --replace, or --name to store it beside[/red]", soft_wrap=True)
            raise typer.Exit(1) from None
        progress.update(task, advance=1)
    replaced = f" (replaced {describe_identity(taken)})" if taken is not None else ""
    console.print(f"stored run [bold]{spec.name}[/bold] over {first}..{last}: {written['bets']:,} bets, "
                  f"{written['equity']:,} days{replaced}", soft_wrap=True)
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
    for column in ("run", "strategy", "window", "bets", "ROI", "ROI 95% CI", "Sharpe", "max DD", "win rate"):
        # the window is what makes two rows comparable: never wrapped or cut, whatever the terminal's width
        out.add_column(column, justify="left" if column in ("run", "strategy", "window") else "right",
                       no_wrap=column == "window", min_width=22 if column == "window" else None)
    for r in table.itertuples():
        out.add_row(r.run_name, r.strategy, r.window, fmt("bets", r.bets), fmt("roi", r.roi),
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
