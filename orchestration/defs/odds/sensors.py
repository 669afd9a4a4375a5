"""Tier-aware odds polling: wake often, launch runs only for what is due, within the month's credits.

The decision is ``ingestion.odds_api.polling.plan_polls`` (pure, unit-tested); this sensor only reads the poll state
with one query, turns the plan into run requests tagged with tier and sport, and explains drops in the tick log.
The cursor remembers when each (sport, tier) was last requested, so a run still in flight when its interval bucket
rolls over is not launched twice.
"""
import json
from datetime import datetime, timedelta

import dagster as dg

from ingestion.clock import interval  # sensor intervals shrink with a simulated clock's speed
from ingestion.odds_api.lifecycle import started_unsettled_sports
from ingestion.odds_api.polling import days_left_in_month, latest_quota_remaining, load_poll_state, plan_polls
from ingestion.racecards.tote_odds import due_polls
from orchestration.defs.odds.assets import odds_scores, odds_snapshots
from orchestration.defs.odds.resources import OddsPollingResource
from orchestration.defs.odds.schedules import odds_job, odds_scores_job
from orchestration.defs.warehouse.resources import WarehouseResource
from paddock.settings import utcnow  # the sensors' clock; tests patch it here to freeze time

CURSOR_MEMORY = timedelta(days=1)
SCORES_EVERY = timedelta(minutes=30)
# Run config is keyed by the op's name, which Dagster derives from the asset key (``raw/odds_scores`` ->
# ``raw__odds_scores``): read it from the definitions instead of spelling it, so a renamed key cannot break the ticks.
POLL_OP, SCORES_OP = odds_snapshots.op.name, odds_scores.op.name


def poll_config(config: dict) -> dict:
    return {"ops": {POLL_OP: {"config": config}}}


def poll_assets(context: dg.SensorEvaluationContext) -> list[dg.AssetKey] | None:
    """The odds job's assets, stated on each poll's run request. Automation tells a parent updated in a run that
    also built the asset (Dagster's ``executed_with_root_target``) from the run's asset selection, which the run of
    a job launched without one does not carry: after every poll, automation rebuilt the signals' inputs and the
    signals the poll's run had just built (the operating day's automation runs held all eleven odds assets). None
    without the repository (a sensor evaluated alone): the run is the whole job either way."""
    repository = context.repository_def
    if repository is None:
        return None
    return sorted(repository.get_job(odds_job.name).asset_layer.selected_asset_keys)


def read_cursor(raw: str | None) -> dict[tuple[str, str], datetime]:
    """Last request time per (sport, tier); an unreadable cursor is treated as empty rather than failing ticks."""
    try:
        requested = json.loads(raw or "{}").get("requested", {})
        return {tuple(k.split("|", 1)): datetime.fromisoformat(v) for k, v in requested.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def write_cursor(now: datetime, requested: dict[tuple[str, str], datetime]) -> str:
    keep = {f"{s}|{t}": at.isoformat() for (s, t), at in sorted(requested.items()) if now - at < CURSOR_MEMORY}
    return json.dumps({"evaluated_at": now.isoformat(), "requested": keep}, sort_keys=True)


@dg.sensor(
    job=odds_job, minimum_interval_seconds=interval(30), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Poll odds for events due by their tier (hours before the start), grouped per sport and tier.",
)
def odds_polling_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource, odds_polling: OddsPollingResource
) -> dg.SensorResult:
    now = utcnow()
    engine = warehouse.ready_engine()
    requested = read_cursor(context.cursor)
    plan = plan_polls(
        load_poll_state(engine, now), now,
        quota_remaining=latest_quota_remaining(engine, now), days_left_in_month=days_left_in_month(now),
        cost_per_call=odds_polling.cost_per_call(), sports=odds_polling.sport_list(),
        discovery_every=timedelta(hours=odds_polling.discovery_hours),
        discovery_horizon=timedelta(days=odds_polling.discovery_horizon_days), recently_requested=requested,
    )
    if plan.dropped or plan.stretched:  # the month's credits do not cover every tier at its own interval
        context.log.warning(f"quota: {plan.describe()}")
    elif plan.quota_remaining is not None:
        context.log.info(f"quota: {plan.describe()}")
    assets = poll_assets(context) if plan.requests else None
    runs = [
        dg.RunRequest(
            run_key=r.run_key, tags={"tier": r.tier, "sport": r.sport}, asset_selection=assets,
            run_config=poll_config({"sports": [r.sport], "tier": r.tier, "event_ids": list(r.event_ids)}),
        )
        for r in plan.requests
    ]
    requested.update({(r.sport, r.tier): now for r in plan.requests})
    cursor = write_cursor(now, requested)
    if runs:
        return dg.SensorResult(run_requests=runs, cursor=cursor)
    return dg.SensorResult(skip_reason=f"nothing due: {plan.describe()}", cursor=cursor)


@dg.sensor(
    job=odds_scores_job, minimum_interval_seconds=interval(300), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Settle scores for sports with started, unsettled events (at most every 30 minutes per sport).",
)
def odds_scores_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    now = utcnow()
    sports = started_unsettled_sports(warehouse.ready_engine(), now)
    bucket = int(now.timestamp() // SCORES_EVERY.total_seconds())
    runs = [
        dg.RunRequest(run_key=f"scores:{sport}:{bucket}", tags={"sport": sport},
                      run_config={"ops": {SCORES_OP: {"config": {"sports": [sport]}}}})
        for sport in sports
    ]
    return dg.SensorResult(run_requests=runs) if runs else dg.SensorResult(skip_reason="no started, unsettled events")


@dg.sensor(
    job=odds_job, minimum_interval_seconds=interval(30), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Racing tote odds: each race on today's cards from T-2h (every 60 s) and T-10m (every 30 s) to post.",
)
def tote_odds_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    polls = due_polls(warehouse.ready_engine(), utcnow())
    assets = poll_assets(context) if polls else None
    runs = [
        dg.RunRequest(
            run_key=p.run_key, tags={"tier": p.tier, "sport": "horseracing", "track": p.track}, asset_selection=assets,
            run_config=poll_config({"tier": p.tier, "tote_track": p.track, "tote_date": p.race_date.isoformat(),
                                    "tote_races": list(p.race_ids)}),
        )
        for p in polls
    ]
    return dg.SensorResult(run_requests=runs) if runs else dg.SensorResult(skip_reason="no race within 2 h of post")
