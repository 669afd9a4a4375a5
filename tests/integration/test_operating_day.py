"""The operating-day test: a race day lived through by the real deployment on a simulated clock. Every sensor and
schedule ticks green, every run succeeds, and each thing a race day does happens.

``paddock serve`` starts exactly what an operator gets — the demo race-card site, the Odds API simulator, and
``dagster dev`` (webserver, daemon, code server) with every default-on sensor and schedule — on a private warehouse
and Dagster database. Every process reads one clock (``PADDOCK_SIM_CLOCK=@file``, ``ingestion.clock``), which the
test moves to the day's moments (``moments``) one after another and holds at each until the deployment is quiet: no
run queued or in progress, and every sensor, schedule and automation rule has looked since and asked for nothing.
Holding is what makes the day independent of how fast the machine runs the runs (a card load must land before the
tote polls it feeds; a price must still be fresh when the arbitrage asset reads it), and each moment sits inside
the window it proves (the last ten tote minutes, a game in play). Under a simulated clock the cron schedules are
clock-following sensors of the same names (``orchestration.defs.clock_schedules``). The test plants an arbitrage in the simulator and otherwise only watches:
it asserts from Dagster's own records (every tick and run of the instance), checked at every moment so a broken
sensor fails within seconds, and from the marts. The day ends with SIGTERM to ``paddock serve``, which must stop every
process it started within the README's 15 s.
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

import psutil
import pytest
import sqlalchemy as sa

from ingestion import clock
from ingestion.clock import Segment, SimClock
from ingestion.odds_api.sim_model import ARB_FRACTION, SPORTS, Market
from ingestion.racecards.demo_site.data import meeting
from ingestion.sources.synthetic.tracks import TRACKS
from paddock.processes import free_port, stop_group
from tests.deployment import (PROJECT_ROOT, SERVE_PIECES, fresh_database, graphql, loaded_repository,
                              sigterm_and_wait, spawn, stop_instigators, wait_until)
from tests.exchange_streams import write_market
from tests.race_day import assert_nothing_failed, hold_until_quiet, travel, wait_for_final_tote
from tests.webhook import Receiver

pytestmark = pytest.mark.critical_path  # make test's longest module: started first, at full priority (conftest)

SPORT = "americanfootball_nfl"  # two-way (an arbitrage can be planted); its first game starts and ends on race day
SIM_SEED = 42  # the Odds API simulator's default seed, which ``paddock serve`` runs it with
THREADED_TICKS = "\nsensors:\n  use_threads: true\n  num_workers: 8\nschedules:\n  use_threads: true\n"
LOCATION = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
START = """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) { __typename
  ... on PythonError { message } } }"""
BIN = Path(sys.executable).parent
# Every sensor and schedule of the code, which this test must see tick under the real daemon (schedules are
# clock-following sensors of the same names on a simulated clock), besides one race_cards_morning_<zone> per configured
# track time zone (orchestration.defs.racecards.schedules' morning_schedule): a new one fails this test until it is
# named here and its day proves it.
INSTIGATORS = {"alerts_sensor", "exchange_files_sensor", "history_job_schedule", "ledger_file_sensor",
               "odds_automation_sensor", "odds_polling_sensor", "odds_scores_schedule", "odds_scores_sensor",
               "prune_odds_schedule", "race_card_refresh_sensor", "race_cards_mart_sensor", "strategy_monitor_sensor",
               "tote_odds_sensor"}
MORNING_PREFIX = "race_cards_morning_"  # morning_schedule's instigators, one per track time zone
FINAL_TOTE_MOMENT = "T-5m: the T-10m card, tote in racing_final"
SERVE_STOPS_WITHIN_S = 15.0  # the README's promise for stopping `paddock serve`


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
    points = [  # the day starts before the 04:15 UTC retention (``day_start``): the clock passes it on the way here
        ("07:01 UTC: odds retention (04:15) and the daily history load (yesterday's results, every mart)", history),
        ("06:01 local: the morning card scrape", morning),
        ("T-90m: T-6h card, tote in racing_closing, odds in closing", first - timedelta(minutes=90)),
        ("T-55m: the T-1h card", first - timedelta(minutes=55)),
        (FINAL_TOTE_MOMENT, first - timedelta(minutes=5)),
        ("the first game in play", game["commence"] + timedelta(hours=1)),
        ("results and the final whistle", max(last + timedelta(minutes=20), final + timedelta(minutes=10))),
    ]
    return sorted(points, key=lambda p: p[1])


def day_start(day: date, plan: list[tuple[str, datetime]]) -> datetime:
    """Where the clock starts: before the first moment and before the 04:15 UTC odds retention, which the first
    clock move passes (a schedule on a simulated clock fires for every cron time the clock passed; the daemon
    catches up on missed ticks too), so retention and the history load share a moment instead of one each."""
    retention = datetime.combine(day, datetime.min.time(), timezone.utc).replace(hour=4, minute=15)
    return min(plan[0][1], retention) - timedelta(minutes=6)


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
    start = day_start(m.day, plan)
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
    for name in ("ODDS_API_KEY", "ODDS_API_BASE_URL", "BI_READER_PASSWORD"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    process = spawn([str(BIN / "paddock"), "serve", "--port", str(port)], log, env)
    watched = {"process": process, "url": f"http://127.0.0.1:{port}", "sim": f"http://127.0.0.1:{sim_port}",
               "env": env, "log": log, "home": home, "engine": engine, "receiver": receiver, "meeting": m,
               "clock_file": clock_file, "start": start, "moments": plan, "plant": plantable(market, plan[-1][1])}
    try:
        yield watched
    finally:
        if "instance" in watched:  # tests.race_day's view of the instance
            watched["instance"].dispose()
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


def test_a_race_day_on_a_simulated_clock_stays_green(deployment):
    url, log, m = deployment["url"], deployment["log"], deployment["meeting"]
    repository = wait_until("the code location to load", lambda: loaded_repository(url), 300, [log])
    assert start_stopped_sensors(url, repository) == ["ledger_file_sensor"]  # the only one off by default
    deployment["instigators"] = {item["name"] for kind in ("sensors", "schedules") for item in repository[kind]}
    wait_until("the daemon's first sensor tick", lambda: "Checking for new runs for sensor" in log.read_text(
        errors="replace"), 300, [log])
    planted = post_json(f"{deployment['sim']}/_sim/arbitrage", {"event_id": deployment["plant"]["id"]})
    assert planted["event_id"] == deployment["plant"]["id"]
    hold_until_quiet(deployment, "before the day")  # the sensors' first ticks (a schedule's first tick only starts it)
    deployment["marks"] = [("the day starts", time.time())]
    for what, moment in deployment["moments"]:
        began = time.monotonic()
        deployment["marks"].append((what, time.time()))
        # The last ten tote minutes start on a clock running at 1x, stopped once racing_final has been asked for:
        # a racing_closing poll asked for as the clock arrives (minutes of simulated time before the window) stamps
        # the race's board at the moment itself, and on a stopped clock that board stays "just polled" for ever.
        live = what == FINAL_TOTE_MOMENT
        moved = travel(deployment, moment, hold_speed=1.0 if live else 0.0)
        if live:
            wait_for_final_tote(deployment, moved)
        hold_until_quiet(deployment, what)
        print(f"{what}: {time.monotonic() - began:.0f} s")
    stop_instigators(url, loaded_repository(url))
    hold_until_quiet(deployment, "after stopping the instigators")
    status = subprocess.run([str(BIN / "paddock"), "status"], cwd=PROJECT_ROOT, env=deployment["env"],
                            capture_output=True, text=True, timeout=300)
    runs, ticks = assert_nothing_failed(deployment, finished=True)
    print(deployment["run_seconds"])
    print(deployment["step_seconds"])
    print(deployment["timeline"])

    def launched(job: str, **tags) -> list:
        return [r for r in runs if r.job_name == job and all(r.tags.get(k) == v for k, v in tags.items())]

    instigators = deployment["instigators"]
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

    # The code server started the day's runs through a forkserver with the code location preloaded
    # (orchestration.run_workers): it is there, a descendant of `paddock serve`, with that preload in its command line.
    lines = [" ".join(p.cmdline()) for p in psutil.Process(deployment["process"].pid).children(recursive=True)]
    assert any("multiprocessing.forkserver" in line and "orchestration.run_worker_preload" in line
               for line in lines), lines

    # The day ends as an operator ends it: SIGTERM to `paddock serve` stops every process it started (dagster dev,
    # its webserver, daemon and code servers, the simulators) within the README's 15 s, and exits 0.
    before, left, code = sigterm_and_wait(deployment["process"], within=SERVE_STOPS_WITHIN_S)
    assert all(piece in "\n".join(before) for piece in SERVE_PIECES), before
    assert (left, code) == ([], 0), f"{SERVE_STOPS_WITHIN_S:.0f} s after SIGTERM: exit {code}, still running {left}"
    # the banner gives BI users the read-only bi_reader connection, never the superuser's password
    banner = log.read_text()
    bi_line = next(line for line in banner.splitlines() if line.startswith("Warehouse (BI):"))
    assert "postgresql://bi_reader@/opday_warehouse?host=" in bi_line and "read-only" in bi_line
    password = sa.make_url(deployment["env"]["DATABASE_URL"]).password
    assert "postgres:" not in banner and (not password or password not in banner)
