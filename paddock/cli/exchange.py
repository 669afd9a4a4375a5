"""``paddock exchange``: load Betfair stream files into the warehouse and look at a market, from a terminal.

``load`` runs the same load as the Dagster partitions (``ingestion.exchange.loading``) on any files, archives or
folders, then rebuilds the exchange marts through ``exchange_marts_job`` in this process, recorded in the Dagster
instance like a UI launch. A file that cannot be read is one line naming it and the line; the others still load and the
command exits non-zero.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paddock import db
from paddock.cli.errors import fail, user_errors

exchange_app = typer.Typer(help="Betfair Exchange history: stream files into the warehouse.", no_args_is_help=True)
console = Console()


def _engine() -> sa.Engine:
    """The warehouse with its tables, reached once up front: an unreachable server is one line (exit 2)."""
    from ingestion.warehouse import ensure_warehouse_once

    with user_errors():
        db.export_runtime_env()
        db.check_reachable(db.warehouse_url())
        engine = db.warehouse_engine()
        ensure_warehouse_once(engine)
    return engine


@exchange_app.command("load")
def load(
    paths: list[Path] = typer.Argument(..., help="Stream files (plain, .bz2, .gz), .tar archives or folders."),
    marts: bool = typer.Option(True, help="Rebuild the exchange marts after loading."),
) -> None:
    """Load stream files into raw.exchange_* (gated, one transaction per market date), then rebuild the marts."""
    from ingestion.exchange.loading import load_exchange_files

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}")
    engine = _engine()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} markets"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("reading markets", total=None)
        result = load_exchange_files(engine, paths, run_id=f"cli-{uuid.uuid4().hex[:12]}",
                                     on_market=lambda record: progress.update(
                                         task, advance=1, description=record.market_id))
    report = result.report
    console.print(f"{result.markets_read} market(s) read; {report.describe()}", highlight=False)
    for error in result.errors:
        console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    ok = True
    if marts and result.markets_read:
        ok = _rebuild_marts()
    if result.errors or report.critical or not ok:
        raise typer.Exit(1)


def _rebuild_marts() -> bool:
    import dagster as dg

    from orchestration.definitions import defs
    from paddock.cli.runner import _execute
    from paddock.dbt_prep import prepare_manifest

    prepare_manifest()
    return _execute(defs(), "exchange_marts_job", dg.DagsterInstance.get(), console.print)


@exchange_app.command("show")
def show(market_id: str = typer.Argument(..., help="Betfair market id, e.g. 1.197931750.")) -> None:
    """Print a loaded market and its runners (final status, BSP, last traded price before the off)."""
    engine = _engine()
    with engine.connect() as conn:
        market = conn.execute(sa.text(
            "SELECT market_id, market_type, venue, country_code, market_time, status, number_of_winners, "
            "market_base_rate, total_matched, event_name, market_name FROM raw.exchange_markets "
            "WHERE market_id = :m"), {"m": market_id}).mappings().first()
        if market is None:
            raise fail(f"market {market_id!r} is not in raw.exchange_markets (load it with: paddock exchange load PATH)")
        runners = conn.execute(sa.text(
            "SELECT selection_id, runner_name, sort_priority, status, adjustment_factor, bsp, last_traded_price, "
            "total_matched FROM raw.exchange_runners WHERE market_id = :m ORDER BY sort_priority, selection_id"),
            {"m": market_id}).mappings().all()
    name = " ".join(str(market[k]) for k in ("venue", "event_name", "market_name") if market[k])
    console.print(f"[bold]{market['market_id']}[/bold] {market['market_type']} {name} ({market['country_code']}) "
                  f"off {market['market_time']:%Y-%m-%d %H:%M} UTC, {market['status']}, "
                  f"{market['number_of_winners']} winner(s), commission {market['market_base_rate']} %, "
                  f"matched {market['total_matched']}", highlight=False)
    table = Table("#", "selection", "runner", "status", "adj. factor", "BSP", "last traded", "matched")
    for r in runners:
        table.add_row(*("" if r[k] is None else str(r[k]) for k in (
            "sort_priority", "selection_id", "runner_name", "status", "adjustment_factor", "bsp",
            "last_traded_price", "total_matched")))
    console.print(table)
