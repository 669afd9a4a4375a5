"""The polling sensors through ``build_sensor_context`` against the real embedded PostgreSQL, clock frozen.

Events use sports no other test writes, and the frozen clock sits in a month no real fetch happened in, so quota
readings from other tests never leak in.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from orchestration.defs.odds import sensors
from orchestration.defs.odds.resources import OddsPollingResource
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.conftest import forget_odds

pytestmark = pytest.mark.integration

NOW = datetime(2031, 5, 14, 12, 0, tzinfo=timezone.utc)
NBA, NHL = "sensor_test_nba", "sensor_test_nhl"


@pytest.fixture
def clean(engine):
    def wipe():
        forget_odds(engine, sports=[NBA, NHL])
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM ops.fetch_log WHERE fetched_at >= '2031-01-01'"))
    wipe()
    yield engine
    wipe()


def add_event(engine, event_id, sport, hours, status="scheduled", fetched_hours_ago=None):
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO raw.events (id, sport, commence_time, home_team, away_team, status) "
            "VALUES (:id, :sport, :t, 'Home', 'Away', :status)"),
            {"id": event_id, "sport": sport, "t": NOW + timedelta(hours=hours), "status": status})
        if fetched_hours_ago is not None:
            conn.execute(sa.text(
                "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, "
                "bookmaker_count) VALUES (:sid, :id, :sport, '{}', :t, 0)"),
                {"sid": f"snap-{event_id}", "id": event_id, "sport": sport,
                 "t": NOW - timedelta(hours=fetched_hours_ago)})


def evaluate(runtime_env, monkeypatch, sensor, cursor=None, at=NOW):
    monkeypatch.setattr(sensors, "utcnow", lambda: at)
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(), cursor=cursor,
        resources={
            "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
            "odds_polling": OddsPollingResource(sports=f"{NBA},{NHL}"),  # us,eu × 3 markets: 6 credits per call
        },
    )
    return sensor(context)


def test_sensor_requests_due_events_per_sport_and_tier(clean, runtime_env, monkeypatch):
    add_event(clean, "s-close-b", NBA, 1)
    add_event(clean, "s-close-a", NBA, 2.5, fetched_hours_ago=1)
    add_event(clean, "s-fresh", NBA, 2, fetched_hours_ago=0.2)  # closing but fetched 12 min ago
    add_event(clean, "s-open", NBA, 130, fetched_hours_ago=1)  # horizon > 5 days: no discovery needed
    add_event(clean, "s-live", NBA, -0.5, status="live")
    add_event(clean, "s-final", NBA, 3.5, status="final")
    add_event(clean, "h-sharp", NHL, 20, fetched_hours_ago=13)
    add_event(clean, "h-far", NHL, 200, fetched_hours_ago=1)
    result = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor)

    requests = {r.tags["tier"] + "/" + r.tags["sport"]: r for r in result.run_requests}
    assert sorted(requests) == [f"closing/{NBA}", f"sharp/{NHL}"]
    closing = requests[f"closing/{NBA}"]
    assert closing.run_key == f"odds:{NBA}:closing:{int(NOW.timestamp() // 1800)}"
    assert closing.tags == {"tier": "closing", "sport": NBA}
    assert closing.run_config == {"ops": {"odds_snapshots": {"config": {
        "sports": [NBA], "tier": "closing", "event_ids": ["s-close-a", "s-close-b"]}}}}
    assert requests[f"sharp/{NHL}"].run_key == f"odds:{NHL}:sharp:{int(NOW.timestamp() // (12 * 3600))}"
    cursor = json.loads(result.cursor)
    assert cursor["evaluated_at"] == NOW.isoformat() and f"{NBA}|closing" in cursor["requested"]

    # Two minutes later the runs may still be in flight: nothing is requested twice.
    again = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor, result.cursor, NOW + timedelta(minutes=2))
    assert again.run_requests == [] and "in flight" in again.skip_reason.skip_message


def test_sensor_discovers_sports_without_events(clean, runtime_env, monkeypatch):
    add_event(clean, "h-far", NHL, 200, fetched_hours_ago=1)
    result = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor)
    assert [(r.tags["sport"], r.tags["tier"]) for r in result.run_requests] == [(NBA, "discovery")]
    assert result.run_requests[0].run_config["ops"]["odds_snapshots"]["config"]["event_ids"] == []


def test_sensor_degrades_under_quota_and_says_which_tiers(clean, runtime_env, monkeypatch):
    add_event(clean, "s-open", NBA, 130)
    add_event(clean, "s-close", NBA, 1)
    with clean.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO ops.fetch_log (fetched_at, site, url, status, meta) VALUES "
            "(:t, 'the-odds-api', 'http://x/v4/sports/a/odds', 200, CAST(:meta AS jsonb))"),
            {"t": NOW - timedelta(hours=1), "meta": json.dumps({"x-requests-remaining": "5"})})
    result = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor)
    assert result.run_requests == []
    message = result.skip_reason.skip_message
    assert "dropped opening" in message and "closing" in message and "5 remaining" in message


def test_sensor_never_polls_started_events_and_asks_for_their_scores(clean, runtime_env, monkeypatch):
    add_event(clean, "s-started", NBA, -1)
    add_event(clean, "s-done", NHL, -2, status="final")
    add_event(clean, "s-open", NBA, 130, fetched_hours_ago=1)
    add_event(clean, "h-far", NHL, 200, fetched_hours_ago=1)
    polling = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor)
    assert polling.run_requests == [] and "0 poll(s)" in polling.skip_reason.skip_message
    scores = evaluate(runtime_env, monkeypatch, sensors.odds_scores_sensor)
    assert [(r.run_key, r.tags) for r in scores.run_requests] == [
        (f"scores:{NBA}:{int(NOW.timestamp() // 1800)}", {"sport": NBA})]


def test_sensor_plans_ten_thousand_upcoming_events(clean, runtime_env, monkeypatch):
    rows = [{"id": f"bench-{i}", "sport": (NBA, NHL)[i % 2], "t": NOW + timedelta(minutes=10 + i)}
            for i in range(10_000)]
    with clean.begin() as conn:
        conn.execute(sa.text("INSERT INTO raw.events (id, sport, commence_time, home_team, away_team) "
                             "VALUES (:id, :sport, :t, 'H', 'A')"), rows)
        conn.execute(sa.text(
            "INSERT INTO raw.odds_snapshots (snapshot_id, event_id, sport, payload, snapshot_time, bookmaker_count) "
            "SELECT 'b-' || id, id, sport, '{}', CAST(:t AS timestamptz), 0 FROM raw.events WHERE id LIKE 'bench-%'"),
            {"t": NOW - timedelta(hours=1)})
    result = evaluate(runtime_env, monkeypatch, sensors.odds_polling_sensor)  # tick latency lives in make bench
    assert {r.tags["tier"] for r in result.run_requests} == {"closing"}  # fetched 1 h ago: only closing is due
    assert sum(len(r.run_config["ops"]["odds_snapshots"]["config"]["event_ids"]) for r in result.run_requests) == 170


def test_scores_run_config_is_valid_for_the_scores_job(clean, runtime_env, monkeypatch):
    """Regression (issue 13): the sensor keyed its config by ``odds_scores``; the op is ``raw__odds_scores``."""
    from orchestration.definitions import defs

    monkeypatch.setenv("ODDS_API_KEY", "test-key")  # the job's resources read it when the config is resolved
    add_event(clean, "s-started", NBA, -1)
    scores = evaluate(runtime_env, monkeypatch, sensors.odds_scores_sensor)
    job = defs().resolve_job_def("odds_scores_job")
    [request] = scores.run_requests
    assert request.run_config == {"ops": {"raw__odds_scores": {"config": {"sports": [NBA]}}}}
    dg.validate_run_config(job, request.run_config)  # raises DagsterInvalidConfigError on a wrong op name
