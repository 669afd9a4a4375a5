"""Live betting signals kept in ``marts``: arbitrage opportunities and value bets, updated rather than duplicated.

Each signal has a deterministic id (event, market, line and the legs' books and outcomes), so a signal that persists
across odds runs is one row whose ``last_seen_at`` moves on; one that disappears is marked ``expired`` with the reason
(the event started, or the prices moved). The math lives in ``backtests.betting.arbitrage`` and ``backtests.betting.value``; this module
only reads current prices and writes signals.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa

from backtests.betting.arbitrage import find_arbitrage
from backtests.betting.value import expected_value
from paddock.table_docs import document_table

# Quotes older than this are stale: what the arbitrage and value assets configure by default (max_price_age_minutes).
DEFAULT_MAX_PRICE_AGE = timedelta(minutes=90)

ARBITRAGE_DDL = """
CREATE TABLE IF NOT EXISTS marts.arbitrage_opportunities (
    id text PRIMARY KEY, sport text, event_id text NOT NULL, event text, commence_time timestamptz,
    market text NOT NULL, line numeric, legs jsonb NOT NULL, implied_sum double precision, profit_pct numeric,
    total_stake numeric, guaranteed_return numeric, profit numeric, binding_bookmaker text,
    detected_at timestamptz NOT NULL, last_seen_at timestamptz NOT NULL, expired boolean NOT NULL DEFAULT false,
    expired_reason text
)"""
VALUE_DDL = """
CREATE TABLE IF NOT EXISTS marts.value_bets (
    id text PRIMARY KEY, sport text, event_id text NOT NULL, event text, commence_time timestamptz,
    market text NOT NULL, line numeric, outcome text NOT NULL, bookmaker text NOT NULL, price_decimal numeric,
    fair_probability double precision, method text, sharp_book text, ev_pct double precision,
    kelly_fraction double precision, detected_at timestamptz NOT NULL, last_seen_at timestamptz NOT NULL,
    expired boolean NOT NULL DEFAULT false, expired_reason text
)"""

CURRENT_PRICES = sa.text("""
    WITH latest AS (
        SELECT DISTINCT ON (event_id, bookmaker) event_id, bookmaker, snapshot_time, snapshot_id
        FROM marts.fct_odds WHERE commence_time > :now
        ORDER BY event_id, bookmaker, snapshot_time DESC, snapshot_id DESC  -- one snapshot even on a tie
    )
    SELECT o.event_id, o.sport, o.home_team || ' v ' || o.away_team AS event, o.commence_time, o.market, o.point,
           o.outcome, o.description, o.bookmaker, o.price_decimal,
           coalesce(o.bookmaker_last_update, o.snapshot_time) AS last_update
    FROM marts.fct_odds o JOIN latest USING (event_id, bookmaker, snapshot_time, snapshot_id)
""")


def _id(*parts: object) -> str:
    return hashlib.md5("|".join("" if p is None or p is pd.NA else str(p) for p in parts).encode()).hexdigest()


def current_prices(engine: sa.Engine, now: datetime) -> pd.DataFrame:
    """Each book's latest prices for events that have not started."""
    with engine.connect() as conn:
        frame = pd.read_sql(CURRENT_PRICES, conn, params={"now": now})
    frame["price_decimal"] = frame["price_decimal"].astype(float)
    frame["point"] = frame["point"].astype(float)
    return frame


def _publish(engine: sa.Engine, ddl: str, table: str, rows: list[dict], now: datetime) -> dict[str, int]:
    """Upsert the signals seen now and expire the ones that were open but are gone, in one transaction."""
    columns = list(rows[0]) if rows else []
    values = ", ".join("CAST(:legs AS jsonb)" if c == "legs" else f":{c}" for c in columns)
    with engine.begin() as conn:
        conn.exec_driver_sql(ddl)
        document_table(conn, f"marts.{table}")
        before = set(conn.execute(sa.text(f"SELECT id FROM marts.{table} WHERE NOT expired")).scalars())
        if rows:
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in ("id", "detected_at"))
            conn.execute(sa.text(
                f"INSERT INTO marts.{table} ({', '.join(columns)}) VALUES ({values}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}, expired = false, expired_reason = NULL"), rows)
        seen = [r["id"] for r in rows]
        expired = conn.execute(sa.text(
            f"UPDATE marts.{table} SET expired = true, expired_reason = CASE WHEN commence_time <= :now "
            f"THEN 'event started' ELSE 'prices moved' END WHERE NOT expired AND NOT (id = ANY(:seen)) RETURNING id"),
            {"now": now, "seen": seen}).scalars().all()
    return {"open": len(rows), "new": len(set(seen) - before), "expired": len(expired)}


def publish_arbitrage(engine: sa.Engine, now: datetime, *, min_profit: float = 0.01,
                      total_stake: Decimal = Decimal("100"), max_age: timedelta = DEFAULT_MAX_PRICE_AGE,
                      prices: pd.DataFrame | None = None) -> dict[str, int]:
    """Scan the current prices (``prices`` if given: a frame like :func:`current_prices`) and upsert what is found.

    An opportunity is what ``find_arbitrage`` reports: a profit after cent rounding in every result of the market
    (a whole-number spread or total that can push both legs never is one)."""
    prices = current_prices(engine, now) if prices is None else prices
    found = find_arbitrage(prices, min_profit=min_profit, total_stake=total_stake, now=now, max_age=max_age)
    about = prices.drop_duplicates("event_id").set_index("event_id")
    rows = []
    for opp in found.itertuples(index=False):
        legs = sorted(f"{leg['bookmaker']}:{leg['outcome']}" for leg in opp.legs)
        rows.append({
            "id": _id(opp.event_id, opp.market, opp.point, *legs, *([opp.description] if opp.description else [])),
            "sport": about.at[opp.event_id, "sport"],
            "event_id": opp.event_id, "event": about.at[opp.event_id, "event"],
            "commence_time": about.at[opp.event_id, "commence_time"], "market": opp.market,
            "line": None if pd.isna(opp.point) else opp.point,
            "legs": json.dumps([leg | {"description": opp.description} if opp.description else leg for leg in opp.legs],
                               default=str), "implied_sum": opp.implied_sum, "profit_pct": opp.profit_pct,
            "total_stake": opp.total_stake, "guaranteed_return": opp.guaranteed_return, "profit": opp.profit,
            "binding_bookmaker": opp.binding_bookmaker, "detected_at": now, "last_seen_at": now,
        })
    counts = _publish(engine, ARBITRAGE_DDL, "arbitrage_opportunities", rows, now)
    return {**counts, "best_profit_pct": max((float(r["profit_pct"]) for r in rows), default=0.0)}


def publish_value_bets(engine: sa.Engine, now: datetime, *, sharp_book: str = "pinnacle",
                       method: str = "multiplicative", min_ev: float = 0.03, kelly_multiplier: float = 1.0,
                       max_age: timedelta = DEFAULT_MAX_PRICE_AGE,
                       commission: float | Mapping[str, float] = 0.0) -> dict[str, int]:
    """Publish the retail prices that are value now. Each book's latest snapshot is what ``current_prices`` reads,
    however old: a book that stopped quoting an event leaves its last price there, so every price compared (sharp
    and retail) must have been updated within ``max_age`` of ``now``. ``commission``: see ``value.expected_value``.
    """
    if max_age is None:
        raise ValueError("max_age is required: a value bet is only as good as its freshest price")
    prices = current_prices(engine, now)
    scored = expected_value(prices, sharp_book=sharp_book, method=method, min_ev=min_ev,
                            kelly_multiplier=kelly_multiplier, now=now, max_age=max_age, commission=commission)
    rows = [{
        "id": _id(b.event_id, b.market, b.point, b.outcome, b.bookmaker), "sport": b.sport, "event_id": b.event_id,
        "event": b.event, "commence_time": b.commence_time, "market": b.market,
        "line": None if pd.isna(b.point) else b.point, "outcome": b.outcome, "bookmaker": b.bookmaker,
        "price_decimal": b.price_decimal, "fair_probability": b.fair_probability, "method": method,
        "sharp_book": sharp_book, "ev_pct": b.ev_pct, "kelly_fraction": b.kelly, "detected_at": now,
        "last_seen_at": now,
    } for b in scored[scored["is_value"]].itertuples(index=False)]
    return _publish(engine, VALUE_DDL, "value_bets", rows, now)
