"""The race-card pipeline's pure parts: refresh planning on a frozen clock, card -> rows, partition keys, cursors."""
from datetime import date, datetime, timedelta, timezone

import pytest

from ingestion.racecards import parse
from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.pages import CARD_RUNNERS, content_hash
from ingestion.racecards.pipeline import MeetingPosts, Refresh, card_frames, meeting_path, plan_card_refreshes

DAY = date(2026, 6, 21)
FIRST = datetime(2026, 6, 21, 17, 0, tzinfo=timezone.utc)
LAST = datetime(2026, 6, 21, 21, 30, tzinfo=timezone.utc)
BEL = MeetingPosts(DAY, "BEL", FIRST, LAST)


@pytest.mark.parametrize("now,expected", [
    (FIRST - timedelta(hours=7), []),
    (FIRST - timedelta(hours=6), [Refresh("card", DAY, "BEL", "T-6h")]),
    (FIRST - timedelta(hours=2), [Refresh("card", DAY, "BEL", "T-6h")]),
    (FIRST - timedelta(minutes=59), [Refresh("card", DAY, "BEL", "T-1h")]),
    (FIRST - timedelta(minutes=10), [Refresh("card", DAY, "BEL", "T-10m")]),
    (FIRST, []),  # racing has started: no more card refreshes, results not yet due
    (LAST + timedelta(minutes=14), []),
    (LAST + timedelta(minutes=15), [Refresh("results", DAY, "BEL", "final")]),
])
def test_plan_follows_the_checkpoints(now, expected):
    assert plan_card_refreshes([BEL], now) == expected


def test_run_keys_are_deterministic_and_already_requested_ones_are_skipped():
    now = FIRST - timedelta(minutes=30)
    [refresh] = plan_card_refreshes([BEL], now)
    assert refresh.run_key == "card:2026-06-21:BEL:T-1h"
    assert plan_card_refreshes([BEL], now + timedelta(minutes=5)) == [refresh]  # same key on the next tick
    assert plan_card_refreshes([BEL], now, already_requested={refresh.run_key}) == []
    assert Refresh("results", DAY, "BEL", "final").run_key == "results:2026-06-21:BEL"


def test_one_meeting_per_track_is_planned_independently():
    sa = MeetingPosts(DAY, "SA", FIRST + timedelta(hours=5), LAST + timedelta(hours=5))
    plan = plan_card_refreshes([sa, BEL], LAST + timedelta(minutes=20))  # 10 minutes before SA's first post
    assert plan == [Refresh("results", DAY, "BEL", "final"), Refresh("card", DAY, "SA", "T-10m")]


def test_card_frames_match_the_generator_rows():
    truth = day_batch(7, "BEL", DAY)
    now = truth.races["post_time"].max().to_pydatetime()  # every scratch and jockey change is public by now
    _, _, body = DemoSite(seed=7, clock=lambda: now).respond(meeting_path("card", "BEL", DAY))
    url = "http://127.0.0.1:1" + meeting_path("card", "BEL", DAY)
    fetched = datetime(2026, 6, 21, 10, tzinfo=timezone.utc)
    frames = card_frames(parse("demo", "card", body, url), fetched, "demo /cards/BEL/2026-06-21")
    races, runners = frames["card_races"], frames["card_runners"]
    assert races["race_id"].tolist() == truth.races["race_id"].tolist()
    assert races["runner_count"].sum() == len(truth.runners) == len(runners)
    assert races["distance_furlongs"].tolist() == [float(d) for d in truth.races["distance"]]
    assert runners["scratched"].sum() == (truth.runners["status"] == "scratched").sum() > 0
    assert set(CARD_RUNNERS) <= set(runners.columns)
    assert (runners["fetched_at"] == fetched).all() and set(races["source_ref"]) == {"demo /cards/BEL/2026-06-21"}


def test_content_hash_identifies_a_page_version():
    assert content_hash("<html>a</html>") == content_hash("<html>a</html>") != content_hash("<html>b</html>")
