"""The simulator's historical endpoints: the snapshot envelope, and the events listed at a past moment.

The real archive (the-odds-api.com/historical-odds-data) holds a snapshot every 5 minutes (10 before Sept 2022) and
answers a ``date`` with the closest snapshot at or before it, wrapped as ``{timestamp, previous_timestamp,
next_timestamp, data}``; the historical /odds costs 10 × markets × regions, the historical /events 1 (nothing when no
event is found). The market model is a pure function of time, so what is served for a past snapshot is exactly what
the live endpoint served at that moment: the same event ids, the same prices.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ingestion.odds_api.sim_model import Market, Sport, iso

SNAPSHOT_STEP = timedelta(minutes=5)
EVENTS_COST = 1


class HistoricalDateError(ValueError):
    """The ``date`` (or a commenceTime bound) is missing or not ISO 8601: the API answers 422."""


def parse_date(value: str | None, field: str = "date") -> datetime:
    try:
        at = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        raise HistoricalDateError(f"{field} must be an ISO 8601 timestamp, e.g. 2021-10-18T12:00:00Z") from None
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def snapshot_at(date: datetime, now: datetime) -> datetime:
    """The archive's snapshot for ``date``: the last 5-minute mark at or before it (and never after now)."""
    at = min(date, now)
    return at - timedelta(seconds=at.timestamp() % SNAPSHOT_STEP.total_seconds(), microseconds=at.microsecond)


def envelope(snap: datetime, now: datetime, data: list) -> dict:
    nxt = snap + SNAPSHOT_STEP
    return {"timestamp": iso(snap), "previous_timestamp": iso(snap - SNAPSHOT_STEP),
            "next_timestamp": iso(nxt) if nxt <= now else None, "data": data}


def events_at(market: Market, sport: Sport, snap: datetime, q: dict[str, str]) -> list[dict]:
    """Events upcoming at ``snap`` as /events renders them, filtered by commenceTimeFrom/To and eventIds."""
    lo = parse_date(q["commenceTimeFrom"], "commenceTimeFrom") if q.get("commenceTimeFrom") else None
    hi = parse_date(q["commenceTimeTo"], "commenceTimeTo") if q.get("commenceTimeTo") else None
    ids = set(filter(None, q.get("eventIds", "").split(",")))
    return [
        {"id": e["id"], "sport_key": sport.key, "sport_title": sport.title, "commence_time": iso(e["commence"]),
         "home_team": e["home_team"], "away_team": e["away_team"]}
        for e in market.events(sport, snap)
        if e["commence"] > snap and (lo is None or e["commence"] >= lo) and (hi is None or e["commence"] <= hi)
        and (not ids or e["id"] in ids)
    ]
