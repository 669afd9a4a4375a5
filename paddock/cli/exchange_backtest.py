"""``paddock backtest run --strategy <exchange run>``: an exchange run of the run list replayed from a terminal.

The same code as the ``exchange_backtest`` asset (``backtests.exchange.runs``), over the landed stream files of
``PADDOCK_EXCHANGE_DIR`` — or the files and folders given with ``--files`` — stored beside every other run, so
``paddock backtest show|compare`` treat it like a racing one. Per-market P&L before and after commission and the
fill rate are printed under the metrics.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def run_exchange(spec, first: str | None, last: str | None, name: str, replace: bool, files: list[Path],
                 engine) -> dict:
    """Replay, store and print one exchange run; returns the metrics. Exits 1 when no market is in the window."""
    from backtests.exchange.runs import run_exchange_spec
    from backtests.exchange.store import write_exchange_run
    from backtests.store import RunNameTaken
    from ingestion.exchange.landing import files_in_window, landed_files
    from ingestion.exchange.messages import market_base_rates, merged_messages
    from paddock import settings

    folder = settings.exchange_dir()
    wanted = (date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)
    paths, start, end = files_in_window(list(files) or landed_files(folder), *wanted)
    if not paths:
        where = ", ".join(map(str, files)) if files else f"{folder} (PADDOCK_EXCHANGE_DIR)"
        console.print(f"[red]no Betfair stream files with markets in {start}..{end} under {where}[/red]")
        raise typer.Exit(1)
    console.print(f"replaying {len(paths)} stream files, market dates {start}..{end}")
    result, markets, replay = run_exchange_spec(spec, merged_messages(paths), market_base_rates(paths), start, end)
    try:
        written = write_exchange_run(engine, name, result, markets, replace=replace)
    except RunNameTaken as exc:
        console.print(f"[red]{exc}: pass --replace, or --name to store it beside[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"stored run [bold]{name}[/bold]: {written['bets']:,} bets over {written['markets']:,} markets")
    table = Table(title="per market (first 10)")
    for column in ("market", "venue", "type", "asked", "matched", "fill", "before comm.", "comm.", "after comm."):
        table.add_column(column, justify="left" if column in ("market", "venue", "type") else "right")
    for row in markets[:10]:
        table.add_row(row["market_id"], row["venue"] or "", row["market_type"] or "", str(row["requested_size"]),
                      str(row["matched_size"]), str(row["fill_rate"]), str(row["gross_profit"]),
                      str(row["commission"]), str(row["net_profit"]))
    console.print(table)
    for market_id, reason in replay.unsettled.items():
        console.print(f"[yellow]{market_id} not settled: {reason}[/yellow]", soft_wrap=True)
    return result.metrics
