"""Race-card partitions: one per race date x track, shared by the card and results assets, the schedules and sensor.

Tracks come from ``PADDOCK_RACECARD_TRACKS`` (comma-separated; default the five tracks the demo site is usually run
for). The date dimension reaches two days past the last complete day (``end_offset=2``) because cards are published
for today and tomorrow, before those days exist as ordinary daily partitions.
"""
import os
from datetime import date

import dagster as dg

from ingestion.sources.synthetic.tracks import TRACKS

DEFAULT_TRACKS = ("BEL", "CD", "SA", "DMR", "AQU")
DEFAULT_START = "2026-01-01"


def configured_tracks() -> list[str]:
    raw = os.environ.get("PADDOCK_RACECARD_TRACKS", "")
    tracks = [t.strip().upper() for t in raw.split(",") if t.strip()] or list(DEFAULT_TRACKS)
    bad = [t for t in tracks if "|" in t or "," in t]
    if bad:
        raise ValueError(f"track codes may not contain '|': {bad}")
    return tracks


def track_timezone(track: str) -> str:
    """The track's IANA zone (the demo site's tracks are the synthetic generator's); unknown tracks run on UTC."""
    return TRACKS[track].tz if track in TRACKS else "UTC"


race_card_dates = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("PADDOCK_RACECARD_START", DEFAULT_START), end_offset=2
)
race_card_tracks = dg.StaticPartitionsDefinition(configured_tracks())
race_card_partitions = dg.MultiPartitionsDefinition({"date": race_card_dates, "track": race_card_tracks})


def partition_key(day: date, track: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"date": day.isoformat(), "track": track})


def meeting_of(key: str) -> tuple[date, str]:
    """(race date, track) of a partition key, given as a ``MultiPartitionKey`` or its "date|track" string."""
    if not isinstance(key, dg.MultiPartitionKey):
        key = race_card_partitions.get_partition_key_from_str(key)
    dims = key.keys_by_dimension
    return date.fromisoformat(dims["date"]), dims["track"]
