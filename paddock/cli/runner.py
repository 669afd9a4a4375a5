"""Run the platform's jobs in this process, recorded in the Dagster instance, so `make run` exits with their status.

A history range is a single run (the assets' backfill policy) marked with Dagster's partition-range tags, exactly what
the UI's backfill launches. Odds and race cards are polled once against whatever sources are configured (the local
simulators for the demo) so every mart of the graph has rows after one `make run`; then every backtest partition and
the strategy comparison over the same dates, so the UI's headline assets are never "Never materialized".
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg

QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}


def _execute(definitions: dg.Definitions, job_name: str, instance: dg.DagsterInstance, log: Callable[[str], None],
             run_config: dict | None = None, **kwargs) -> bool:
    result = definitions.resolve_job_def(job_name).execute_in_process(
        instance=instance, run_config=run_config or QUIET, raise_on_error=False, **kwargs)
    for line in step_failures(result):
        log(f"{job_name}: {line}")
    return result.success


def step_failures(result) -> list[str]:
    """``step failed: <step>: <reason>`` per failed step, the reason being the innermost error's own message (Dagster
    wraps it in "Error occurred while executing op ...", which names neither the file nor the value at fault)."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            while error.cause is not None:
                error = error.cause
            lines.append(f"step failed: {event.step_key}: {error.message.strip()}")
    return lines


def materialize_history(
    start: str, end: str, *, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print
) -> bool:
    from orchestration.definitions import defs

    return _execute(defs(), "history_job", instance or dg.DagsterInstance.get(), log,
                    tags=partition_range_tags(start, end))


def materialize_live(
    today: date, tracks: list[str], *, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print
) -> bool:
    """Today's and tomorrow's race cards for each track, their mart, one odds poll of every sport, the odds marts, the
    bet ledger's portfolio and the strategy triggers on those cards."""
    from orchestration.definitions import defs
    from orchestration.defs.racecards.partitions import partition_key

    definitions, instance = defs(), instance or dg.DagsterInstance.get()
    ok = True
    for day in (today, today + timedelta(days=1)):
        for track in tracks:
            ok &= _execute(definitions, "race_cards_job", instance, log, partition_key=partition_key(day, track))
    ok &= _execute(definitions, "race_cards_mart_job", instance, log)
    ok &= _execute(definitions, "odds_job", instance, log, tags={"tier": "discovery"})
    ok &= _execute(definitions, "odds_marts_job", instance, log)
    ok &= _execute(definitions, "ledger_job", instance, log)  # the example ledger, settled against the history
    return report_strategy_triggers(instance, log=log) and ok


def report_strategy_triggers(instance: dg.DagsterInstance | None = None, *, engine=None,
                             log: Callable[[str], None] = print) -> bool:
    """One ``strategy_monitor_sensor`` evaluation on today's cards, its materialization of ``marts/strategy_triggers``
    reported to the instance: the asset is written by a sensor tick, never by a run, and without this it would say
    "Never materialized" after ``make run`` until a daemon ticks. The daemon's first tick reports it again."""
    from ingestion.warehouse import ensure_warehouse_once
    from orchestration.defs.monitoring.sensors import evaluate_and_report
    from paddock import db, settings

    instance = instance or dg.DagsterInstance.get()
    if engine is None:
        engine = db.warehouse_engine()
        ensure_warehouse_once(engine)
    try:
        report, events, _ = evaluate_and_report(engine, settings.utcnow(), None)
    except Exception as exc:  # noqa: BLE001 - reported like a failed step: one line, the run exits non-zero
        log(f"strategy monitor: {type(exc).__name__}: {exc}")
        return False
    for event in events:
        instance.report_runless_asset_event(event)
    log(f"strategy monitor: {report.describe()}")
    return True


def materialize_odds_marts(*, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print) -> bool:
    """``odds_marts_job``: the odds marts and signals rebuilt from the raw odds tables, as after a poll (the
    backfill CLI runs it so backfilled prices are readable through ``backtests.odds_at`` when it returns)."""
    from orchestration.definitions import defs

    return _execute(defs(), "odds_marts_job", instance or dg.DagsterInstance.get(), log)


def materialize_backtests(
    start: str, end: str, *, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print
) -> bool:
    """Every ``marts/backtest`` partition (one per named run of the run list) over ``start..end``, every
    ``marts/exchange_backtest`` partition over the landed exchange files, then ``strategy_comparison``: the UI's
    headline assets are materialized by the same one command as the rest."""
    from orchestration.definitions import defs
    from orchestration.defs.backtests.partitions import RUN_SPECS
    from orchestration.defs.exchange.backtests import EXCHANGE_RUN_SPECS

    definitions, instance = defs(), instance or dg.DagsterInstance.get()
    window = {"ops": {"marts__backtest": {"config": {"start": start, "end": end}}}}
    ok = True
    for name in RUN_SPECS:
        ok &= _execute(definitions, "backtest_job", instance, log, partition_key=name,
                       run_config={**QUIET, **window})
    for name in EXCHANGE_RUN_SPECS:
        ok &= _execute(definitions, "exchange_backtest_job", instance, log, partition_key=name, run_config=QUIET)
    ok &= _execute(definitions, "strategy_comparison_job", instance, log)
    return ok


DEMO_EXCHANGE_DAYS = 7  # the demo's exchange history: the last week of the race history, and greyhound meetings


def materialize_exchange(
    end: str, *, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print
) -> bool:
    """The demo's exchange history: stream files written for the last ``DEMO_EXCHANGE_DAYS`` of the race history into
    the landing folder (``PADDOCK_EXCHANGE_DIR``), when it holds none yet, then ``exchange_job`` over those dates in one
    run: exactly what the landing-folder sensor would launch, so the exchange marts are there after ``paddock run``."""
    from ingestion.exchange.landing import landed_files
    from ingestion.sources.synthetic.exchange_streams import write_exchange_demo
    from orchestration.definitions import defs
    from paddock import settings

    last = date.fromisoformat(end)
    first = last - timedelta(days=DEMO_EXCHANGE_DAYS - 1)
    folder = settings.exchange_dir()
    if not landed_files(folder):
        folder.mkdir(parents=True, exist_ok=True)
        written = write_exchange_demo(folder, first, last, seed=settings.synthetic_seed())
        log(f"exchange demo: {len(written)} stream files for {first} .. {last} in {folder}")
    return _execute(defs(), "exchange_job", instance or dg.DagsterInstance.get(), log,
                    tags=partition_range_tags(first.isoformat(), last.isoformat()))
