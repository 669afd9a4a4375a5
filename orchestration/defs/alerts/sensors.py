"""One sensor sends the alerts (``paddock.alerts``): new arbitrage and value bets, critical data-quality failures,
odds moves and failing sources. It launches no runs. A webhook that does not answer is the receiver's problem: it is
logged, the tick says so, and the unsent alerts are retried on the next tick. An exception (the warehouse is down, a
bug) fails the tick instead of passing for a skip, so the UI and ``paddock status`` show the sensor as failing; a
failed sensor tick stops nothing else, and the next tick retries."""

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from orchestration.defs.alerts.resources import AlertsResource
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.alerts import send_new_alerts
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time


@dg.sensor(
    minimum_interval_seconds=interval(60), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Webhook alerts (ALERT_ENABLED, ALERT_WEBHOOK_URL): arbitrage, value bets, data quality, odds moves, "
                "failing sources; each sent once.",
)
def alerts_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                  alerts: AlertsResource) -> dg.SkipReason:
    if not alerts.enabled:
        return dg.SkipReason("alerts are off (set ALERT_ENABLED=true and ALERT_WEBHOOK_URL)")
    if not alerts.webhook_url:
        return dg.SkipReason("ALERT_ENABLED is set but ALERT_WEBHOOK_URL is not")
    report = send_new_alerts(warehouse.ready_engine(), alerts.webhook_url, alerts.settings(), utcnow())
    if report.error:
        context.log.warning(f"alerts: {report.describe()}")
    return dg.SkipReason(f"alerts: {report.describe()}")
