"""Automation for the odds side: after each sensor-launched odds run, the odds marts and then the arbitrage and value
signals materialize on their own (their assets carry eager automation conditions). Dagster's default automation
sensor starts stopped, so this one is declared running, for exactly those groups."""
import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed

odds_automation_sensor = dg.AutomationConditionSensorDefinition(
    name="odds_automation_sensor",
    target=dg.AssetSelection.groups("odds", "arbitrage"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    # every 10 s, not Dagster's 30: the wait for this tick is a share of poll → signal latency (on average half the
    # interval), and one evaluation of the odds and arbitrage groups costs well under a second
    minimum_interval_seconds=interval(10),
    description="Keeps the odds marts and the arbitrage / value signals fresh after every odds load.",
)
