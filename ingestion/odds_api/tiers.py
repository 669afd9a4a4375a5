"""Fetch tiers of the adaptive odds schedule (seed 001): how far before the start a snapshot was taken.

opening ≥ 72 h, early 24–72 h, sharp 12–24 h, pregame 3–12 h, closing 0–3 h; after the start the event is ``live``.
Stored per snapshot so "opening line" and "closing line" features need no re-derivation.
"""
from __future__ import annotations

from datetime import datetime

TIERS = (("opening", 72.0), ("early", 24.0), ("sharp", 12.0), ("pregame", 3.0), ("closing", 0.0))
#: Minutes between fetches per tier, for the scheduler.
TIER_INTERVAL_MINUTES = {"opening": 48 * 60, "early": 24 * 60, "sharp": 12 * 60, "pregame": 180, "closing": 30}


def hours_until(commence_time: datetime, at: datetime) -> float:
    return (commence_time - at).total_seconds() / 3600.0


def fetch_tier(hours_until_commence: float) -> str:
    for name, lower in TIERS:
        if hours_until_commence >= lower:
            return name
    return "live"
