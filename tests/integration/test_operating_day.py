"""A race day lived through by the real deployment, compressed: every sensor and schedule ticks green, every run succeeds.

``paddock serve`` starts exactly what an operator gets — the demo race-card site, the Odds API simulator, and
``dagster dev`` (webserver, daemon, code server) with every default-on sensor and schedule — on a private warehouse
and Dagster database, with one simulated clock (``PADDOCK_SIM_CLOCK``, ``ingestion.clock``) that every process reads.
The day (``day_plan``) starts before the 04:15 odds prune, the 07:00 history load and the 06:00 card scrape of
today's shortest meeting, and ends after that meeting's results and the first NFL game's final whistle. Under a
simulated clock the cron schedules are clock-following sensors of the same names
(``orchestration.defs.clock_schedules``). The test only plants an arbitrage in the simulator and waits; then it stops
the instigators, lets the queue drain, and asserts from Dagster's own records (every tick and run of the instance)
and from the marts. Any sensor broken again — a bad run config, a tick that raises, a run that fails — fails it.
"""
from __future__ import annotations

import json
import os
import signal
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

SPORTS_POLLED = "americanfootball_nfl,basketball_nba"
LIVE_SPORT = "americanfootball_nfl"  # its first game starts and ends within the race day (two-way, like the NBA)
PLANT_SPORT = "basketball_nba"  # its evening games are in the closing tier while the day winds down
SIM_SEED = 42  # the Odds API simulator's default seed, which ``paddock serve`` runs it with
FAST = 1500.0  # quiet hours: a sensor tick every ~2 simulated hours
STARTUP_S = 120.0  # wall seconds the deployment gets to come up before the simulated day starts moving
THREADED_TICKS = "\nsensors:\n  use_threads: true\n  num_workers: 8\nschedules:\n  use_threads: true\n"
ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
RUNS = """query($statuses: [RunStatus!]) { runsOrError(filter: {statuses: $statuses}) {
  ... on Runs { results { runId } } } }"""
STOP = {"sensor": "mutation($id: String) { stopSensor(id: $id) { __typename } }",
        "schedule": "mutation($id: String) { stopRunningSchedule(id: $id) { __typename } }"}
# what still has work once the day is over: rebuilding marts after the last loads, and the two tick-only sensors
DRAINING = {"odds_automation_sensor", "race_cards_mart_sensor", "alerts_sensor", "strategy_monitor_sensor"}
BIN = Path(sys.executable).parent


def todays_meeting(day: date):
    """The track racing ``day`` with the fewest races (the shortest day that still has every checkpoint)."""
    meetings = [m for m in (meeting(7, code, day) for code in sorted(TRACKS)) if m is not None]
    if not meetings:
        pytest.skip(f"no synthetic meeting on {day}")
    return min(meetings, key=lambda m: (len(m.races), m.track.code))


def day_plan(day: date, anchor: float):
    """(meeting, clock, end of the day, event to plant) for ``day``.

    The clock runs FAST through quiet hours and slows where a tick must land inside a short window, or where a chain
    of runs must finish before its prices are 90 simulated minutes old: the hour before first post (the T-1h and
    T-10m card checkpoints, the first race's last ten tote minutes at 50x), and the day's last hour (40x), when the
    planted NBA game is in its closing tier and results come in. After the end it runs at 1x while the queue drains.
    """
    from zoneinfo import ZoneInfo

    m = todays_meeting(day)
    first_post = m.races["post_time"].min().to_pydatetime()
    last_post = m.races["post_time"].max().to_pydatetime()
    local_morning = datetime.combine(day, datetime.min.time(), ZoneInfo(m.track.tz)).replace(hour=5, minute=55)
    start = min(datetime.combine(day, datetime.min.time(), timezone.utc).replace(hour=3, minute=55), local_morning)
    market = Market(SIM_SEED)
    games = [e for e in market.events(SPORTS[LIVE_SPORT], start) if e["commence"].date() == day]
    first_final = min(e["commence"] for e in games) + timedelta(hours=SPORTS[LIVE_SPORT].duration_h)
    end = max(last_post + timedelta(minutes=25), first_final + timedelta(minutes=40))
    segments = [(start, FAST), (first_post - timedelta(minutes=65), 300.0), (first_post - timedelta(minutes=12), 50.0),
                (first_post, FAST), (max(first_post + timedelta(minutes=5), end - timedelta(hours=1)), 40.0),
                (end, 1.0)]
    clock = SimClock(anchor, tuple(Segment(at.astimezone(timezone.utc), speed) for at, speed in segments))
    plant = next(e for e in market.events(SPORTS[PLANT_SPORT], end)  # no built-in arbitrage, closing tier by the end
                 if end < e["commence"] < end + timedelta(hours=3) and market.u("arb", e["id"]) >= ARB_FRACTION)
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
    # the repo's instance, with sensors evaluated in threads: one after another, a dozen sensors take longer than
    # the daemon's 5 s loop on two busy cores, and the short windows of the day would fall between ticks
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text() + THREADED_TICKS)
    receiver = Receiver()
    day = datetime.now(timezone.utc).date()  # card partitions reach tomorrow: today is the latest day with both
    m, clock, end, plant = day_plan(day, time.time() + STARTUP_S)
    sim_port, port = free_port(), free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": warehouse_url,
           "DAGSTER_POSTGRES_URL": fresh_database(runtime_env, "opday_dagster"),
           "PADDOCK_DAGSTER_STORAGE": str(home / "storage"), **db.libpq_params(warehouse_url),
           "PADDOCK_DEMO_SITE_PORT": str(free_port()), "PADDOCK_ODDS_SIM_PORT": str(sim_port),
           "PADDOCK_RACECARD_TRACKS": m.track.code, "PADDOCK_ODDS_SPORTS": SPORTS_POLLED,
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
        try:  # whatever the webserver left behind in its group (code server, daemon, run workers)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        receiver.close()
        engine.dispose()


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def stop_instigators(url: str, keep: set[str] = frozenset()) -> None:
    repository = loaded_repository(url)
    for kind, items in (("sensor", repository["sensors"]), ("schedule", repository["schedules"])):
        for item in items:
            state = item[f"{kind}State"]
            if state["status"] == "RUNNING" and item["name"] not in keep:
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
    wait_until("the daemon's first sensor tick", lambda: "Checking for new runs for sensor" in log.read_text(
        errors="replace"), 300, [log])
    assert time.time() < clock.anchor, f"the deployment took longer than STARTUP_S={STARTUP_S:.0f} s to come up"
    planted = post_json(f"{deployment['sim']}/_sim/arbitrage", {"event_id": deployment["plant"]["id"]})
    assert planted["event_id"] == deployment["plant"]["id"]

    # live through the day: nothing to do but wait for the simulated clock to reach its end
    time.sleep(max(0.0, clock.wall_at(deployment["end"]) - time.time()))
    stop_instigators(url, keep=DRAINING)
    since: list[float] = []
    wait_until("the run queue to drain", lambda: quiet(url, since), 900, [log])
    stop_instigators(url)
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
    assert refreshes == {"T-6h", "T-1h", "T-10m"}, refreshes
    assert launched("race_results_job", **{"dagster/partition/date": today})
    assert launched("race_cards_mart_job")
    tote_tiers = {r.tags.get("tier") for r in launched("odds_job", sport="horseracing")}
    assert {"racing_closing", "racing_final"} <= tote_tiers
    sport_tiers = {r.tags.get("tier") for r in launched("odds_job", sport=LIVE_SPORT)}
    assert "closing" in sport_tiers, sport_tiers
    assert launched("odds_scores_job", **{"dagster/sensor_name": "odds_scores_sensor"})

    engine = deployment["engine"]
    with engine.connect() as conn:
        final = conn.execute(sa.text("SELECT count(*) FROM raw.events WHERE sport = :s AND status = 'final'"),
                             {"s": LIVE_SPORT}).scalar_one()
        results = conn.execute(sa.text("SELECT count(*) FROM raw.races WHERE _source = 'demo' AND race_date = :d "
                                       "AND track_code = :t"), {"d": m.day, "t": m.track.code}).scalar_one()
        arbitrage = conn.execute(sa.text("SELECT count(*) FROM marts.arbitrage_opportunities WHERE event_id = :e"),
                                 {"e": deployment["plant"]["id"]}).scalar_one()
        triggers = conn.execute(sa.text("SELECT count(*) FROM marts.strategy_triggers")).scalar_one()
    assert final >= 1
    assert results > 0
    assert arbitrage >= 1
    assert triggers > 0
    assert any("rbitrage" in title for title in deployment["receiver"].titles()), deployment["receiver"].titles()
    assert status.returncode == 0, status.stdout[-3000:] + status.stderr[-3000:]
