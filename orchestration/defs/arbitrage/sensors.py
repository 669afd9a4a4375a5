"""Automation for the odds side: after each sensor-launched odds run (which built the signals' inputs and the
signals itself), the other odds marts materialize on their own; after odds land from elsewhere (the historical
backfill, a manual load), the signals' inputs and the signals too. Their assets carry eager automation conditions.
Dagster's default automation sensor starts stopped, so this one is declared running, for exactly those groups."""
import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed

odds_automation_sensor = dg.AutomationConditionSensorDefinition(
    name="odds_automation_sensor",
    target=dg.AssetSelection.groups("odds", "arbitrage"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Dagster's 30 s: the signals no longer wait for this tick (each poll's run builds them), only the other odds marts
    minimum_interval_seconds=interval(30),
    description="Keeps the odds marts fresh after every odds load (and the arbitrage / value signals after loads that "
                "did not build them: the backfill, a manual load).",
)
