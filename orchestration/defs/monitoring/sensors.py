"""Strategy monitoring (``backtests.monitoring``): every five minutes the active runs of ``strategies.yaml`` are
evaluated on today's and tomorrow's race cards and their picks upserted into ``marts.strategy_triggers``.

Like the alerts sensor it launches no runs and never fails: the work is one evaluation and one upsert, small enough
for a tick, and a run per tick would only add a run record every five minutes. A broken warehouse or run list is
logged and retried on the next tick. The cursor keeps the last tick's counts for the UI."""
import json

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from backtests.monitoring import monitor
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time


@dg.sensor(
    minimum_interval_seconds=interval(300), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluate the active strategies (PADDOCK_ACTIVE_STRATEGIES, default all runs of strategies.yaml) on "
                "upcoming race cards; picks go to marts.strategy_triggers once per run, race and selection.",
)
def strategy_monitor_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    now = utcnow()
    try:
        report = monitor(warehouse.ready_engine(), now)
    except Exception as exc:  # noqa: BLE001 - monitoring must never fail a tick; the next one retries
        context.log.warning(f"strategy monitor: {type(exc).__name__}: {exc}")
        # a run-list error is the user's to fix and says what is wrong; other messages may carry connection details
        detail = f"{type(exc).__name__}: {exc}" if isinstance(exc, ValueError) else type(exc).__name__
        return dg.SensorResult(skip_reason=f"strategy monitor failed this tick ({detail}); retried next tick",
                               cursor=context.cursor)
    cursor = json.dumps({"evaluated_at": now.isoformat(), "races": report.races, "triggers": report.triggers,
                         "inserted": report.inserted, "updated": report.updated}, sort_keys=True)
    return dg.SensorResult(skip_reason=f"strategy monitor: {report.describe()}", cursor=cursor)
