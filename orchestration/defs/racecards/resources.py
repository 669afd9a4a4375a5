"""Where race cards are scraped from, and the one HTTP fetcher that does it (logging every attempt to ops.fetch_log)."""
import os

import dagster as dg
import sqlalchemy as sa

from ingestion.http import Fetcher, RetryPolicy, ops_fetch_log_sink
from ingestion.http.fetcher import DEFAULT_USER_AGENTS

DEMO_SITE_ENV = "PADDOCK_DEMO_SITE_URL"
DEMO_SITE_FALLBACK = "http://127.0.0.1:8701"


class RaceCardSiteResource(dg.ConfigurableResource):
    """The site to scrape. ``base_url`` empty means "wherever ``paddock serve`` put the demo site", read at run time
    so a code server started before the site still finds it."""

    base_url: str = ""
    site: str = "demo"  # parser registry name (ingestion.racecards.PARSERS); also the rows' _source
    user_agent: str = DEFAULT_USER_AGENTS[0]  # must carry the robots.txt token "paddock-bot"
    min_delay_s: float = 1.0
    timeout_s: float = 15.0
    max_attempts: int = 3

    def url(self) -> str:
        return (self.base_url or os.environ.get(DEMO_SITE_ENV) or DEMO_SITE_FALLBACK).rstrip("/")

    def fetcher(self, engine: sa.Engine) -> Fetcher:
        return Fetcher(
            timeout=self.timeout_s, min_delay=self.min_delay_s, user_agents=(self.user_agent,),
            retry=RetryPolicy(max_attempts=self.max_attempts), sink=ops_fetch_log_sink(engine),
        )


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"racecard_site": RaceCardSiteResource()})
