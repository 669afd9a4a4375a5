"""The demo race-card website the demo scrapes and the end-to-end tests fetch over real HTTP.

``DemoSite(seed, clock).start()`` -> base URL; ``stop()``. Content is the synthetic generator's day with scratches,
late jockey changes and live odds revealed by the clock (``data``), rendered Equibase-style (``render``), served by
``server``. Run it by hand with ``python -m ingestion.racecards.demo_site --port 8765``.
"""
from ingestion.racecards.demo_site.data import day_batch, meeting
from ingestion.racecards.demo_site.server import ROBOTS, DemoSite

__all__ = ["ROBOTS", "DemoSite", "day_batch", "meeting"]
