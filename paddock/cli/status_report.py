"""``paddock status``: one screen answering "is the pipeline healthy?" (the data comes from ``paddock.status``)."""
from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from paddock import db, settings
from paddock.cli.errors import user_errors
from paddock.status import PipelineStatus, collect


def _age(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "—"
    seconds = max((now - at).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit} ago"
    return f"{seconds:.0f}s ago"


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _dagster():
    """The instance and the code's definitions, or (None, why) when Dagster cannot be reached."""
    try:
        import dagster as dg

        from orchestration.definitions import defs
        from paddock.dbt_prep import prepare_manifest

        prepare_manifest()
        return dg.DagsterInstance.get(), defs()
    except Exception as exc:  # noqa: BLE001 - the warehouse half of the screen is still worth showing
        return None, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def render(status: PipelineStatus, console: Console) -> None:
    now = status.generated_at
    problems = status.problems()
    verdict = "[green]healthy[/green]" if not problems else f"[red]{len(problems)} problem(s)[/red]"
    quota = "—" if status.odds_quota_remaining is None else f"{status.odds_quota_remaining:,}"
    console.print(f"[bold]paddock status[/bold] {now:%Y-%m-%d %H:%M} UTC: {verdict}   database {_size(status.database_bytes)}"
                  f"   odds API credits left {quota}")
    for problem in problems:
        console.print(f"  [red]•[/red] {problem}")

    sources = Table(title="Sources (ops.fetch_log)", title_justify="left")
    for column in ("source", "last success", "last failure", "24 h", "ok 24 h", "failing"):
        sources.add_column(column)
    for s in status.sources:
        sources.add_row(s.source, _age(s.last_success, now), _age(s.last_failure, now), str(s.attempts_24h),
                        _pct(s.success_rate_24h), str(s.failing_streak) if s.failing_streak else "")
    quarantine = Table(title="Quarantined (all time)", title_justify="left")
    for column in ("table", "source", "published", "quarantined", "share"):
        quarantine.add_column(column)
    for q in status.quarantine:
        share = _pct(q.share) if q.judged else f"{_pct(q.share)} (your file)"
        quarantine.add_row(q.table, q.source or "", f"{q.published:,}", f"{q.quarantined:,}", share)
    console.print(Columns([sources, quarantine]))

    marts = Table(title="Marts", title_justify="left")
    for column in ("mart", "rows", "newest row", "built"):
        marts.add_column(column)
    for m in status.marts:
        marts.add_row(m.table, f"{m.rows:,}", _age(m.latest, now), _age(m.materialized_at, now))
    runs = Table(title="Jobs (Dagster runs)", title_justify="left")
    for column in ("job", "runs 24 h", "failed", "last success", "last failure"):
        runs.add_column(column)
    for j in status.jobs:
        runs.add_row(j.job, str(j.runs_24h), str(j.failed_24h) if j.failed_24h else "", _age(j.last_success, now),
                     _age(j.last_failure, now))
    instigators = Table(title="Sensors and schedules", title_justify="left")
    for column in ("name", "state", "last tick", "failed 24 h"):
        instigators.add_column(column)
    for i in status.instigators:
        state = "[green]on[/green]" if i.status == "RUNNING" else "[yellow]off[/yellow]"
        tick = f"{_age(i.last_tick, now)} {i.last_tick_status.lower()}" if i.last_tick else "—"
        failed = f"[red]{i.failed_ticks_24h}[/red]" if i.failed_ticks_24h else ""
        instigators.add_row(f"{i.name} ({i.kind})", state, tick, failed)
    dagster = [t for t, rows in ((runs, status.jobs), (instigators, status.instigators)) if rows]
    console.print(Columns([marts, *dagster]))


def status(json_output: bool = typer.Option(False, "--json", help="Print the figures as JSON (for machines).")) -> None:
    """Is the pipeline healthy? Sources, quota, quarantine, mart freshness, database size, jobs, sensors."""
    with user_errors():
        settings.check()
        db.export_runtime_env()
        from ingestion.warehouse import ensure_warehouse_once

        engine = db.warehouse_engine()
        ensure_warehouse_once(engine)
        instance, definitions = _dagster()
        if instance is None:
            result = collect(engine)
            result.dagster_unavailable = definitions
        else:
            result = collect(engine, instance=instance, definitions=definitions)
    if json_output:
        print(json.dumps(result.to_json(), indent=2))
    else:
        render(result, Console())
    if result.problems():
        raise typer.Exit(1)
