"""Alert settings from the environment: off unless ``ALERT_ENABLED``; the webhook URL only through ``dg.EnvVar``.

The URL carries the webhook's secret token, so it is bound as an EnvVar (Dagster never shows its value) and read only
when it is set: alerts are off by default and a missing variable must not break every sensor tick.
"""
import os

import dagster as dg

from paddock.alerts import AlertSettings

_TRUE = {"1", "true", "yes", "on"}


class AlertsResource(dg.ConfigurableResource):
    """Where alerts go and what is worth one (thresholds as in ``paddock.alerts.AlertSettings``)."""

    enabled: bool = False
    webhook_url: str = ""
    arbitrage_min_pct: float = 1.0
    value_min_ev_pct: float = 5.0
    odds_move_min: float = 0.30
    source_failures: int = 3
    lookback_hours: float = 24.0

    def settings(self) -> AlertSettings:
        return AlertSettings(self.arbitrage_min_pct, self.value_min_ev_pct, self.odds_move_min, self.source_failures,
                             self.lookback_hours)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"alerts": AlertsResource(
        enabled=_env("ALERT_ENABLED", "false").lower() in _TRUE,
        webhook_url=dg.EnvVar("ALERT_WEBHOOK_URL") if os.environ.get("ALERT_WEBHOOK_URL") else "",
        arbitrage_min_pct=float(_env("ALERT_ARBITRAGE_MIN_PCT", "1.0")),
        value_min_ev_pct=float(_env("ALERT_VALUE_MIN_EV_PCT", "5.0")),
        odds_move_min=float(_env("ALERT_ODDS_MOVE_MIN", "0.30")),
        source_failures=int(_env("ALERT_SOURCE_FAILURES", "3")),
    )})
