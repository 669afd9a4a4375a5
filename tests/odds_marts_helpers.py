"""Helpers of the odds-marts test (``tests/integration/test_odds_marts.py``): the odds dbt build, payload surgery for
planted moves, and frames read from the marts. Kept apart so the test module holds the world and its assertions."""
from __future__ import annotations


import pandas as pd
import sqlalchemy as sa

from tests.dbt_build import dbt_build


def dbt_build_odds(target: str, *extra: str) -> dict[str, str]:
    return dbt_build(target, "--select", "path:models/staging/odds", "path:models/marts/odds", *extra)


def swap_h2h(payload: list, event_id: str, bookmaker: str) -> None:
    """Swap the two h2h prices of one book on one event in place (same overround, so the row stays valid)."""
    event = next(e for e in payload if e["id"] == event_id)
    book = next(b for b in event["bookmakers"] if b["key"] == bookmaker)
    outcomes = next(m for m in book["markets"] if m["key"] == "h2h")["outcomes"]
    outcomes[0]["price"], outcomes[1]["price"] = outcomes[1]["price"], outcomes[0]["price"]


def lopsided_event(payload: list, bookmaker: str) -> str:
    """The event whose h2h prices at ``bookmaker`` are furthest apart (a swap moves it by well over 30 %)."""
    def spread(event):
        book = next((b for b in event["bookmakers"] if b["key"] == bookmaker), None)
        if book is None:
            return 0
        prices = [float(o["price"]) for m in book["markets"] if m["key"] == "h2h" for o in m["outcomes"]]
        return abs(prices[0] - prices[1]) if len(prices) == 2 else 0
    return max(payload, key=spread)["id"]


def read_frame(conn, sql: str, **params) -> pd.DataFrame:
    frame = pd.read_sql(sa.text(sql), conn, params=params)
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].map(lambda v: hasattr(v, "as_tuple")).any():
            frame[col] = frame[col].astype(float)
    return frame


def current_prices(raw_odds: pd.DataFrame) -> pd.DataFrame:
    """Each book's rows from its latest snapshot of the event."""
    latest = raw_odds.groupby(["event_id", "bookmaker"])["snapshot_time"].transform("max")
    return raw_odds[raw_odds["snapshot_time"] == latest]
