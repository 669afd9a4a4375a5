"""Strategy monitoring (``backtests.live.monitoring``): every five minutes the active runs of ``strategies.yaml`` are
evaluated on today's and tomorrow's race cards and their picks upserted into ``marts.strategy_triggers``.

It launches no runs: the work is one evaluation and one upsert, small enough for a tick, and a run per tick would only
add a run record every five minutes. An evaluation that raises fails the tick (it is not reported as a skip): a skip
says "nothing to do", and a strategy whose every tick failed must show as a failing sensor in the UI and in
``paddock status``. The next tick retries anyway. The cursor keeps the last good tick's counts for the UI.

The picks are shown where people look for them, on the ``marts/strategy_triggers`` asset: the tick reports a
materialization with the next picks as a table whenever that table differs from the last one reported (its digest is
in the cursor). Every tick refreshes ``last_seen_at``, so "the table changed" would report one every five minutes."""
import hashlib
import json

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from backtests.live.monitoring import MonitorReport, monitor
from backtests.live.monitoring_store import upcoming_triggers
from backtests.report import markdown_table
from orchestration.defs.monitoring.assets import STRATEGY_TRIGGERS
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time

TOP_TRIGGERS = 10


def upcoming_markdown(engine, now) -> str:
    """The next :data:`TOP_TRIGGERS` picks still to run, soonest post first, as the asset's table."""
    rows, columns = upcoming_triggers(engine, now, TOP_TRIGGERS)
    return markdown_table(rows, columns) if rows else "_no upcoming triggers_"


def evaluate_and_report(engine, now, shown_before: str | None) -> tuple[MonitorReport, list, str]:
    """One monitor evaluation, the materialization to report when the table it shows differs from the one whose
    digest is ``shown_before`` (none then), and the new digest. The sensor's tick and ``paddock run`` share it."""
    report = monitor(engine, now)
    shown = upcoming_markdown(engine, now)
    digest = hashlib.sha256(shown.encode()).hexdigest()[:16]
    events = [] if digest == shown_before else [dg.AssetMaterialization(
        asset_key=STRATEGY_TRIGGERS, description=report.describe(),
        metadata={"triggers": dg.MetadataValue.int(report.triggers), "new": dg.MetadataValue.int(report.inserted),
                  "evaluated_at": dg.MetadataValue.text(now.isoformat()), "upcoming": dg.MetadataValue.md(shown)})]
    return report, events, digest


@dg.sensor(
    minimum_interval_seconds=interval(300), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluate the active strategies (PADDOCK_ACTIVE_STRATEGIES, default all runs of strategies.yaml) on "
                "upcoming race cards; picks go to marts.strategy_triggers once per run, race and selection.",
)
def strategy_monitor_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    now = utcnow()
    previous = json.loads(context.cursor).get("shown") if context.cursor else None
    report, events, digest = evaluate_and_report(warehouse.ready_engine(), now, previous)
    cursor = json.dumps({"evaluated_at": now.isoformat(), "races": report.races, "triggers": report.triggers,
                         "inserted": report.inserted, "updated": report.updated, "shown": digest}, sort_keys=True)
    return dg.SensorResult(skip_reason=f"strategy monitor: {report.describe()}", cursor=cursor, asset_events=events)
