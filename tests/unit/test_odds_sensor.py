"""The polling decision (``plan_polls``) with a frozen clock: tiers, due logic, grouping, run keys, quota, discovery."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from ingestion.odds_api.polling import (
    DEFAULT_TIERS, DISCOVERY, Tier, days_left_in_month, plan_polls, projected_daily_calls, run_key,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
NBA, NFL = "basketball_nba", "americanfootball_nfl"


def ev(event_id, hours, *, sport=NBA, status="scheduled", fetched_hours_ago=None):
    return {
        "event_id": event_id, "sport": sport, "commence_time": NOW + timedelta(hours=hours), "status": status,
        "last_fetched_at": None if fetched_hours_ago is None else NOW - timedelta(hours=fetched_hours_ago),
    }


def frame(*rows):
    return pd.DataFrame(list(rows))


def by_tier(plan):
    return {(r.sport, r.tier): r.event_ids for r in plan.requests if r.tier != DISCOVERY}


@pytest.mark.parametrize("hours, tier", [
    (200, "opening"), (72, "opening"), (71.99, "early"), (24, "early"), (23.99, "sharp"), (12, "sharp"),
    (11.99, "pregame"), (3, "pregame"), (2.99, "closing"), (0.01, "closing"),
])
def test_tier_boundaries(hours, tier):
    plan = plan_polls(frame(ev("e", hours)), NOW)
    assert by_tier(plan) == {(NBA, tier): ("e",)}


def test_no_polling_at_or_after_start_or_for_settled_events():
    plan = plan_polls(frame(
        ev("started", 0), ev("past", -1), ev("live", 1, status="live"), ev("final", 2, status="final"),
        ev("cancelled", 30, status="cancelled"), ev("postponed", 30, status="postponed"),
        ev("later", 40, fetched_hours_ago=1),  # keeps the sport's horizon known: no discovery either
    ), NOW)
    assert plan.requests == []


@pytest.mark.parametrize("tier_hours, interval_h", [(100, 48), (30, 24), (15, 12), (5, 3), (1, 0.5)])
def test_due_exactly_at_the_tier_interval(tier_hours, interval_h):
    almost = plan_polls(frame(ev("e", tier_hours, fetched_hours_ago=interval_h - 1 / 60)), NOW)
    due = plan_polls(frame(ev("e", tier_hours, fetched_hours_ago=interval_h)), NOW)
    assert by_tier(almost) == {}
    assert list(by_tier(due).values()) == [("e",)]


def test_groups_per_sport_and_tier_with_sorted_event_ids():
    plan = plan_polls(frame(
        ev("b", 1), ev("a", 2), ev("c", 5), ev("d", 1, sport=NFL), ev("fresh", 1, fetched_hours_ago=0.1),
    ), NOW)
    assert by_tier(plan) == {(NBA, "closing"): ("a", "b"), (NBA, "pregame"): ("c",), (NFL, "closing"): ("d",)}


def test_run_keys_are_deterministic_within_an_interval_bucket():
    events = frame(ev("a", 1), ev("b", 50))
    first = plan_polls(events, NOW)
    again = plan_polls(events, NOW + timedelta(minutes=10))  # same 30-min and 24-h buckets
    later = plan_polls(events, NOW + timedelta(minutes=31))
    keys = {r.tier: r.run_key for r in first.requests}
    assert keys["closing"] == f"odds:{NBA}:closing:{int(NOW.timestamp() // 1800)}"
    assert keys["early"] == run_key(NBA, "early", NOW, timedelta(hours=24))
    assert [r.run_key for r in again.requests] == [r.run_key for r in first.requests]
    later_keys = {r.tier: r.run_key for r in later.requests}
    assert later_keys["closing"] != keys["closing"] and later_keys["early"] == keys["early"]


def test_request_still_in_flight_is_deferred_not_repeated():
    events = frame(ev("a", 1))
    plan = plan_polls(events, NOW, recently_requested={(NBA, "closing"): NOW - timedelta(minutes=2)})
    assert by_tier(plan) == {} and plan.deferred == [f"{NBA}/closing"]
    plan = plan_polls(events, NOW, recently_requested={(NBA, "closing"): NOW - timedelta(minutes=11)})
    assert by_tier(plan) == {(NBA, "closing"): ("a",)}


def test_discovery_when_a_sport_has_no_known_events_or_a_short_stale_horizon():
    plan = plan_polls(frame(ev("far", 200, fetched_hours_ago=1)), NOW, sports=[NBA, NFL])
    assert [(r.sport, r.tier, r.event_ids) for r in plan.requests] == [(NFL, DISCOVERY, ())]
    assert plan.requests[0].run_key == f"odds:{NFL}:discovery:{int(NOW.timestamp() // (6 * 3600))}"
    short = plan_polls(frame(ev("soon", 30, fetched_hours_ago=7)), NOW, sports=[NBA])
    assert [r.tier for r in short.requests] == [DISCOVERY]  # early needs 24 h between fetches; discovery 6 h
    recent = plan_polls(frame(ev("soon", 30, fetched_hours_ago=2)), NOW, sports=[NBA])
    assert DISCOVERY not in {r.tier for r in recent.requests}


def test_unconfigured_sports_are_not_polled():
    plan = plan_polls(frame(ev("a", 1), ev("x", 1, sport="golf_masters")), NOW, sports=[NBA])
    assert set(by_tier(plan)) == {(NBA, "closing")}


def test_event_disappearing_keeps_the_rest_of_its_group_polled():
    before = frame(ev("a", 1, fetched_hours_ago=1), ev("gone", 1, fetched_hours_ago=1))
    # "gone" was not in the last snapshot, so only "a" got a fresh fetch; "gone" stays due until it starts
    after = frame(ev("a", 1, fetched_hours_ago=0.1), ev("gone", 1, fetched_hours_ago=1))
    assert by_tier(plan_polls(before, NOW)) == {(NBA, "closing"): ("a", "gone")}
    assert by_tier(plan_polls(after, NOW)) == {(NBA, "closing"): ("gone",)}
    assert by_tier(plan_polls(after, NOW + timedelta(hours=2))) == {}  # started: never polled again


def test_quota_degradation_drops_opening_first_and_says_so():
    events = frame(*[ev(f"o{i}", 80 + i * 30) for i in range(3)], ev("c", 2), ev("p", 6))
    daily = projected_daily_calls(events, NOW)
    assert daily["opening"] >= 1 and daily["closing"] >= 1
    full = plan_polls(events, NOW, quota_remaining=1_000_000, days_left_in_month=20, cost_per_call=6)
    assert full.dropped == [] and {r.tier for r in full.requests} == {"opening", "pregame", "closing"}
    need = lambda tiers: int(np.ceil(sum(daily[t] for t in tiers) * 6 * 20))  # noqa: E731
    rest = ["early", "sharp", "pregame", "closing"]
    tight = plan_polls(events, NOW, quota_remaining=need(rest), days_left_in_month=20, cost_per_call=6)
    assert [t for t, _ in tight.dropped] == ["opening"]
    assert {r.tier for r in tight.requests} == {"pregame", "closing"}
    assert "opening" in tight.describe() and "remaining" in tight.describe()
    tighter = plan_polls(events, NOW, quota_remaining=need(["closing"]), days_left_in_month=20, cost_per_call=6)
    assert [t for t, _ in tighter.dropped] == [t for t in ["opening", *rest[:-1]] if daily[t]]
    assert "pregame" in dict(tighter.dropped) and {r.tier for r in tighter.requests} == {"closing"}


def test_exhausted_quota_stops_everything_and_unknown_quota_drops_nothing():
    events = frame(ev("c", 2))
    broke = plan_polls(events, NOW, quota_remaining=5, days_left_in_month=1, cost_per_call=6, sports=[NBA, NFL])
    assert broke.requests == [] and {t for t, _ in broke.dropped} >= {"closing", DISCOVERY}
    unknown = plan_polls(events, NOW, quota_remaining=None, days_left_in_month=20, cost_per_call=6)
    assert unknown.dropped == [] and by_tier(unknown) == {(NBA, "closing"): ("c",)}


def test_tier_table_is_configurable():
    tiers = [Tier("far", 10, 600), Tier("near", 0, 10)]
    plan = plan_polls(frame(ev("a", 11), ev("b", 9, fetched_hours_ago=0.2)), NOW, tiers=tiers)
    assert by_tier(plan) == {(NBA, "far"): ("a",), (NBA, "near"): ("b",)}


def test_days_left_in_month():
    assert days_left_in_month(datetime(2025, 3, 31, 12, tzinfo=timezone.utc)) == pytest.approx(0.5)
    assert days_left_in_month(datetime(2025, 12, 1, tzinfo=timezone.utc)) == pytest.approx(31)


def test_plan_for_ten_thousand_events_with_ample_credits_polls_every_tier():
    rng = np.random.default_rng(1)
    n = 10_000
    events = pd.DataFrame({
        "event_id": [f"e{i}" for i in range(n)], "sport": rng.choice([NBA, NFL, "soccer_epl", "icehockey_nhl"], n),
        "commence_time": [NOW + timedelta(hours=float(h)) for h in rng.uniform(-5, 240, n)],
        "status": "scheduled",
        "last_fetched_at": [NOW - timedelta(hours=float(h)) for h in rng.uniform(0, 60, n)],
    })
    plan = plan_polls(events, NOW, DEFAULT_TIERS, quota_remaining=10**9, days_left_in_month=20, cost_per_call=6)
    assert {r.tier for r in plan.requests} == {t.name for t in DEFAULT_TIERS}
