"""The Odds API as Dagster resources: where to call (key only via EnvVar) and what to poll.

Split in two on purpose: the polling sensor needs the sports and the cost of a call but never the key, so a missing
ODDS_API_KEY fails the fetch runs with a clear message instead of erroring every sensor tick. ``paddock serve``
starts the local simulator and sets ODDS_API_KEY / ODDS_API_BASE_URL when no real key is configured.
"""
import os

import dagster as dg
import sqlalchemy as sa

from ingestion.http import RetryPolicy, ops_fetch_log_sink
from ingestion.odds_api import DEFAULT_BASE_URL, OddsApiClient, odds_cost

DEFAULT_SPORTS = "basketball_nba,americanfootball_nfl,soccer_epl,icehockey_nhl"  # the simulator serves these four


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class OddsApiResource(dg.ConfigurableResource):
    """Credentials and endpoint; every call is logged to ops.fetch_log (URL redacted) with the quota headers."""

    api_key: str
    base_url: str = DEFAULT_BASE_URL
    max_attempts: int = 5

    def client(self, engine: sa.Engine | None = None) -> OddsApiClient:
        retry = RetryPolicy(max_attempts=self.max_attempts, backoff_base=1.0)
        sink = ops_fetch_log_sink(engine) if engine is not None else None
        return OddsApiClient(self.api_key, base_url=self.base_url, retry=retry, sink=sink)


class OddsPollingResource(dg.ConfigurableResource):
    """What to poll: sports, regions and markets (their product is the credit cost of one /odds call)."""

    sports: str = DEFAULT_SPORTS
    regions: str = "us,eu"
    markets: str = "h2h,spreads,totals"
    odds_format: str = "decimal"
    discovery_hours: float = 6.0
    discovery_horizon_days: float = 5.0
    scores_days_from: int = 3

    def sport_list(self) -> list[str]:
        return _split(self.sports)

    def region_list(self) -> list[str]:
        return _split(self.regions)

    def market_list(self) -> list[str]:
        return _split(self.markets)

    def cost_per_call(self) -> int:
        return odds_cost(self.market_list(), self.region_list())


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "odds_api": OddsApiResource(
                api_key=dg.EnvVar("ODDS_API_KEY"),
                base_url=os.environ.get("ODDS_API_BASE_URL") or DEFAULT_BASE_URL,
            ),
            "odds_polling": OddsPollingResource(
                sports=os.environ.get("PADDOCK_ODDS_SPORTS") or DEFAULT_SPORTS,
                regions=os.environ.get("PADDOCK_ODDS_REGIONS") or "us,eu",
                markets=os.environ.get("PADDOCK_ODDS_MARKETS") or "h2h,spreads,totals",
            ),
        }
    )
