"""Which sports the scores sensor asks /scores for: started, unsettled Odds API events — never tote races.

Tote boards are stored as events (sport ``horseracing``, commence = post time); the Odds API has no scores for them,
so a race past its post would make the scores run fail ("scores failed for every sport"). The simulated race day
(test_operating_day.py) found it; this pins it. The rows sit in 2099 so no other module's events fall in the 12-hour window.
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ingestion.odds_api.lifecycle import started_unsettled_sports

NOW = datetime(2099, 6, 1, 20, 0, tzinfo=timezone.utc)


def test_started_tote_races_are_not_sent_to_scores(engine):
    rows = [("scores-due-nfl", "americanfootball_nfl", NOW - timedelta(hours=1), "live"),
            ("scores-due-race", "horseracing", NOW - timedelta(minutes=30), "scheduled"),
            ("scores-due-final", "icehockey_nhl", NOW - timedelta(hours=2), "final"),
            ("scores-due-later", "basketball_nba", NOW + timedelta(hours=1), "scheduled")]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM raw.events WHERE id LIKE 'scores-due-%'"))
        conn.execute(sa.text("INSERT INTO raw.events (id, sport, commence_time, home_team, away_team, status, "
                             "completed) VALUES (:id, :sport, :at, 'home', 'away', :status, :status = 'final')"),
                     [{"id": i, "sport": s, "at": at, "status": st} for i, s, at, st in rows])
    try:
        assert started_unsettled_sports(engine, NOW) == ["americanfootball_nfl"]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM raw.events WHERE id LIKE 'scores-due-%'"))
