"""Where race cards are scraped from, and the one HTTP fetcher that does it (logging every attempt to ops.fetch_log)."""
import ipaddress
import os
from urllib.parse import urlsplit

import dagster as dg
import sqlalchemy as sa

from ingestion.http import Fetcher, RetryPolicy, ops_fetch_log_sink
from ingestion.http.fetcher import DEFAULT_USER_AGENTS

DEMO_SITE_ENV = "PADDOCK_DEMO_SITE_URL"
DEMO_SITE_FALLBACK = "http://127.0.0.1:8701"
POLITE_DELAY_S = 1.0  # between two requests to someone else's site


class RaceCardSiteResource(dg.ConfigurableResource):
    """The site to scrape. ``base_url`` empty means "wherever ``paddock serve`` put the demo site", read at run time
    so a code server started before the site still finds it."""

    base_url: str = ""
    site: str = "demo"  # parser registry name (ingestion.racecards.PARSERS); also the rows' _source
    user_agent: str = DEFAULT_USER_AGENTS[0]  # must carry the robots.txt token "paddock-bot"
    # seconds between two requests to the site; unset: 1 s, but none for a site on this machine (the demo site
    # `paddock serve` starts is ours, and spacing its requests cost `paddock run` 10 s of its minute)
    min_delay_s: float | None = None
    timeout_s: float = 15.0
    max_attempts: int = 3

    def url(self) -> str:
        return (self.base_url or os.environ.get(DEMO_SITE_ENV) or DEMO_SITE_FALLBACK).rstrip("/")

    def min_delay(self) -> float:
        if self.min_delay_s is not None:
            return self.min_delay_s
        return 0.0 if _on_this_machine(urlsplit(self.url()).hostname or "") else POLITE_DELAY_S

    def fetcher(self, engine: sa.Engine) -> Fetcher:
        return Fetcher(
            timeout=self.timeout_s, min_delay=self.min_delay(), user_agents=(self.user_agent,),
            retry=RetryPolicy(max_attempts=self.max_attempts), sink=ops_fetch_log_sink(engine),
        )


def _on_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"racecard_site": RaceCardSiteResource()})
