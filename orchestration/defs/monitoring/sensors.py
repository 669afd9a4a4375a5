"""Strategy monitoring (``backtests.live.monitoring``): every five minutes the active runs of ``strategies.yaml`` are
evaluated on today's and tomorrow's race cards and their picks upserted into ``marts.strategy_triggers``.

It launches no runs: the work is one evaluation and one upsert, small enough for a tick, and a run per tick would only
add a run record every five minutes. An evaluation that raises fails the tick (it is not reported as a skip): a skip
says "nothing to do", and a strategy whose every tick failed must show as a failing sensor in the UI and in
``paddock status``. The next tick retries anyway. The cursor keeps the last good tick's counts for the UI."""
import json

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from backtests.live.monitoring import monitor
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time


@dg.sensor(
    minimum_interval_seconds=interval(300), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluate the active strategies (PADDOCK_ACTIVE_STRATEGIES, default all runs of strategies.yaml) on "
                "upcoming race cards; picks go to marts.strategy_triggers once per run, race and selection.",
)
def strategy_monitor_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    now = utcnow()
    report = monitor(warehouse.ready_engine(), now)
    cursor = json.dumps({"evaluated_at": now.isoformat(), "races": report.races, "triggers": report.triggers,
                         "inserted": report.inserted, "updated": report.updated}, sort_keys=True)
    return dg.SensorResult(skip_reason=f"strategy monitor: {report.describe()}", cursor=cursor)
