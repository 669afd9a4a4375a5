"""A race day lived through by the real deployment, compressed: every sensor and schedule ticks green, every run succeeds.

``paddock serve`` starts exactly what an operator gets — the demo race-card site, the Odds API simulator, and
``dagster dev`` (webserver, daemon, code server) with every default-on sensor and schedule — on a private warehouse
and Dagster database, with one simulated clock (``PADDOCK_SIM_CLOCK``, ``ingestion.clock``) that every process reads:
the day starts five minutes before the 06:00 morning card scrape of today's shortest meeting, runs ``FAST``× through
the quiet hours and ``SLOW``× from two hours before first post until the last race's results and the first NFL game's
final whistle. Under it the cron schedules are clock-following sensors of the same names
(``orchestration.defs.clock_schedules``). The test only plants an arbitrage in the simulator and waits; then it stops
the instigators, lets the queue drain, and asserts from Dagster's own records (every tick and run of the instance)
and from the marts. Any sensor broken again — a bad run config, a tick that raises, a run that fails — fails it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingestion.clock import Segment, SimClock
from ingestion.odds_api.sim_model import ARB_FRACTION, SPORTS, Market
from ingestion.racecards.demo_site.data import meeting
from ingestion.sources.synthetic.tracks import TRACKS
from paddock.processes import free_port, stop_group
from tests.deployment import PROJECT_ROOT, fresh_database, graphql, loaded_repository, spawn, wait_until
from tests.webhook import Receiver

SPORT = "americanfootball_nfl"  # two-way (an arbitrage can be planted), games start and end within a race day
SIM_SEED = 42  # the Odds API simulator's default seed, which ``paddock serve`` runs it with
FAST, SLOW = 600.0, 150.0
STARTUP_S = 90.0  # wall seconds the deployment gets to come up before the simulated day starts moving
ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
RUNS = """query($statuses: [RunStatus!]) { runsOrError(filter: {statuses: $statuses}) {
  ... on Runs { results { runId } } } }"""
STOP = {"sensor": "mutation($id: String) { stopSensor(id: $id) { __typename } }",
        "schedule": "mutation($id: String) { stopRunningSchedule(id: $id) { __typename } }"}
BIN = Path(sys.executable).parent


def todays_meeting(day: date):
    """The track racing ``day`` with the fewest races (the shortest day that still has every checkpoint)."""
    meetings = [m for m in (meeting(7, code, day) for code in sorted(TRACKS)) if m is not None]
    if not meetings:
        pytest.skip(f"no synthetic meeting on {day}")
    return min(meetings, key=lambda m: (len(m.races), m.track.code))


def day_plan(day: date, anchor: float):
    """(meeting, clock, end of the day, event to plant) for ``day``."""
    from zoneinfo import ZoneInfo

    m = todays_meeting(day)
    first_post = m.races["post_time"].min().to_pydatetime()
    last_post = m.races["post_time"].max().to_pydatetime()
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(m.track.tz)).replace(hour=5, minute=55)
    market = Market(SIM_SEED)
    games = [e for e in market.events(SPORTS[SPORT], start) if e["commence"].date() == day]
    first_final = min(e["commence"] for e in games) + timedelta(hours=SPORTS[SPORT].duration_h)
    end = max(last_post + timedelta(minutes=25), first_final + timedelta(minutes=40))
    slow_from = min(first_post - timedelta(hours=2, minutes=5), first_final - timedelta(hours=4))
    clock = SimClock(anchor, (Segment(start.astimezone(timezone.utc), FAST),
                              Segment(max(slow_from, start + timedelta(minutes=10)).astimezone(timezone.utc), SLOW)))
    upcoming = [e for e in market.events(SPORTS[SPORT], start) if e["commence"] > end]
    plant = next(e for e in upcoming if market.u("arb", e["id"]) >= ARB_FRACTION)  # no built-in arbitrage
    return m, clock, end, plant


@pytest.fixture
def deployment(runtime_env, tmp_path):
    from ingestion.warehouse import ensure_warehouse
    from paddock import db

    warehouse_url = fresh_database(runtime_env, "opday_warehouse")
    engine = sa.create_engine(warehouse_url)
    ensure_warehouse(engine)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    receiver = Receiver()
    day = datetime.now(timezone.utc).date()  # card partitions reach tomorrow: today is the latest day with both
    m, clock, end, plant = day_plan(day, time.time() + STARTUP_S)
    sim_port, port = free_port(), free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": warehouse_url,
           "DAGSTER_POSTGRES_URL": fresh_database(runtime_env, "opday_dagster"),
           "PADDOCK_DAGSTER_STORAGE": str(home / "storage"), **db.libpq_params(warehouse_url),
           "PADDOCK_DEMO_SITE_PORT": str(free_port()), "PADDOCK_ODDS_SIM_PORT": str(sim_port),
           "PADDOCK_RACECARD_TRACKS": m.track.code, "PADDOCK_ODDS_SPORTS": SPORT,
           "PADDOCK_SIM_CLOCK": clock.encode(), "ALERT_ENABLED": "true", "ALERT_WEBHOOK_URL": receiver.url}
    for name in ("ODDS_API_KEY", "ODDS_API_BASE_URL"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    process = spawn([str(BIN / "paddock"), "serve", "--port", str(port)], log, env)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "sim": f"http://127.0.0.1:{sim_port}", "env": env, "log": log,
               "home": home, "engine": engine, "receiver": receiver, "meeting": m, "clock": clock, "end": end,
               "plant": plant, "process": process}
    finally:
        stop_group(process)
        receiver.close()
        engine.dispose()


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def stop_all(url: str) -> None:
    repository = loaded_repository(url)
    for kind, items in (("sensor", repository["sensors"]), ("schedule", repository["schedules"])):
        for item in items:
            state = item[f"{kind}State"]
            if state["status"] == "RUNNING":
                graphql(url, STOP[kind], id=state["id"])


def quiet(url: str, since: list[float]) -> bool:
    """True once no run has been queued or in progress for 20 s (longer than an automation tick)."""
    busy = graphql(url, RUNS, statuses=list(ACTIVE))["runsOrError"]["results"]
    if busy:
        since.clear()
        return False
    since.append(time.monotonic())
    return since[-1] - since[0] >= 20


def dagster_records(deployment) -> tuple[list, dict[str, list]]:
    """Every run, and every tick per sensor/schedule, from the instance's own storage."""
    import dagster as dg

    saved = {k: os.environ.get(k) for k in ("DAGSTER_POSTGRES_URL", "PADDOCK_DAGSTER_STORAGE")}
    os.environ.update({k: deployment["env"][k] for k in saved})
    try:
        with dg.DagsterInstance.from_config(str(deployment["home"])) as instance:
            runs = [r.dagster_run for r in instance.get_run_records()]
            ticks = {state.instigator_name: instance.get_ticks(state.instigator_origin_id, state.selector_id,
                                                               limit=100_000)
                     for state in instance.all_instigator_state()}
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return runs, ticks


def test_a_compressed_race_day_stays_green(deployment):
    import dagster as dg

    url, log, clock, m = deployment["url"], deployment["log"], deployment["clock"], deployment["meeting"]
    wait_until("the code location to load", lambda: loaded_repository(url), 300, [log])
    planted = post_json(f"{deployment['sim']}/_sim/arbitrage", {"event_id": deployment["plant"]["id"]})
    assert planted["event_id"] == deployment["plant"]["id"]

    # live through the day: nothing to do but wait for the simulated clock to reach its end
    time.sleep(max(0.0, clock.wall_at(deployment["end"]) - time.time()))
    stop_all(url)
    since: list[float] = []
    wait_until("the run queue to drain", lambda: quiet(url, since), 600, [log])
    status = subprocess.run([str(BIN / "paddock"), "status"], cwd=PROJECT_ROOT, env=deployment["env"],
                            capture_output=True, text=True, timeout=300)
    runs, ticks = dagster_records(deployment)

    failed_ticks = {name: [t.error.message.splitlines()[0] if t.error else "?" for t in items
                           if t.status == dg.TickStatus.FAILURE] for name, items in ticks.items()}
    assert {k: v for k, v in failed_ticks.items() if v} == {}
    failed_runs = [(r.job_name, r.run_id, dict(r.tags)) for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
    assert failed_runs == []

    def launched(job: str, **tags) -> list:
        return [r for r in runs if r.job_name == job and all(r.tags.get(k) == v for k, v in tags.items())]

    morning = next(name for name in ticks if name.startswith("race_cards_morning_"))
    today = m.day.isoformat()
    assert launched("race_cards_job", checkpoint="06h", **{"dagster/sensor_name": morning,
                                                          "dagster/partition/date": today})
    refreshes = {r.tags["checkpoint"] for r in launched("race_cards_job", **{"dagster/sensor_name":
                                                                             "race_card_refresh_sensor"})}
    assert refreshes & {"T-1h", "T-10m", "6h", "1h", "10m"} or len(refreshes) >= 2, refreshes
    assert launched("race_results_job", **{"dagster/partition/date": today})
    assert launched("race_cards_mart_job")
    tote_tiers = {r.tags.get("tier") for r in launched("odds_job", sport="horseracing")}
    assert {"racing_closing", "racing_final"} <= tote_tiers
    sport_tiers = {r.tags.get("tier") for r in launched("odds_job", sport=SPORT)}
    assert "closing" in sport_tiers, sport_tiers
    assert launched("odds_scores_job", **{"dagster/sensor_name": "odds_scores_sensor"})

    engine = deployment["engine"]
    with engine.connect() as conn:
        final = conn.execute(sa.text("SELECT count(*) FROM raw.events WHERE sport = :s AND status = 'final'"),
                             {"s": SPORT}).scalar_one()
        results = conn.execute(sa.text("SELECT count(*) FROM raw.race_results WHERE race_date = :d"),
                               {"d": m.day}).scalar_one()
        arbitrage = conn.execute(sa.text("SELECT count(*) FROM marts.arbitrage_opportunities WHERE event_id = :e"),
                                 {"e": deployment["plant"]["id"]}).scalar_one()
        triggers = conn.execute(sa.text("SELECT count(*) FROM marts.strategy_triggers")).scalar_one()
    assert final >= 1
    assert results > 0
    assert arbitrage >= 1
    assert triggers > 0
    assert any("rbitrage" in title for title in deployment["receiver"].titles()), deployment["receiver"].titles()
    assert status.returncode == 0, status.stdout[-3000:] + status.stderr[-3000:]
