"""Security properties, each tested on the real thing (see SECURITY.md for what is protected and why):

- the Odds API key, read through ``dagster.EnvVar``, appears nowhere a run leaves traces: the Dagster event log and
  the stored run, captured log output, ``ops.fetch_log`` and the exception of a 401 failure;
- user-supplied names (source names, site/track partition keys, table names) reach SQL only as bound parameters or
  are refused before any SQL runs: injection strings are stored verbatim or rejected, and every table survives;
- the simulators and the demo site bind 127.0.0.1 by default (checked on the live socket), as do ``paddock serve``
  and ``paddock docs``.

robots.txt is covered by ``tests/unit/test_fetcher.py::test_robots_disallow_makes_no_request`` and bi_reader's
privileges by ``tests/integration/test_bi_access.py``; they are not repeated here.
"""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import traceback
from datetime import date, datetime, timezone

import dagster as dg
import pandas as pd
import psutil
import pytest
import sqlalchemy as sa

from ingestion.errors import IngestionError
from ingestion.http import Fetcher
from ingestion.loader import PartitionPayload, replace_partition
from ingestion.odds_api import OddsApiAuthError, OddsApiClient
from ingestion.odds_api.simulator import OddsApiSimulator
from ingestion.racecards.demo_site import DemoSite
from ingestion.racecards.pages import latest_page
from ingestion.racecards.pipeline import load_card, replace_card_partition
from ingestion.schema import RAW_TABLES
from ingestion.sources import UnknownSourceError, get_source
from ingestion.sources.common import canonical
from orchestration.defs.odds.assets import odds_snapshots
from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.deployment import stop_child
from tests.raw_checksum import partition_checksum

pytestmark = pytest.mark.integration

# Recognisable, and shaped so that a partial leak (a prefix, the tail) is caught as well as the whole key.
KEY = "pdk-SECRET-4f1c9e27b3a8"
WRONG_KEY = "pdk-WRONG-7d0b5e93c1f6"
FRAGMENTS = ("SECRET-4f1c", "4f1c9e27b3a8", "WRONG-7d0b", "7d0b5e93c1f6")


def leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f in text]


@pytest.fixture(scope="module")
def sim(engine):
    with OddsApiSimulator(seed=23, api_key=KEY) as s:
        yield s


def run_poll(runtime_env, sim, monkeypatch, key: str, run_key: str):
    """One odds poll as the deployment runs it: the key comes from the environment through dagster.EnvVar."""
    monkeypatch.setenv("ODDS_API_KEY", key)
    instance = dg.DagsterInstance.ephemeral()
    resources = {
        "warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
        "odds_api": OddsApiResource(api_key=dg.EnvVar("ODDS_API_KEY"), base_url=sim.base_url, max_attempts=1),
        "odds_polling": OddsPollingResource(sports="basketball_nba", regions="us", markets="h2h"),
        "racecard_site": RaceCardSiteResource(),
    }
    config = {"sports": ["basketball_nba"], "tier": "discovery", "event_ids": []}
    result = dg.materialize([odds_snapshots], resources=resources, instance=instance, raise_on_error=False,
                            run_config={"ops": {"odds_snapshots": {"config": config}}},
                            tags={"dagster/run_key": run_key})
    return instance, result


def run_traces(instance: dg.DagsterInstance, run_id: str) -> str:
    """Everything Dagster stored about a run, serialized: the run itself (config, tags) and every event."""
    run = instance.get_run_by_id(run_id)
    parts = [dg.serialize_value(run)]
    parts += [dg.serialize_value(entry) for entry in instance.all_logs(run_id)]
    return "\n".join(parts)


def fetch_log_since(engine, since: datetime) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM ops.fetch_log WHERE fetched_at >= :t ORDER BY id"),
                            {"t": since}).mappings().all()
    return [repr(dict(r)) for r in rows]


def test_api_key_never_reaches_the_event_log_logs_or_fetch_log(engine, runtime_env, sim, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every logger, httpx (which logs each request URL) included
    since = datetime.now(timezone.utc)
    instance, result = run_poll(runtime_env, sim, monkeypatch, KEY, "security:ok")
    assert result.success
    assert any("/sports/basketball_nba/odds" in r for r in sim.requests)  # the simulator accepted the key
    traces = run_traces(instance, result.run_id)
    rows = fetch_log_since(engine, since)
    out, err = capfd.readouterr()
    assert len(instance.all_logs(result.run_id)) > 10 and "basketball_nba" in traces
    assert rows and any("/sports/basketball_nba/odds" in r and "apiKey=***" in r for r in rows)
    assert any("127.0.0.1" in r.getMessage() for r in caplog.records)  # httpx's request lines were captured
    assert leaks(traces) == [] and leaks("\n".join(rows)) == []
    assert leaks(caplog.text) == [] and leaks(out) == [] and leaks(err) == []


def test_a_401_fails_the_run_without_the_key_anywhere(engine, runtime_env, sim, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    since = datetime.now(timezone.utc)
    instance, result = run_poll(runtime_env, sim, monkeypatch, WRONG_KEY, "security:401")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    error = failure.step_failure_data.error
    assert "401" in error.message and "INVALID_KEY" in error.message  # a clear error, not a vague one
    rows = fetch_log_since(engine, since)
    assert any("'status': 401" in r for r in rows)
    out, err = capfd.readouterr()
    assert leaks(error.message + "".join(error.stack)) == [] and leaks(run_traces(instance, result.run_id)) == []
    assert leaks("\n".join(rows)) == [] and leaks(caplog.text + out + err) == []


def test_the_auth_exception_itself_and_its_chain_hold_no_key(sim):
    client = OddsApiClient(WRONG_KEY, base_url=sim.base_url, sleep=lambda s: None)
    with pytest.raises(OddsApiAuthError) as info:
        client.odds("basketball_nba")
    client.close()
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    text = "".join(traceback.format_exception(info.value)) + "".join(repr(e.args) + repr(vars(e)) for e in chain)
    assert "401" in text and leaks(text) == []


INJECTIONS = ["x'; DROP TABLE raw.races; --", 'BEL"; DELETE FROM raw.runners; --', "ST' OR '1'='1",
              "$$; TRUNCATE ops.fetch_log; $$", "\\'; SELECT pg_sleep(5); --"]


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM raw.{t}")).scalar_one() for t in RAW_TABLES}


@pytest.mark.parametrize("name", INJECTIONS)
def test_source_and_scope_names_are_bound_parameters(engine, name):
    before = table_counts(engine)
    day = date(2001, 1, 1)
    races = canonical(pd.DataFrame([{"race_id": name, "race_date": day, "track_code": name, "race_number": 1,
                                     "post_time": pd.Timestamp("2001-01-01T18:00Z"), "race_class": name,
                                     "currency": "USD"}]), "races")
    written = replace_partition(engine, PartitionPayload(name, day, scope=name, published={"races": races}), name)
    assert written["races"] == 1
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT _source, _scope, _run_id, race_id, track_code FROM raw.races "
                                      "WHERE _source = :s"), {"s": name}).all()
    assert stored == [(name, name, name, name, name)]  # stored verbatim, never executed
    assert partition_checksum(engine, "races", name, day, day)[0] == 1
    replace_partition(engine, PartitionPayload(name, day, scope=name), name)  # empties it again
    assert table_counts(engine) == before


def test_table_names_never_reach_sql_unchecked(engine):
    before = table_counts(engine)
    with pytest.raises(KeyError):  # looked up in RAW_TABLES before any SQL is built
        partition_checksum(engine, "races WHERE true; DROP TABLE raw.races; --", "synthetic", date(2024, 1, 1),
                           date(2024, 1, 2))
    assert table_counts(engine) == before


@pytest.mark.parametrize("name", INJECTIONS)
def test_source_names_from_settings_are_refused_by_the_registry(name):
    with pytest.raises(UnknownSourceError) as info:
        get_source(name)
    assert isinstance(info.value, IngestionError) and repr(name) in str(info.value)


def test_track_partition_keys_reach_the_card_tables_as_parameters(engine):
    day, track = date(2026, 6, 21), INJECTIONS[0]
    replace_card_partition(engine, "demo", day, track, {}, {}, "security")
    assert latest_page(engine, "demo", "card", track, day) is None
    site = DemoSite(seed=7, clock=lambda: datetime(2026, 6, 21, 12, tzinfo=timezone.utc))
    with site, Fetcher(min_delay=0, respect_robots=False) as fetcher:
        report = load_card(engine, fetcher, site.base_url, "demo", track, day, run_id="security")
    assert report.meeting is False and all(v == 0 for v in report.written.values())  # a 404: nothing to load
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM raw.card_races WHERE _scope = :t"), {"t": track}).scalar() == 0
        assert conn.execute(sa.text("SELECT to_regclass('raw.races') IS NOT NULL")).scalar()


# ---------- loopback binding


def listening_addresses(pid: int) -> set[str]:
    return {c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}


def test_in_process_simulators_bind_loopback_by_default():
    with OddsApiSimulator() as sim, DemoSite() as site:
        assert sim._httpd.server_address[0] == "127.0.0.1"
        assert site._server.server_address[0] == "127.0.0.1"
        assert sim.base_url.startswith("http://127.0.0.1:") and site.base_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("module", ["ingestion.odds_api.simulator", "ingestion.racecards.demo_site"])
def test_simulator_processes_listen_only_on_loopback(module):
    """The processes ``paddock serve`` starts (paddock/cli/simulators.py), with their command-line defaults."""
    process = subprocess.Popen([sys.executable, "-m", module, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        assert "http://127.0.0.1:" in banner, banner
        assert listening_addresses(process.pid) == {"127.0.0.1"}
    finally:
        stop_child(process)


def _ignoring_sigterm() -> None:  # in the child before exec: an ignored signal survives the exec
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@pytest.mark.parametrize("module", ["ingestion.odds_api.simulator", "ingestion.racecards.demo_site"])
def test_simulator_processes_stop_on_sigterm_even_when_their_parent_ignores_it(module):
    """A parent started in the background by a shell (or one whose Dagster code copied an ignored SIGINT onto
    SIGTERM) passes SIGTERM on ignored; the simulators still stop on it, cleanly, instead of waiting for SIGKILL."""
    process = subprocess.Popen([sys.executable, "-m", module, "--port", "0"], stdout=subprocess.PIPE, text=True,
                               preexec_fn=_ignoring_sigterm)
    try:
        assert "http://127.0.0.1:" in process.stdout.readline()
        process.terminate()
        assert process.wait(timeout=15) == 0
    finally:
        stop_child(process)


def test_paddock_serve_and_docs_bind_loopback(monkeypatch):
    """The commands as a user types them, without options; the child processes they would start are recorded."""
    from typer.testing import CliRunner

    from paddock import cli
    from paddock.cli import simulators

    commands: list[list[str]] = []
    monkeypatch.setattr(cli, "_prepare", lambda: {"DATABASE_URL": "postgresql://u@127.0.0.1/warehouse"})
    monkeypatch.setattr(simulators, "start_local_sources", lambda: simulators.LocalSources())
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kw: commands.append(cmd) or 0)
    monkeypatch.setattr(cli, "run_until_stopped", lambda cmd, **kw: commands.append(cmd) or 0)
    for command in ("serve", "docs"):
        outcome = CliRunner().invoke(cli.app, [command])
        assert outcome.exit_code == 0, outcome.output
    serve_cmd, _generate, docs_cmd = commands
    assert serve_cmd[serve_cmd.index("-h") + 1] == "127.0.0.1"
    assert docs_cmd[docs_cmd.index("--host") + 1] == "127.0.0.1"
