"""Event lifecycle and retention for polled odds: which started events still need scores, which vanished events are
cancelled, and pruning raw snapshots past the retention window. Kept apart from ``polling`` (what to fetch next)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from ingestion.clock import utcnow
from ingestion.odds_api.backfill_plan import HISTORICAL_SOURCE
from ingestion.racecards.tote_odds import SPORT as TOTE_SPORT


def started_unsettled_sports(engine: sa.Engine, now: datetime, within: timedelta = timedelta(hours=12)) -> list[str]:
    """Sports with an event that has started (within ``within``) but is not final yet: their scores are due.

    Tote boards are stored as events too (sport ``horseracing``), but the Odds API has no scores for them: a race is
    settled by its results page (``race_results_job``), so asking /scores for it would only fail the run."""
    query = sa.text("""
        SELECT DISTINCT sport FROM raw.events
        WHERE commence_time <= :now AND commence_time > :since AND status IN ('scheduled', 'live') AND NOT completed
          AND sport <> :tote
        ORDER BY sport
    """)
    with engine.connect() as conn:
        return list(conn.execute(query, {"now": now, "since": now - within, "tote": TOTE_SPORT}).scalars())


def mark_cancelled(engine: sa.Engine, sport: str, seen_ids: Iterable[str], now: datetime,
                   grace: timedelta = timedelta(hours=12), days_from: int = 3) -> int:
    """Events that should have started more than ``grace`` ago but that /scores no longer lists are cancelled.

    Postponements need no rule: /scores reports the new commence_time, the upsert follows it, and the tier logic
    then polls the event on its new schedule.
    """
    query = sa.text("""
        UPDATE raw.events SET status = 'cancelled', updated_at = now()
        WHERE sport = :sport AND status IN ('scheduled', 'live') AND NOT completed
          AND commence_time < :before AND commence_time >= :after AND NOT (id = ANY(:seen))
    """)
    with engine.begin() as conn:
        return conn.execute(query, {"sport": sport, "before": now - grace, "after": now - timedelta(days=days_from),
                                    "seen": list(seen_ids)}).rowcount


def prune_old_snapshots(engine: sa.Engine, older_than_days: int, now: datetime | None = None) -> dict:
    """Delete polled raw snapshots (and their normalized odds) older than the retention window, in one transaction.

    Backfilled history (``source`` = the historical endpoint's) is never pruned: every one of its snapshots is older
    than the window by design, each cost credits, and the backfill ledger marks it done, so a pruned one would be
    neither kept nor fetched again."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    params = {"c": cutoff, "h": HISTORICAL_SOURCE}
    with engine.begin() as conn:
        odds = conn.execute(sa.text(
            "DELETE FROM raw.odds o USING raw.odds_snapshots s WHERE o.snapshot_id = s.snapshot_id "
            "AND s.snapshot_time < :c AND s.source <> :h"), params).rowcount
        snaps = conn.execute(sa.text("DELETE FROM raw.odds_snapshots WHERE snapshot_time < :c AND source <> :h"),
                             params).rowcount
    return {"odds_snapshots": snaps, "odds": odds, "cutoff": cutoff.isoformat()}
