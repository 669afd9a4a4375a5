"""Bookmaker prices as of a moment: the one way a backtest or a signal reads recorded odds (``marts.fct_odds``).

Every price returned was in a snapshot taken at or before the time asked for — never later, whatever was recorded
afterwards — so a decision at ``at`` cannot see the line it is trying to beat. Per bookmaker, market, outcome and
description (the player of a prop) it is the latest such snapshot's price, with that snapshot's time and point, so a
caller can tell a fresh quote from one a book stopped updating hours ago. The closing line is the same read with
"before the start" as the cut-off: the last snapshot strictly before ``commence_time``.

Polled and backfilled snapshots sit in the same mart, so a backtest on backfilled history and one on live polls read
alike. Prices become floats here, as in ``backtests.frames``: what follows is vectorized math.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from backtests.frames import _IDENTIFIER

KEY = ["event_id", "bookmaker", "market", "outcome", "description"]
COLUMNS = ["event_id", "at", "bookmaker", "market", "outcome", "description", "point", "price_decimal",
           "snapshot_time", "commence_time"]

# One query for any number of (event, time) requests: each request keeps, per book/market/outcome, the newest
# snapshot allowed by the cut-off. DISTINCT ON walks the (event_id, bookmaker, market) index of fct_odds.
AS_OF_SQL = """
with requests as (
    select distinct r.event_id, r.at
    from unnest(cast(:event_ids as text[]), cast(:ats as timestamptz[])) as r(event_id, at)
)
select distinct on (r.event_id, r.at, o.bookmaker, o.market, o.outcome, o.description)
       r.event_id, r.at, o.bookmaker, o.market, o.outcome, o.description, o.point, o.price_decimal,
       o.snapshot_time, o.commence_time
from requests as r
inner join {schema}.fct_odds as o on o.event_id = r.event_id and {cutoff}
order by r.event_id, r.at, o.bookmaker, o.market, o.outcome, o.description, o.snapshot_time desc
"""
AT_OR_BEFORE = "o.snapshot_time <= r.at"
BEFORE_START = "o.snapshot_time < o.commence_time"


def _read(engine, event_ids: list[str], ats: list, cutoff: str, schema: str) -> pd.DataFrame:
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema {schema!r} is not a plain identifier")
    import sqlalchemy as sa

    if not event_ids:
        return pd.DataFrame(columns=COLUMNS)
    with engine.connect() as conn:
        frame = pd.read_sql_query(sa.text(AS_OF_SQL.format(schema=schema, cutoff=cutoff)), conn,
                                  params={"event_ids": event_ids, "ats": ats})
    for column in ("point", "price_decimal"):
        frame[column] = pd.to_numeric(frame[column]).astype(float)
    for column in ("at", "snapshot_time", "commence_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame[COLUMNS].sort_values(["event_id", "at", *KEY[1:]], na_position="first").reset_index(drop=True)


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"as-of time {value!r} has no time zone: odds are read at an instant (UTC)")
    return stamp.tz_convert("UTC")


def odds_as_of(engine, requests: pd.DataFrame, *, schema: str = "marts") -> pd.DataFrame:
    """For each (``event_id``, ``at``) row of ``requests``: every bookmaker's latest price per market, outcome and
    description in a snapshot taken at or before ``at``. One row per (event_id, at, bookmaker, market, outcome,
    description); merge back on ``["event_id", "at"]``. A request with no snapshot yet has no rows."""
    ats = [_utc(v).to_pydatetime() for v in requests["at"]]
    return _read(engine, [str(e) for e in requests["event_id"]], ats, AT_OR_BEFORE, schema)


def odds_at(engine, event_id: str, at: datetime, *, schema: str = "marts") -> pd.DataFrame:
    """:func:`odds_as_of` for one event at one instant."""
    return odds_as_of(engine, pd.DataFrame({"event_id": [event_id], "at": [at]}), schema=schema)


def closing_lines(engine, event_ids: Iterable[str], *, schema: str = "marts") -> pd.DataFrame:
    """Each bookmaker's closing price per market and outcome: from the last snapshot strictly before the event's
    ``commence_time`` (an in-play snapshot is never a closing line). ``at`` is the commence time."""
    ids = sorted({str(e) for e in event_ids})
    frame = _read(engine, ids, [None] * len(ids), BEFORE_START, schema)
    frame["at"] = frame["commence_time"]
    return frame
