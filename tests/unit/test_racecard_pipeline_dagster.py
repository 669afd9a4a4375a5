"""The race-card Dagster wiring that needs no database: partition keys, sensor cursor, the morning schedules, the
site resource's spacing between requests."""
from datetime import date, datetime, timezone

import dagster as dg

from orchestration.defs.racecards.partitions import meeting_of, partition_key, race_card_partitions
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.racecards.schedules import morning_schedule, tracks_by_zone
from orchestration.defs.racecards.sensors import read_cursor, write_cursor


def test_partition_keys_round_trip_in_dagsters_format():
    key = partition_key(date(2026, 6, 21), "BEL")
    assert str(key) == "2026-06-21|BEL" and race_card_partitions.has_partition_key(key)
    assert meeting_of(key) == meeting_of("2026-06-21|BEL") == (date(2026, 6, 21), "BEL")


def test_cursor_keeps_recent_keys_and_survives_garbage():
    now = datetime(2026, 6, 21, 12, tzinfo=timezone.utc)
    cursor = write_cursor(now, {"card:2026-06-21:BEL:T-6h", "results:2026-06-10:SA"})
    assert read_cursor(cursor) == {"card:2026-06-21:BEL:T-6h"}
    assert read_cursor("not json") == set() and read_cursor(None) == set()


def test_morning_schedule_requests_today_and_tomorrow_in_track_local_time():
    zones = tracks_by_zone(["BEL", "SA", "AQU"])
    assert zones == {"America/New_York": ["BEL", "AQU"], "America/Los_Angeles": ["SA"]}
    schedule = morning_schedule("America/Los_Angeles", ["SA"])
    assert schedule.execution_timezone == "America/Los_Angeles" and schedule.cron_schedule == "0 6 * * *"
    # 06:00 in Los Angeles on 21 June is 13:00 UTC; the local date decides "today"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 6, 21, 13, tzinfo=timezone.utc))
    requests = list(schedule(context))
    assert [(r.run_key, r.partition_key) for r in requests] == [
        ("card:2026-06-21:SA:06h", "2026-06-21|SA"), ("card:2026-06-22:SA:06h", "2026-06-22|SA")]


def test_requests_are_spaced_a_second_apart_except_to_a_site_on_this_machine(monkeypatch):
    monkeypatch.delenv("PADDOCK_DEMO_SITE_URL", raising=False)
    assert RaceCardSiteResource().min_delay() == 0.0  # the demo site's fallback, 127.0.0.1
    for url in ("http://localhost:8701", "http://[::1]:8701/", "http://127.0.0.2"):
        assert RaceCardSiteResource(base_url=url).min_delay() == 0.0, url
    for url in ("https://www.racingpost.com", "http://10.0.0.5:8701", "http://localhost.example.com"):
        assert RaceCardSiteResource(base_url=url).min_delay() == 1.0, url
    assert RaceCardSiteResource(base_url="https://www.racingpost.com", min_delay_s=2.5).min_delay() == 2.5
    assert RaceCardSiteResource(base_url="http://127.0.0.1:8701", min_delay_s=1.0).min_delay() == 1.0
    monkeypatch.setenv("PADDOCK_DEMO_SITE_URL", "https://cards.example.org")
    assert RaceCardSiteResource().min_delay() == 1.0
