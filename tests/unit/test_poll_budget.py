"""The quota planner degrades instead of going dark (issue 13): 10,000 upcoming events and 20,000 credits left for a
31-day month used to drop every tier, closing included, and poll nothing.

The spend is checked against an independent count: a minute-by-minute walk through the next 24 h that counts one
call per (sport, tier, interval bucket) in which some event of the sport sits in the tier's window — the planner
counts the same thing with interval arithmetic on arrays.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from ingestion.odds_api.poll_budget import DEFAULT_TIERS, STRETCHES
from ingestion.odds_api.polling import DISCOVERY, plan_polls

NOW = datetime(2025, 3, 1, 0, 0, tzinfo=timezone.utc)  # the first of a 31-day month: the whole month to pay for
SPORTS = ["basketball_nba", "icehockey_nhl", "soccer_epl", "americanfootball_nfl"]
CREDITS, COST, DAYS = 20_000, 6, 31.0  # 6 credits per /odds call: us,eu regions x h2h,spreads,totals


def ten_thousand_events() -> pd.DataFrame:
    """Events every 4 min per sport (one every minute overall) from 10 min to ~7 days ahead, never fetched."""
    n = 10_000
    return pd.DataFrame({
        "event_id": [f"e{i}" for i in range(n)], "sport": [SPORTS[i % 4] for i in range(n)],
        "commence_time": [NOW + timedelta(minutes=10 + i) for i in range(n)], "status": "scheduled",
        "last_fetched_at": None})


def walked_calls(events: pd.DataFrame, name: str, interval_minutes: float) -> int:
    """Calls in the next 24 h for one tier polled every ``interval_minutes``, minute by minute."""
    table = {t.name: t for t in DEFAULT_TIERS}
    ordered = sorted(DEFAULT_TIERS, key=lambda t: -t.min_hours)
    upper = dict(zip([t.name for t in ordered], [np.inf] + [t.min_hours for t in ordered[:-1]]))
    start = pd.Timestamp(events["commence_time"].min()) - pd.Timedelta(minutes=10)
    minutes_to_start = ((pd.to_datetime(events["commence_time"], utc=True) - start).dt.total_seconds() / 60).to_numpy()
    sports = pd.factorize(events["sport"])[0]
    calls = set()
    for minute in range(24 * 60):
        hours_left = (minutes_to_start - minute) / 60
        inside = (hours_left >= table[name].min_hours) & (hours_left < upper[name]) & (hours_left > 0)
        bucket = int((start.timestamp() / 60 + minute) // interval_minutes)
        calls |= {(int(sport), bucket) for sport in np.unique(sports[inside])}
    return len(calls)


def test_ten_thousand_events_and_twenty_thousand_credits_poll_closing_first_and_stretch():
    events = ten_thousand_events()
    plan = plan_polls(events, NOW, quota_remaining=CREDITS, days_left_in_month=DAYS, cost_per_call=COST,
                      sports=SPORTS)
    budget = {b.tier.name: b for b in plan.budget}

    # closing is kept, at the shortest stretch the month can pay: 2x (every 60 min), because every 30 min costs
    # 4 sports x 48 calls x 6 credits x 31 days = 35,712 > 20,000 (the figure the old planner dropped it for)
    assert walked_calls(events, "closing", 30) == 4 * 48
    assert walked_calls(events, "closing", 30) * COST * DAYS > CREDITS
    assert budget["closing"].stretch == 2 and budget["closing"].tier.interval_minutes == 60
    assert walked_calls(events, "closing", 60) == 4 * 24 and budget["closing"].credits == 4 * 24 * COST * 31
    # what closing leaves (20,000 - 17,856 = 2,144) goes to pregame, stretched until it fits
    left = CREDITS - budget["closing"].credits
    pregame = budget["pregame"]
    assert walked_calls(events, "pregame", pregame.tier.interval_minutes) * COST * DAYS <= left
    shorter = STRETCHES[STRETCHES.index(pregame.stretch) - 1]
    assert walked_calls(events, "pregame", 180 * shorter) * COST * DAYS > left  # no shorter interval fits
    # the rest cannot be paid even once a day per sport: dropped, lowest value first, each with its reason
    assert [t for t, _ in plan.dropped] == ["opening", "early", "sharp"]
    assert plan.projected_credits <= CREDITS

    # this tick polls every sport's closing and pregame events (never fetched, so due), nearest tier first
    tiers = {(r.sport, r.tier) for r in plan.requests if r.tier != DISCOVERY}
    assert tiers == {(s, t) for s in SPORTS for t in ("closing", "pregame")}
    closing = [r for r in plan.requests if r.tier == "closing"]
    assert sum(len(r.event_ids) for r in closing) == 170  # minutes 10..179: commence before NOW + 3 h
    assert all(r.run_key.endswith(f":{int(NOW.timestamp() // 3600)}") for r in closing)  # 60-min buckets
    text = plan.describe()
    assert "closing every 60 min (x2)" in text and f"budget of {CREDITS} remaining" in text
    assert "dropped opening" in text


def test_a_tick_the_credits_cannot_pay_polls_the_nearest_starts_first():
    events = pd.DataFrame([
        {"event_id": f"c-{s}", "sport": s, "commence_time": NOW + timedelta(minutes=30 + 20 * i),
         "status": "scheduled", "last_fetched_at": None} for i, s in enumerate(SPORTS)])
    # two calls' worth left today, half a day left in the month: only two of the four closing polls fit
    plan = plan_polls(events, NOW, quota_remaining=2 * COST, days_left_in_month=0.01, cost_per_call=COST,
                      sports=SPORTS, discovery_horizon=timedelta(0))
    assert [(r.sport, r.tier) for r in plan.requests] == [(SPORTS[0], "closing"), (SPORTS[1], "closing")]
    assert plan.dropped == [("closing", "2 poll(s) wait: this tick needs 24 credits, 12 remaining")]
