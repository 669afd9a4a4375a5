"""The ``paddock`` command: start, run and serve the platform on the embedded Postgres or a configured one.

The roof of the import graph: the CLI drives ``orchestration`` (and through it everything else) and nothing imports
it, so it lives apart from the runtime glue in ``paddock/`` that the Dagster definitions themselves import. The
definitions are still imported inside the commands, after the settings are checked and the local simulators have
put their URLs in the environment that the resources read when the definitions load.
"""
from __future__ import annotations

import os
import subprocess
import sys


import typer
from rich.console import Console

from paddock import db, settings
from paddock.cli.backtest import _date_option, backtest_app
from paddock.cli.errors import fail as user_error, user_errors
from paddock.cli.exchange import exchange_app
from paddock.cli.odds import odds_app
from paddock.cli.status_report import status
from paddock.dbt_prep import prepare_manifest
from paddock.processes import run_until_stopped
from paddock.quick_exit import skip_final_collections

skip_final_collections()  # a command that loaded the definitions exits without collecting them

app = typer.Typer(help="paddock: horse racing and betting analytics on Dagster + dbt + PostgreSQL.", no_args_is_help=True)
db_app = typer.Typer(help="The warehouse database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(backtest_app, name="backtest")
app.add_typer(exchange_app, name="exchange")
app.add_typer(odds_app, name="odds")
console = Console()


def _prepare() -> dict[str, str]:
    """Check the settings, reach both databases and create the warehouse tables; a wrong setting or an unreachable
    server is a one-line error (exit 2) before anything is written."""
    with user_errors():
        settings.check()
        env = db.export_runtime_env()
        from ingestion.warehouse import ensure_warehouse_once

        ensure_warehouse_once(db.warehouse_engine())
        db.check_reachable(env["DAGSTER_POSTGRES_URL"])
    prepare_manifest()
    return env


@app.command()
def run(
    start: str = typer.Option(None, help="First race date (default PADDOCK_HISTORY_START, else Jan 1 of last year)."),
    end: str = typer.Option(None, help="Last race date (default PADDOCK_HISTORY_END, else yesterday, UTC)."),
) -> None:
    """Materialize the whole asset graph once over a range of race dates, backtests and their comparison included;
    exit non-zero on failure."""
    start, end = _date_option(start, "--start"), _date_option(end, "--end")
    with user_errors():
        settings.check()
        first = start or settings.history_start().isoformat()
        last = end or settings.history_end().isoformat()
    if first > last:
        raise user_error(f"--start {first} is after --end {last}")
    first_partition, today = settings.history_start().isoformat(), settings.utc_today().isoformat()
    if first < first_partition:  # Dagster's own refusal is a 40-line traceback
        raise user_error(f"--start {first} is before the first race-date partition, {first_partition} "
                         "(PADDOCK_HISTORY_START)")
    if last >= today:
        raise user_error(f"--end {last} is not before today ({today}, UTC): the last race-date partition is "
                         "yesterday's")
    _prepare()
    from orchestration.defs.racecards.partitions import configured_tracks
    from paddock.cli.runner import (materialize_backtests, materialize_exchange, materialize_history,
                                     materialize_live)
    from paddock.cli.simulators import start_local_sources

    console.print(f"[bold]paddock run[/bold]: race dates {first} .. {last}, sources {settings.sources()}")
    local = start_local_sources()  # before the definitions load: resources read their URLs from the environment
    try:
        ok = materialize_history(first, last, log=console.print)
        console.print("[bold]paddock run[/bold]: today's race cards and one odds poll, then the odds marts and signals")
        # the same UTC "today" the default history window ends the day before, so the cards follow the history exactly
        ok = materialize_live(settings.utc_today(), configured_tracks(), log=console.print) and ok
        console.print("[bold]paddock run[/bold]: the exchange history (Betfair stream files) and its marts")
        ok = materialize_exchange(last, log=console.print) and ok
        console.print("[bold]paddock run[/bold]: every backtest of the run list over the same dates, then the comparison")
        ok = materialize_backtests(first, last, log=console.print) and ok
    finally:
        local.stop()
    if not ok:
        console.print("[red]run failed[/red] — see the run's event log in the Dagster UI (paddock serve)")
        raise typer.Exit(1)
    console.print("[green]run succeeded[/green]")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface the webserver binds (loopback by default)."),
    port: int = typer.Option(3000, help="Webserver port."),
) -> None:
    """Serve the Dagster UI with the daemon (schedules and sensors on). SIGTERM or Ctrl-C stops every process it
    started within 15 s."""
    from paddock.cli.simulators import start_local_sources

    env = _prepare()
    local = start_local_sources()
    bi = db.bi_reader_url(env["DATABASE_URL"], bool(os.environ.get("BI_READER_PASSWORD")))
    urls = {"Dagster UI": f"http://{host}:{port}", "Warehouse (BI)": f"{bi}  (schema marts, read-only)", **local.urls}
    for name, url in urls.items():
        console.print(f"{name + ':':<21}{url}", soft_wrap=True, highlight=False)
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    cmd = [dagster, "dev", "-w", str(db.PROJECT_ROOT / "workspace.yaml"), "-h", host, "-p", str(port)]
    try:
        code = run_until_stopped(cmd, cwd=db.PROJECT_ROOT, env=os.environ.copy())
    finally:
        local.stop()
    raise typer.Exit(code)


@app.command()
def up(port: int = typer.Option(3000, help="Webserver port.")) -> None:
    """Run the whole graph once on demo data, then serve the UI."""
    run(start=None, end=None)
    serve(host="127.0.0.1", port=port)


@app.command()
def docs(port: int = typer.Option(8080, help="Port for the dbt docs site (bound to 127.0.0.1).")) -> None:
    """Generate dbt docs (lineage, column descriptions) from the live warehouse and serve them."""
    from paddock.dbt_prep import DBT_DIR, dbt_executable

    _prepare()
    common = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    if subprocess.call([dbt_executable(), "docs", "generate", *common], env=os.environ.copy()) != 0:
        raise typer.Exit(1)
    console.print(f"dbt docs:        http://127.0.0.1:{port}")
    serve_cmd = [dbt_executable(), "docs", "serve", *common, "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    raise typer.Exit(subprocess.call(serve_cmd, env=os.environ.copy()))


app.command("status")(status)


@db_app.command("url")
def db_url() -> None:
    """Print the warehouse SQLAlchemy URL (starting the embedded server if it is the one in use)."""
    print(db.warehouse_url())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server."""
    console.print("stopped" if db.stop_embedded() else "embedded PostgreSQL was not running")

