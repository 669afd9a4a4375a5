"""``paddock odds backfill plan|execute|status``: fill past games' odds from The Odds API's historical archive.

The commands run ``ingestion.odds_api.backfill`` — the same planning, gate and storage as everything else — with
the key from ``ODDS_API_KEY`` (and ``ODDS_API_BASE_URL`` for the local simulator), and every call logged to
``ops.fetch_log`` with its quota headers: that log is where the credits left this month are read, by these
commands and by the live polling sensor alike. A plan that costs more than is left is refused (exit 2) before a
credit is spent on odds; ``execute`` stops at the first refused call (exit 1) and picks up there when run again.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from paddock.cli.errors import fail, user_errors

odds_app = typer.Typer(help="The Odds API: historical backfill.", no_args_is_help=True)
backfill_app = typer.Typer(help="Plan, execute and follow a historical odds backfill (priced in credits first).",
                           no_args_is_help=True)
odds_app.add_typer(backfill_app, name="backfill")
console = Console()


def _engine() -> sa.Engine:
    from paddock.cli.exchange import _engine as warehouse  # the one "warehouse with its tables, or one line" helper

    return warehouse()


def _client(engine: sa.Engine):
    from ingestion.http import ops_fetch_log_sink
    from ingestion.odds_api import DEFAULT_BASE_URL, OddsApiClient

    key = os.environ.get("ODDS_API_KEY")
    if not key:
        raise fail("ODDS_API_KEY is not set (for the local simulator: python -m ingestion.odds_api.simulator, then "
                   "ODDS_API_KEY=sim-key ODDS_API_BASE_URL=http://127.0.0.1:8765)")
    return OddsApiClient(key, base_url=os.environ.get("ODDS_API_BASE_URL") or DEFAULT_BASE_URL,
                         sink=ops_fetch_log_sink(engine))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


@backfill_app.command("plan")
def plan(
    sport: str = typer.Option(..., help="Sport key, e.g. basketball_nba, soccer_epl."),
    start: str = typer.Option(..., help="First game date (YYYY-MM-DD, UTC)."),
    end: str = typer.Option(..., help="Last game date (YYYY-MM-DD, UTC)."),
    games: int = typer.Option(None, help="Number of games to backfill."),
    sample: float = typer.Option(None, help="Share of the games to backfill, in (0, 1] (instead of --games)."),
    strategy: str = typer.Option("uniform", help="uniform | random | team_weighted."),
    seed: int = typer.Option(0, help="Seed of the random strategy."),
    regions: str = typer.Option(None, help="Bookmaker regions (default: those polled live, PADDOCK_ODDS_REGIONS)."),
    markets: str = typer.Option(None, help="Markets (default: those polled live, PADDOCK_ODDS_MARKETS)."),
    out: Path = typer.Option(None, help="Also write the plan as JSON to this file."),
) -> None:
    """List the games (1 credit per day), pick them, schedule their snapshots on the live tier table and price the
    plan; save it (ops.odds_backfill_plans) unless it costs more credits than are left this month."""
    from ingestion.odds_api.backfill import plan_backfill
    from ingestion.odds_api.backfill_plan import PlanRefused
    from orchestration.defs.odds.resources import OddsPollingResource

    first, last = _day(start, "--start"), _day(end, "--end")
    if first > last:
        raise fail(f"--start {start} is after --end {end}")
    if (games is None) == (sample is None):
        raise fail("give --games N or --sample R")
    live = OddsPollingResource()
    engine = _engine()
    client = _client(engine)
    try:
        with user_errors():
            made = plan_backfill(
                engine, client, sport, first, last, strategy=strategy, games=games, sample=sample, seed=seed,
                regions=_split(regions or os.environ.get("PADDOCK_ODDS_REGIONS") or live.regions),
                markets=_split(markets or os.environ.get("PADDOCK_ODDS_MARKETS") or live.markets), out=out)
    except (PlanRefused, ValueError) as exc:
        raise fail(str(exc)) from None
    finally:
        client.close()
    tiers = Counter(s["fetch_tier"] for s in made.snapshots)
    console.print(f"plan [bold]{made.plan_id}[/bold]: {made.describe()}", highlight=False, soft_wrap=True)
    console.print("snapshots per tier: " + ", ".join(f"{t} {n}" for t, n in tiers.items()), highlight=False)
    if made.skipped:
        console.print(f"{made.skipped} snapshot(s) left out: an earlier plan holds them", highlight=False)
    if out is not None:
        console.print(f"written to {out}", highlight=False)


@backfill_app.command("execute")
def execute(
    plan_id: str = typer.Option(None, "--plan-id", help="Only this plan (default: every plan with pending calls)."),
    limit: int = typer.Option(None, help="Stop after this many calls."),
    marts: bool = typer.Option(True, "--marts/--no-marts",
                               help="Rebuild the odds marts (odds_marts_job) after storing snapshots."),
) -> None:
    """Fetch the pending snapshots and store them like live polls, then rebuild the odds marts (as a poll does) so
    backtests read them at once; safe to stop and run again."""
    from ingestion.odds_api.backfill import execute_backfill

    engine = _engine()
    client = _client(engine)
    try:
        with user_errors():
            report = execute_backfill(engine, client, plan_id=plan_id, limit=limit,
                                      log=lambda line: console.print(line, highlight=False))
    finally:
        client.close()
    console.print(report.describe(), highlight=False, soft_wrap=True)
    if marts and report.stored["odds_snapshots"]:  # what was stored is rebuilt even when a call stopped the run
        from paddock.cli.runner import materialize_odds_marts

        console.print("rebuilding the odds marts (odds_marts_job)", highlight=False)
        if not materialize_odds_marts(log=lambda line: console.print(line, highlight=False)):
            raise typer.Exit(1)
    if report.error:
        raise typer.Exit(1)


@backfill_app.command("status")
def status() -> None:
    """Every plan: games, snapshots done / pending / missing / rejected, credits planned and spent; then the snapshot
    days still pending (the partitions of the Dagster asset ops/odds_backfill worth a UI backfill)."""
    from ingestion.odds_api.backfill_store import backfill_status, pending_by_day

    engine = _engine()
    frame = backfill_status(engine)
    if frame.empty:
        console.print("no backfill plan yet: paddock odds backfill plan --sport ... --start ... --end ...")
        return
    table = Table("plan", "sport", "dates", "games", "done", "pending", "missing", "rejected", "credits spent/planned")
    for r in frame.itertuples():
        table.add_row(r.plan_id, r.sport, f"{r.start_date}..{r.end_date}", str(r.games), str(r.done), str(r.pending),
                      str(r.missing), str(r.rejected), f"{r.credits_spent}/{r.credits}")
    console.print(table)
    days = pending_by_day(engine)
    if days.empty:
        console.print("nothing pending", highlight=False)
    for r in days.itertuples():
        console.print(f"pending {r.day}: {r.calls} call(s), {r.games} snapshot(s), {r.credits} credit(s)",
                      highlight=False)
