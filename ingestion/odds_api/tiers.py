"""Fetch tiers: how far before the start a snapshot was taken, for bookmakers (seed 001) and for racing tote boards.

Bookmakers: opening ≥ 72 h, early 24–72 h, sharp 12–24 h, pregame 3–12 h, closing 0–3 h; after the start ``live``.
Tote boards (``ingestion.racecards.tote_odds``): ``racing_closing`` from T−2 h, ``racing_final`` in the last ten
minutes. Stored per snapshot so "opening line" and "closing line" features need no re-derivation.

This module is the one list of tiers a snapshot can carry (:data:`STORED_FETCH_TIERS`): the dbt test on
``stg_odds_snapshots.fetch_tier`` must accept exactly these, and ``tests/unit/test_fetch_tiers.py`` checks that it
does, so a new tier cannot reach the warehouse before dbt knows it.
"""
from __future__ import annotations

from datetime import datetime

TIERS = (("opening", 72.0), ("early", 24.0), ("sharp", 12.0), ("pregame", 3.0), ("closing", 0.0))
LIVE = "live"
#: Minutes between fetches per tier, for the scheduler.
TIER_INTERVAL_MINUTES = {"opening": 48 * 60, "early": 24 * 60, "sharp": 12 * 60, "pregame": 180, "closing": 30}
#: Racing tote tiers: (tier, minutes to post up to which it applies, seconds between polls), nearest first.
TOTE_TIERS = (("racing_final", 10.0, 30), ("racing_closing", 120.0, 60))
#: Every value ``raw.odds_snapshots.fetch_tier`` may hold.
STORED_FETCH_TIERS = (*(name for name, _ in TIERS), LIVE, *(name for name, _, _ in TOTE_TIERS))


def hours_until(commence_time: datetime, at: datetime) -> float:
    return (commence_time - at).total_seconds() / 3600.0


def fetch_tier(hours_until_commence: float) -> str:
    for name, lower in TIERS:
        if hours_until_commence >= lower:
            return name
    return LIVE
