"""Racing tote odds: live WIN-pool prices from the race-card site's odds page, into the same odds tables as bookmakers.

A race is polled from two hours before post: every 60 s (tier ``racing_closing``), every 30 s in the last ten minutes
(``racing_final``), never after post. Each board becomes an Odds-API-shaped event (id = the race id, sport
``horseracing``, bookmaker = the site's pool, e.g. ``demo_win_pool``, market ``win``, one outcome per program
number) so storage, the odds suite, quarantine and the odds marts treat it exactly like a bookmaker snapshot.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from ingestion.odds_api.storage import Fetch, StoreResult, store_fetches
from ingestion.odds_api.tiers import TOTE_TIERS
from ingestion.racecards import OddsBoard, parse

SPORT = "horseracing"
HORIZON = timedelta(hours=2)


def tote_tier(minutes_to_post: float) -> tuple[str, int] | None:
    """(tier, interval seconds) for a race this many minutes before post; None before T−2h or after post."""
    if minutes_to_post <= 0:
        return None
    for tier, upper, every in TOTE_TIERS:
        if minutes_to_post <= upper:
            return tier, every
    return None


@dataclass(frozen=True)
class TotePoll:
    """One run: every due race of one track and day in one tier."""

    tier: str
    track: str
    race_date: date
    race_ids: tuple[str, ...]
    run_key: str


_STATE = sa.text("""
    SELECT r.race_id, r.track_code, r.race_date, r.race_number, r.post_time, s.last_polled_at
    FROM (SELECT DISTINCT ON (race_id) race_id, track_code, race_date, race_number, post_time
          FROM raw.card_races WHERE post_time > :now AND post_time <= :until
          ORDER BY race_id, _loaded_at DESC) r
    LEFT JOIN LATERAL (SELECT max(snapshot_time) AS last_polled_at FROM raw.odds_snapshots s
                       WHERE s.event_id = r.race_id) s ON true
""")


def load_tote_state(engine: sa.Engine, now: datetime) -> pd.DataFrame:
    """Races on today's cards posting within two hours, with when their board was last stored."""
    with engine.connect() as conn:
        rows = conn.execute(_STATE, {"now": now, "until": now + HORIZON}).all()
    return pd.DataFrame(rows, columns=["race_id", "track_code", "race_date", "race_number", "post_time",
                                       "last_polled_at"])


def plan_tote_polls(state: pd.DataFrame, now: datetime) -> list[TotePoll]:
    """Due races grouped per (tier, track, day); the run key is the interval bucket, so one bucket runs once."""
    due: dict[tuple[str, str, date, int], list[str]] = {}
    for race in state.itertuples(index=False):
        tier = tote_tier((race.post_time - now).total_seconds() / 60)
        if tier is None:
            continue
        name, every = tier
        last = race.last_polled_at
        if last is not None and not pd.isna(last) and (now - last).total_seconds() < every - 1:
            continue
        bucket = int(now.timestamp() // every)
        due.setdefault((name, race.track_code, race.race_date, bucket), []).append(race.race_id)
    return [
        TotePoll(tier, track, day, tuple(sorted(ids)), f"tote:{track}:{day.isoformat()}:{tier}:{bucket}")
        for (tier, track, day, bucket), ids in sorted(due.items())
    ]


def board_event(board: OddsBoard, site: str) -> dict:
    """The board as one Odds API event; scratched runners and blank prices are left out (nothing to bet)."""
    race = board.race
    as_of = (board.as_of or race.post_time).isoformat() if (board.as_of or race.post_time) else None
    outcomes = [{"name": str(row.horse_number), "price": row.odds}
                for row in board.rows if row.odds is not None and not row.scratched]
    return {
        "id": race.race_id, "sport_key": SPORT, "sport_title": "Horse Racing",
        "commence_time": race.post_time.isoformat() if race.post_time else None,
        "home_team": f"{race.track} R{race.race_number}", "away_team": "field",
        "bookmakers": [{"key": f"{site}_{board.pool}_pool", "title": f"{site} {board.pool} pool",
                        "last_update": as_of,
                        "markets": [{"key": board.pool, "last_update": as_of, "outcomes": outcomes}]}],
    }


def poll_tote(engine: sa.Engine, fetcher, base_url: str, site: str, poll: TotePoll, clock: Callable[[], datetime],
              request_prefix: str) -> StoreResult:
    """Fetch, parse and store the boards of one poll, gated and loaded in one transaction.

    The gate judges the boards at ``clock()`` read *after* fetching them: a board is stamped when it is served, and
    "stamped more than 5 minutes in the future" must compare with when we had it, not with before the first request
    (under a fast simulated clock the fetches alone span minutes, and every board read as from the future)."""
    fetches = []
    for race_id in poll.race_ids:
        number = int(race_id.rsplit("-", 1)[1])
        url = f"{base_url.rstrip('/')}/odds/{poll.track}/{poll.race_date.isoformat()}/{number}"
        response = fetcher.get(url, site=site, parser=f"{site}.odds",
                               parse=lambda r: parse(site, "odds", r.text, r.url))
        board: OddsBoard = response.parsed
        fetches.append(Fetch(SPORT, [board_event(board, site)], board.as_of or clock(), poll.tier,
                             f"{request_prefix}:{race_id}", "decimal", source=f"{site}_tote"))
    return store_fetches(engine, fetches, now=clock())


def due_polls(engine: sa.Engine, now: datetime) -> list[TotePoll]:
    """What the tote sensor launches now: one query, then the pure plan."""
    return plan_tote_polls(load_tote_state(engine, now), now)
