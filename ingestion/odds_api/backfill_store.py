"""A backfill plan in the warehouse: ``ops.odds_backfill_plans`` (one row per plan) and
``ops.odds_backfill_snapshots`` (one per planned (event, snapshot time), pending until its prices are stored).

The snapshot rows are the ledger that makes the backfill resumable: a row leaves ``pending`` only in the transaction
that stores its prices (``backfill_execute``), and (event, snapshot time) is unique across plans, so neither a
re-run after a crash or a 429 nor a second, overlapping plan pays for the same snapshot twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from ingestion.odds_api.backfill_plan import BackfillPlan

STATUSES = ("pending", "done", "missing", "rejected")


def planned_pairs(engine: sa.Engine, event_ids: list[str], *,
                  except_plan: str | None = None) -> set[tuple[str, datetime]]:
    """(event, snapshot time) pairs other plans already hold, to leave out of a new plan."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT event_id, snapshot_time FROM ops.odds_backfill_snapshots WHERE event_id = ANY(:ids) "
            "AND plan_id IS DISTINCT FROM :plan"), {"ids": event_ids, "plan": except_plan}).all()
    return {(r.event_id, r.snapshot_time) for r in rows}


def committed_credits(engine: sa.Engine) -> int:
    """Credits saved plans will still spend: their pending calls × each plan's cost per call. A new plan must fit in
    what is left after them, or two plans that each fit could together overrun the month."""
    with engine.connect() as conn:
        return int(conn.execute(sa.text("""
            SELECT coalesce(sum(pending * credits / nullif(calls, 0)), 0)
            FROM (SELECT p.plan_id, p.credits, p.calls, count(DISTINCT s.snapshot_time) AS pending
                  FROM ops.odds_backfill_plans p JOIN ops.odds_backfill_snapshots s USING (plan_id)
                  WHERE s.status = 'pending' GROUP BY p.plan_id, p.credits, p.calls) pending_calls
        """)).scalar_one())


def save_plan(engine: sa.Engine, plan: BackfillPlan) -> bool:
    """Write the plan and its snapshot rows in one transaction; False when a plan of that id already exists (the
    same parameters planned again), which is left as it is."""
    with engine.begin() as conn:
        inserted = conn.execute(sa.text("""
            INSERT INTO ops.odds_backfill_plans (plan_id, sport, start_date, end_date, strategy, regions, markets,
                                                 games, calls, credits, credits_left, plan)
            VALUES (:plan_id, :sport, :start, :end, :strategy, :regions, :markets, :games, :calls, :credits,
                    :credits_left, CAST(:plan AS jsonb))
            ON CONFLICT (plan_id) DO NOTHING
        """), {"plan_id": plan.plan_id, "sport": plan.sport, "start": plan.start, "end": plan.end,
               "strategy": plan.strategy, "regions": ",".join(plan.regions), "markets": ",".join(plan.markets),
               "games": len(plan.games), "calls": plan.calls, "credits": plan.credits,
               "credits_left": plan.credits_left, "plan": plan.to_json()}).rowcount
        if inserted and plan.snapshots:
            conn.execute(sa.text("""
                INSERT INTO ops.odds_backfill_snapshots (plan_id, event_id, sport, commence_time, snapshot_time,
                                                         fetch_tier)
                VALUES (:plan_id, :event_id, :sport, :commence_time, :snapshot_time, :fetch_tier)
            """), [{**s, "plan_id": plan.plan_id, "sport": plan.sport} for s in plan.snapshots])
    return bool(inserted)


@dataclass(frozen=True)
class PendingCall:
    """One historical /odds call still to make: a plan's moment and the events it is wanted for."""

    plan_id: str
    sport: str
    snapshot_time: datetime
    event_ids: tuple[str, ...]
    regions: tuple[str, ...]
    markets: tuple[str, ...]


def pending_calls(engine: sa.Engine, plan_id: str | None = None, day: date | None = None) -> list[PendingCall]:
    """Every moment with a pending row, oldest plan first then by time (all plans when ``plan_id`` is None; only the
    moments on ``day``, a UTC date of the snapshot time, when given: the Dagster partition)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT s.plan_id, s.sport, s.snapshot_time, array_agg(s.event_id ORDER BY s.event_id) AS event_ids,
                   p.regions, p.markets
            FROM ops.odds_backfill_snapshots s JOIN ops.odds_backfill_plans p USING (plan_id)
            WHERE s.status = 'pending' AND (CAST(:plan AS text) IS NULL OR s.plan_id = :plan)
              AND (CAST(:day AS date) IS NULL OR (s.snapshot_time AT TIME ZONE 'UTC')::date = :day)
            GROUP BY s.plan_id, s.sport, s.snapshot_time, p.regions, p.markets, p.created_at
            ORDER BY p.created_at, s.plan_id, s.snapshot_time
        """), {"plan": plan_id, "day": day}).all()
    return [PendingCall(r.plan_id, r.sport, r.snapshot_time, tuple(r.event_ids), tuple(r.regions.split(",")),
                        tuple(r.markets.split(","))) for r in rows]


def mark_fetched(conn: sa.Connection, call: PendingCall, found: set[str], api_timestamp: datetime,
                 rejected: bool = False) -> None:
    """Close a call's rows inside the caller's transaction: done (or rejected by the gate) for the events the
    snapshot held, missing for the ones it did not."""
    conn.execute(sa.text("""
        UPDATE ops.odds_backfill_snapshots
        SET status = CASE WHEN event_id = ANY(:found) THEN :status ELSE 'missing' END,
            api_timestamp = :api_timestamp, done_at = now()
        WHERE plan_id = :plan AND snapshot_time = :at AND status = 'pending'
    """), {"found": sorted(found), "status": "rejected" if rejected else "done", "api_timestamp": api_timestamp,
           "plan": call.plan_id, "at": call.snapshot_time})


def backfill_status(engine: sa.Engine) -> pd.DataFrame:
    """Per plan: games, snapshot rows per status, calls made and left, credits planned and spent."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT p.plan_id, p.sport, p.start_date, p.end_date, p.strategy, p.games, p.calls, p.credits,
                   count(*) FILTER (WHERE s.status = 'pending') AS pending,
                   count(*) FILTER (WHERE s.status = 'done') AS done,
                   count(*) FILTER (WHERE s.status = 'missing') AS missing,
                   count(*) FILTER (WHERE s.status = 'rejected') AS rejected,
                   count(DISTINCT s.snapshot_time) FILTER (WHERE s.status <> 'pending') AS calls_made,
                   p.created_at
            FROM ops.odds_backfill_plans p LEFT JOIN ops.odds_backfill_snapshots s USING (plan_id)
            GROUP BY p.plan_id ORDER BY p.created_at, p.plan_id
        """)).mappings().all()
    frame = pd.DataFrame(rows, columns=["plan_id", "sport", "start_date", "end_date", "strategy", "games", "calls",
                                        "credits", *STATUSES, "calls_made", "created_at"])
    per_call = (frame["credits"] // frame["calls"].where(frame["calls"] > 0, 1)) if len(frame) else frame["credits"]
    return frame.assign(credits_spent=frame["calls_made"] * per_call)


def pending_by_day(engine: sa.Engine) -> pd.DataFrame:
    """Per UTC day of the snapshot times that still have pending rows: the calls and games left, and the credits they
    will spend — which Dagster partitions of ``odds_backfill`` are still worth running."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT day, count(*)::int AS calls, sum(games)::int AS games, sum(credits_per_call)::int AS credits
            FROM (SELECT (s.snapshot_time AT TIME ZONE 'UTC')::date AS day, s.plan_id, s.snapshot_time,
                         count(*) AS games, min(p.credits / nullif(p.calls, 0)) AS credits_per_call
                  FROM ops.odds_backfill_snapshots s JOIN ops.odds_backfill_plans p USING (plan_id)
                  WHERE s.status = 'pending' GROUP BY 1, 2, 3) per_call
            GROUP BY day ORDER BY day
        """)).mappings().all()
    return pd.DataFrame(rows, columns=["day", "calls", "games", "credits"])
