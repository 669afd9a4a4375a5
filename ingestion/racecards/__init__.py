"""Race-card parsers, one small module per site, behind one registry keyed by site name.

Parsers take the page text and the URL it came from (fetching, retries and politeness are the HTTP fetcher's job,
``ingestion/http``) and return typed rows (``rows``): ``parse("racingpost", "card", html, url)``. Every value goes
through ``ingestion.normalize``; a required field missing raises ``MissingField`` (a ``ParseError``) naming site,
URL and field, an optional one is None. The demo site simulator lives in ``demo_site`` and is not imported here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ingestion.racecards import demo, hkjc_card, hkjc_results, racingpost
from ingestion.racecards._html import MissingField
from ingestion.racecards.rows import (
    Card, DividendRow, OddsBoard, OddsRow, RaceRow, ResultRow, Results, RunnerRow, to_raw_batch,
)

KINDS = ("card", "odds", "results")


@dataclass(frozen=True)
class SiteParser:
    """The page kinds one site can parse; a kind the site does not publish is None."""

    site: str
    card: Callable[[str, str], Card] | None = None
    odds: Callable[[str, str], OddsBoard] | None = None
    results: Callable[[str, str], Results] | None = None


PARSERS: dict[str, SiteParser] = {p.site: p for p in (
    SiteParser("demo", card=demo.parse_card, odds=demo.parse_odds_page, results=demo.parse_results),
    SiteParser("racingpost", card=racingpost.parse_card),
    SiteParser("hkjc_card", card=hkjc_card.parse_card),
    SiteParser("hkjc_results", results=hkjc_results.parse_results),
)}


def get_parser(site: str, kind: str) -> Callable[[str, str], Card | OddsBoard | Results]:
    if site not in PARSERS:
        raise KeyError(f"no parser for site {site!r}; known: {', '.join(PARSERS)}")
    if kind not in KINDS or getattr(PARSERS[site], kind) is None:
        available = [k for k in KINDS if getattr(PARSERS[site], k) is not None]
        raise KeyError(f"site {site!r} has no {kind!r} parser; it has: {', '.join(available)}")
    return getattr(PARSERS[site], kind)


def parse(site: str, kind: str, text: str, url: str) -> Card | OddsBoard | Results:
    """Parse one fetched page: ``kind`` is "card", "odds" or "results"."""
    return get_parser(site, kind)(text, url)


__all__ = [
    "KINDS", "PARSERS", "Card", "DividendRow", "MissingField", "OddsBoard", "OddsRow", "RaceRow", "ResultRow",
    "Results", "RunnerRow", "SiteParser", "get_parser", "parse", "to_raw_batch",
]
