"""A race day lived through by the real deployment on a simulated clock: every sensor and schedule ticks green, every
run succeeds, and each thing a race day does happens.

``paddock serve`` starts exactly what an operator gets — the demo race-card site, the Odds API simulator, and
``dagster dev`` (webserver, daemon, code server) with every default-on sensor and schedule — on a private warehouse
and Dagster database. Every process reads one clock (``PADDOCK_SIM_CLOCK=@file``, ``ingestion.clock``), which the
test moves through the day's moments (``moments``) at ``TRAVEL``× and holds at each until the deployment is quiet: no
run queued or in progress while sensors and automation tick on. Holding is what makes the day independent of how
fast the machine runs the runs (a card load must land before the tote polls it feeds; a price must still be fresh
when the arbitrage asset reads it), and each moment sits inside the window it proves (the last ten tote minutes, a
game in play). Under a simulated clock the cron schedules are clock-following sensors of the same names
(``orchestration.defs.clock_schedules``). The test plants an arbitrage in the simulator and otherwise only watches:
it asserts from Dagster's own records (every tick and run of the instance), checked at every moment so a broken
sensor fails within seconds, and from the marts.
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

from ingestion import clock
from ingestion.clock import Segment, SimClock
from ingestion.odds_api.sim_model import ARB_FRACTION, SPORTS, Market
from ingestion.racecards.demo_site.data import meeting
from ingestion.sources.synthetic.tracks import TRACKS
from paddock.processes import free_port, stop_group
from tests.deployment import (INSTIGATORS, MORNING_PREFIX, PROJECT_ROOT, fresh_database, graphql, loaded_repository,
                              run_seconds, run_timeline, spawn, stop_instigators, wait_until)
from tests.exchange_streams import write_market
from tests.webhook import Receiver

SPORT = "americanfootball_nfl"  # two-way (an arbitrage can be planted); its first game starts and ends on race day
SIM_SEED = 42  # the Odds API simulator's default seed, which ``paddock serve`` runs it with
TRAVEL = 600.0  # simulated seconds per wall second between two moments
QUIET_S = 15.0  # a moment is done after this long with no run queued or running (three daemon loops)
THREADED_TICKS = "\nsensors:\n  use_threads: true\n  num_workers: 8\nschedules:\n  use_threads: true\n"
ACTIVE = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]
RUNS = """query($statuses: [RunStatus!]) { runsOrError(filter: {statuses: $statuses}) {
  ... on Runs { results { runId } } } }"""
LOCATION = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
START = """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) { __typename
  ... on PythonError { message } } }"""
BIN = Path(sys.executable).parent
FINAL_TOTE_MOMENT = "T-5m: the T-10m card, tote in racing_final"


def todays_meeting(day: date):
    """The track racing ``day`` with the fewest races (the shortest day that still has every checkpoint)."""
    meetings = [m for m in (meeting(7, code, day) for code in sorted(TRACKS)) if m is not None]
    if not meetings:
        pytest.skip(f"no synthetic meeting on {day}")
    return min(meetings, key=lambda m: (len(m.races), m.track.code))


def moments(m, game: dict) -> list[tuple[str, datetime]]:
    """The moments the clock holds at, each inside the window of what it proves, in order."""
    from zoneinfo import ZoneInfo

    first = m.races["post_time"].min().to_pydatetime()
    last = m.races["post_time"].max().to_pydatetime()
    morning = datetime.combine(m.day, datetime.min.time(), ZoneInfo(m.track.tz)).replace(hour=6, minute=1)
    final = game["commence"] + timedelta(hours=SPORTS[SPORT].duration_h)
    history = datetime.combine(m.day, datetime.min.time(), timezone.utc).replace(hour=7, minute=1)
    points = [
        ("04:16 UTC: odds retention", history.replace(hour=4, minute=16)),
        ("07:01 UTC: the daily history load (yesterday's results, every mart)", history),
        ("06:01 local: the morning card scrape", morning),
        ("T-90m: T-6h card, tote in racing_closing, odds in closing", first - timedelta(minutes=90)),
        ("T-55m: the T-1h card", first - timedelta(minutes=55)),
        (FINAL_TOTE_MOMENT, first - timedelta(minutes=5)),
        ("the first game in play", game["commence"] + timedelta(hours=1)),
        ("results and the final whistle", max(last + timedelta(minutes=20), final + timedelta(minutes=10))),
    ]
    return sorted(points, key=lambda p: p[1])


def plantable(market: Market, after: datetime) -> dict:
    """An upcoming game without built-in arbitrage, so its row can only come from the plant."""
    return next(e for e in market.events(SPORTS[SPORT], after)
                if e["commence"] > after + timedelta(hours=1) and market.u("arb", e["id"]) >= ARB_FRACTION)


@pytest.fixture
def deployment(runtime_env, tmp_path):
    from ingestion.warehouse import ensure_warehouse_once
    from paddock import db

    warehouse_url = fresh_database(runtime_env, "opday_warehouse")
    engine = sa.create_engine(warehouse_url)
    ensure_warehouse_once(engine)
    home = tmp_path / "dagster_home"
    home.mkdir()
    # the repo's instance, with sensors evaluated in threads: one after another, a dozen sensors take longer than
    # the daemon's 5 s loop on two busy cores
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text() + THREADED_TICKS)
    day = datetime.now(timezone.utc).date()  # card partitions reach tomorrow: today is the latest day with both
    m = todays_meeting(day)
    market = Market(SIM_SEED)
    game = min((e for e in market.events(SPORTS[SPORT], datetime.combine(day, datetime.min.time(), timezone.utc))
                if e["commence"].date() == day), key=lambda e: e["commence"])
    plan = moments(m, game)
    start = plan[0][1] - timedelta(minutes=6)
    clock_file = tmp_path / "clock"
    clock.write(clock_file, SimClock(time.time(), (Segment(start.astimezone(timezone.utc), 0.0),)))
    receiver = Receiver()
    sim_port, port = free_port(), free_port()
    # last night's greyhound market, landed before the day starts: the landing-folder sensor loads it on a fresh
    # warehouse, before the morning's history load has built the results marts its race link reads
    landing = tmp_path / "exchange"
    landing.mkdir()
    evening = datetime.combine(day - timedelta(days=1), datetime.min.time(), timezone.utc).replace(hour=19)
    write_market(landing / "1.800000001", "1.800000001", evening)
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": warehouse_url,
           "DAGSTER_POSTGRES_URL": fresh_database(runtime_env, "opday_dagster"),
           "PADDOCK_DAGSTER_STORAGE": str(home / "storage"), **db.libpq_params(warehouse_url),
           "PADDOCK_DEMO_SITE_PORT": str(free_port()), "PADDOCK_ODDS_SIM_PORT": str(sim_port),
           "PADDOCK_RACECARD_TRACKS": m.track.code, "PADDOCK_ODDS_SPORTS": SPORT,
           clock.ENV: f"@{clock_file}", "ALERT_ENABLED": "true", "ALERT_WEBHOOK_URL": receiver.url,
           "PADDOCK_EXCHANGE_DIR": str(landing)}
    for name in ("ODDS_API_KEY", "ODDS_API_BASE_URL"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    process = spawn([str(BIN / "paddock"), "serve", "--port", str(port)], log, env)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "sim": f"http://127.0.0.1:{sim_port}", "env": env, "log": log,
               "home": home, "engine": engine, "receiver": receiver, "meeting": m, "clock_file": clock_file,
               "start": start, "moments": plan, "plant": plantable(market, plan[-1][1])}
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


def start_stopped_sensors(url: str, repository: dict) -> list[str]:
    """Turn on the sensors that are off by default (the ledger file's), so every instigator of the code ticks."""
    node = graphql(url, LOCATION)["repositoriesOrError"]["nodes"][0]
    started = []
    for sensor in repository["sensors"]:
        if sensor["sensorState"]["status"] != "RUNNING":
            selector = {"repositoryName": node["name"], "repositoryLocationName": node["location"]["name"],
                        "sensorName": sensor["name"]}
            result = graphql(url, START, selector=selector)["startSensor"]
            assert result["__typename"] == "Sensor", result
            started.append(sensor["name"])
    return started


def dagster_records(deployment) -> tuple[list, dict[str, list]]:
    """Every run, and every tick per sensor/schedule, from the instance's own storage."""
    import dagster as dg

    saved = {k: os.environ.get(k) for k in ("DAGSTER_POSTGRES_URL", "PADDOCK_DAGSTER_STORAGE")}
    os.environ.update({k: deployment["env"][k] for k in saved})
    try:
        with dg.DagsterInstance.from_config(str(deployment["home"])) as instance:
            records = instance.get_run_records()
            runs = [r.dagster_run for r in records]
            deployment["run_seconds"] = run_seconds(records)
            deployment["timeline"] = run_timeline(records, deployment.setdefault("marks", []))
            ticks = {state.instigator_name: instance.get_ticks(state.instigator_origin_id, state.selector_id,
                                                               limit=100_000)
                     for state in instance.all_instigator_state()}
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return runs, ticks


def assert_nothing_failed(deployment, finished: bool = False) -> tuple[list, dict[str, list]]:
    """Dagster's records so far, failing on any failed tick or run (at the end: any run that did not succeed)."""
    import dagster as dg

    runs, ticks = dagster_records(deployment)
    failed_ticks = {name: [t.error.message.splitlines()[0] if t.error else "?" for t in items
                           if t.status.value == "FAILURE"] for name, items in ticks.items()}
    bad = ({dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED} if not finished
           else set(dg.DagsterRunStatus) - {dg.DagsterRunStatus.SUCCESS})
    failed_runs = [(r.job_name, r.run_id, dict(r.tags)) for r in runs if r.status in bad]
    assert {k: v for k, v in failed_ticks.items() if v} == {}
    assert failed_runs == []
    return runs, ticks


def hold_until_quiet(deployment, what: str, timeout: float = 1200) -> None:
    """Wait until no run has been queued or in progress for QUIET_S, checking Dagster's records as it goes."""
    deadline, idle_since = time.monotonic() + timeout, None
    while True:
        assert_nothing_failed(deployment)
        busy = graphql(deployment["url"], RUNS, statuses=ACTIVE)["runsOrError"]["results"]
        now = time.monotonic()
        idle_since = None if busy else (idle_since or now)
        if idle_since is not None and now - idle_since >= QUIET_S:
            return
        if now > deadline:
            pytest.fail(f"{what}: runs still queued or running after {timeout:.0f} s\n"
                        f"{deployment['log'].read_text(errors='replace')[-3000:]}")
        time.sleep(3)


def travel(deployment, sim_from: datetime, sim_to: datetime, hold_speed: float = 0.0) -> SimClock:
    """Run the clock from ``sim_from`` to ``sim_to`` at TRAVEL x, then at ``hold_speed`` (0: held), and wait until
    it is there."""
    now = time.time()
    moved = SimClock(now, (Segment(sim_from.astimezone(timezone.utc), TRAVEL),
                           Segment(sim_to.astimezone(timezone.utc), hold_speed)))
    clock.write(deployment["clock_file"], moved)
    time.sleep(max(0.0, moved.wall_at(sim_to) - time.time()))
    return moved


def wait_for_final_tote(deployment, moved: SimClock, timeout: float = 600) -> datetime:
    """Let the clock run (``moved`` holds at 1x) until the tote sensor has launched a racing_final poll, then stop
    it there; returns the simulated time it stopped at."""
    deadline = time.monotonic() + timeout
    while not any(r.job_name == "odds_job" and r.tags.get("tier") == "racing_final"
                  for r in assert_nothing_failed(deployment)[0]):
        if time.monotonic() > deadline:
            pytest.fail(f"no racing_final tote poll after {timeout:.0f} s\n"
                        f"{deployment['log'].read_text(errors='replace')[-3000:]}")
        time.sleep(3)
    now = time.time()
    stopped = moved.at(now)
    clock.write(deployment["clock_file"], SimClock(now, (Segment(stopped, 0.0),)))
    return stopped


def test_a_race_day_on_a_simulated_clock_stays_green(deployment):
    url, log, m = deployment["url"], deployment["log"], deployment["meeting"]
    repository = wait_until("the code location to load", lambda: loaded_repository(url), 300, [log])
    assert start_stopped_sensors(url, repository) == ["ledger_file_sensor"]  # the only one off by default
    wait_until("the daemon's first sensor tick", lambda: "Checking for new runs for sensor" in log.read_text(
        errors="replace"), 300, [log])
    planted = post_json(f"{deployment['sim']}/_sim/arbitrage", {"event_id": deployment["plant"]["id"]})
    assert planted["event_id"] == deployment["plant"]["id"]
    hold_until_quiet(deployment, "before the day")  # the sensors' first ticks (a schedule's first tick only starts it)
    at = deployment["start"]
    deployment["marks"] = [("the day starts", time.time())]
    for what, moment in deployment["moments"]:
        began = time.monotonic()
        deployment["marks"].append((what, time.time()))
        # The last ten tote minutes start on a clock running at 1x, stopped once racing_final has been asked for:
        # a poll the sensor asked for during the travel (racing_closing, minutes of simulated time earlier) stamps
        # the race's board at the moment itself, and on a stopped clock that board stays "just polled" for ever.
        live = what == FINAL_TOTE_MOMENT
        moved = travel(deployment, at, moment, hold_speed=1.0 if live else 0.0)
        at = wait_for_final_tote(deployment, moved) if live else moment
        hold_until_quiet(deployment, what)
        print(f"{what}: {time.monotonic() - began:.0f} s")
    stop_instigators(url, loaded_repository(url))
    hold_until_quiet(deployment, "after stopping the instigators")
    status = subprocess.run([str(BIN / "paddock"), "status"], cwd=PROJECT_ROOT, env=deployment["env"],
                            capture_output=True, text=True, timeout=300)
    runs, ticks = assert_nothing_failed(deployment, finished=True)
    print(deployment["run_seconds"])
    print(deployment["timeline"])

    def launched(job: str, **tags) -> list:
        return [r for r in runs if r.job_name == job and all(r.tags.get(k) == v for k, v in tags.items())]

    instigators = {item["name"] for kind in ("sensors", "schedules") for item in repository[kind]}
    assert {name for name in instigators if not name.startswith(MORNING_PREFIX)} == INSTIGATORS
    assert {name for name in instigators if not ticks.get(name)} == set()  # every sensor and schedule ticked
    assert launched("prune_odds_job", **{"dagster/sensor_name": "prune_odds_schedule"})
    assert launched("ledger_job", **{"dagster/sensor_name": "ledger_file_sensor"})
    assert len(launched("exchange_job", **{"dagster/sensor_name": "exchange_files_sensor"})) == 1
    morning = next(name for name in ticks if name.startswith(MORNING_PREFIX))
    today = m.day.isoformat()
    assert launched("race_cards_job", checkpoint="06h", **{"dagster/sensor_name": morning,
                                                          "dagster/partition/date": today})
    refreshes = {r.tags["checkpoint"] for r in launched(
        "race_cards_job", **{"dagster/sensor_name": "race_card_refresh_sensor", "dagster/partition/date": today})}
    assert refreshes == {"T-6h", "T-1h", "T-10m"}
    assert launched("race_results_job", **{"dagster/partition/date": today})
    assert launched("race_cards_mart_job", **{"dagster/sensor_name": "race_cards_mart_sensor"})
    assert {r.tags.get("tier") for r in launched("odds_job", sport="horseracing")} == {"racing_closing",
                                                                                       "racing_final"}
    assert "closing" in {r.tags.get("tier") for r in launched("odds_job", sport=SPORT)}
    assert len(launched("odds_scores_job", **{"dagster/sensor_name": "odds_scores_sensor"})) >= 2  # live, final
    assert launched("odds_scores_job", **{"dagster/sensor_name": "odds_scores_schedule"})
    yesterday = (m.day - timedelta(days=1)).isoformat()
    assert launched("history_job", **{"dagster/sensor_name": "history_job_schedule", "dagster/partition": yesterday})

    with deployment["engine"].connect() as conn:
        final = conn.execute(sa.text("SELECT count(*) FROM raw.events WHERE sport = :s AND status = 'final'"),
                             {"s": SPORT}).scalar_one()
        results = conn.execute(sa.text("SELECT count(*) FROM raw.races WHERE _source = 'demo' AND race_date = :d "
                                       "AND track_code = :t"), {"d": m.day, "t": m.track.code}).scalar_one()
        arbitrage = conn.execute(sa.text("SELECT count(*) FROM marts.arbitrage_opportunities WHERE event_id = :e"),
                                 {"e": deployment["plant"]["id"]}).scalar_one()
        triggers = conn.execute(sa.text("SELECT count(*) FROM marts.strategy_triggers")).scalar_one()
        dogs = conn.execute(sa.text("SELECT count(*) FROM marts.exchange_runners WHERE market_id = '1.800000001'"
                                    )).scalar_one()
    assert final >= 1
    assert results == len(m.races)
    assert arbitrage >= 1
    assert triggers > 0
    assert dogs == 6
    titles = deployment["receiver"].titles()
    assert any("rbitrage" in title for title in titles), titles
    assert status.returncode == 0, status.stdout[-3000:] + status.stderr[-3000:]
