"""The three real Betfair files into the warehouse the two ways a user loads them: ``paddock exchange load`` and the
landing-folder sensor's runs. Expected values are read from the files here with plain ``json`` (the settled definition
on each file's last line; the last traded price before the off by scanning the messages), never by the reader.

Also the shapes real deliveries come in: a ``.tar`` of several ``.bz2`` markets, and a truncated or corrupt file that
fails alone, named with its line, while the other files load.
"""
from __future__ import annotations

import bz2
import io
import json
import shutil
import tarfile
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from paddock.cli import app
from tests.conftest import shared_path

pytestmark = [pytest.mark.integration, pytest.mark.shared]
FILES = ("1.197931750", "1.197931751.bz2", "BASIC-1.132153978")
RAW_KEYS = [dg.AssetKey(["raw", t]) for t in ("exchange_markets", "exchange_runners", "exchange_prices")]
runner = CliRunner()


def file_lines(path: Path) -> list[dict]:
    opener = bz2.open if path.suffix == ".bz2" else open
    with opener(path, "rt") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def expected(path: Path) -> tuple[str, dict[int, tuple]]:
    """market id -> {selection: (status, bsp, adjustment factor, last traded price before the off)} from the file."""
    messages = file_lines(path)
    pre_off, ltp = True, {}
    for message in messages:
        for market in message.get("mc", []):
            definition = market.get("marketDefinition")
            if definition and (definition.get("inPlay") or definition.get("status") == "CLOSED"):
                pre_off = False
            for change in market.get("rc", []) if pre_off else []:
                if "ltp" in change:
                    ltp[change["id"]] = change["ltp"]
    [market] = messages[-1]["mc"]
    return market["id"], {r["id"]: (r["status"], r.get("bsp"), r.get("adjustmentFactor"), ltp.get(r["id"]))
                          for r in market["marketDefinition"]["runners"]}


def stored(engine, market_id: str) -> dict[int, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT selection_id, status, bsp, adjustment_factor, last_traded_price "
                                    "FROM raw.exchange_runners WHERE market_id = :m"), {"m": market_id}).all()
    as_float = lambda v: None if v is None else float(v)  # noqa: E731 - the files' JSON numbers are floats
    return {r[0]: (r[1], as_float(r[2]), as_float(r[3]), as_float(r[4])) for r in rows}


def loaded_by(engine, market_ids: list[str]) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT DISTINCT _run_id FROM raw.exchange_markets "
                                        "WHERE market_id = ANY(:m)"), {"m": market_ids}).scalars())


@pytest.fixture(scope="module")
def real_files():
    return [shared_path("betfair-historical", name) for name in FILES]


def test_paddock_exchange_load_stores_every_runner_as_the_files_say(engine, real_files):
    result = runner.invoke(app, ["exchange", "load", *map(str, real_files)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 market(s) read" in result.output
    for path in real_files:
        market_id, runners = expected(path)
        assert stored(engine, market_id) == runners, path.name
        assert {run.split("-")[0] for run in loaded_by(engine, [market_id])} == {"cli"}
    hamilton = stored(engine, "1.132153978")
    assert {sid: v[2] for sid, v in hamilton.items() if v[0] == "REMOVED"} == {11198538: 7.14, 9606433: 5.55}
    with engine.connect() as conn:
        marts = dict(conn.execute(sa.text(
            "SELECT market_id, count(*) FROM marts.exchange_runners WHERE market_id IN "
            "('1.197931750', '1.197931751', '1.132153978') GROUP BY market_id")).all())
        sport = dict(conn.execute(sa.text("SELECT market_id, sport FROM marts.exchange_markets WHERE market_id IN "
                                          "('1.197931750', '1.132153978')")).all())
    assert marts == {"1.197931750": 6, "1.197931751": 6, "1.132153978": 14}
    assert sport == {"1.197931750": "greyhound_racing", "1.132153978": "horse_racing"}
    shown = runner.invoke(app, ["exchange", "show", "1.132153978"], catch_exceptions=False, env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "Hamilton" in shown.output and "Hymn For The Dudes" in shown.output
    assert "7.14" in shown.output and "4.15" in shown.output  # Hellavashock's factor, the winner's BSP


def test_the_sensor_requests_each_market_date_once_and_its_runs_load_them(engine, real_files, tmp_path,
                                                                             monkeypatch):
    from orchestration.definitions import defs

    landing = tmp_path / "landing"
    landing.mkdir()
    for path in real_files:
        shutil.copy(path, landing / path.name)
    (landing / "1.197931750.catalogue.json").write_text("{}")  # a catalogue is not a market file
    monkeypatch.setenv("PADDOCK_EXCHANGE_DIR", str(landing))
    definitions = defs()
    repo = definitions.get_repository_def()
    sensor = repo.get_sensor_def("exchange_files_sensor")
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=repo))
        assert sorted(r.partition_key for r in first.run_requests) == ["2017-06-14", "2022-04-19", "2022-04-19"]
        again = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=repo,
                                                             cursor=first.cursor))
        assert again.run_requests == []
        shutil.copy(real_files[0], landing / "copy-of-1.197931750")  # the same file landed again, another name
        copy = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=repo,
                                                            cursor=again.cursor))
        # the same run key as the original's: Dagster launches a run key once
        assert [r.run_key for r in copy.run_requests] == [first.run_requests[0].run_key]
        job = repo.get_job("exchange_job")
        run_ids = set()
        for day in sorted({r.partition_key for r in first.run_requests}):
            done = job.execute_in_process(instance=instance, partition_key=day, asset_selection=RAW_KEYS,
                                          resources=definitions.resources)
            assert done.success
            run_ids.add(done.run_id)
            checks = {e.check_name: e.passed for e in done.get_asset_check_evaluations()}
            assert checks == {"exchange_files_read": True, "exchange_markets_quality_gate": True,
                              "exchange_runners_quality_gate": True, "exchange_prices_quality_gate": True}
    for path in real_files:
        market_id, runners = expected(path)
        assert stored(engine, market_id) == runners, path.name
    assert loaded_by(engine, ["1.197931750", "1.197931751", "1.132153978"]) == run_ids


def renamed(path: Path, market_id: str) -> bytes:
    """The market's file with its id replaced: another market in the same real shape."""
    return bz2.compress(bz2.decompress(path.read_bytes()).replace(b'"1.197931751"', f'"{market_id}"'.encode()))


def test_a_tar_of_bz2_markets_loads_and_a_broken_file_fails_alone_by_name_and_line(engine, real_files, tmp_path):
    archive = tmp_path / "2022-04.tar"
    with tarfile.open(archive, "w") as tar:
        for n, market_id in enumerate(("1.990000001", "1.990000002", "1.990000003")):
            data = renamed(real_files[1], market_id)
            info = tarfile.TarInfo(f"2022/Apr/19/{market_id}.bz2")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    lines = real_files[0].read_bytes().splitlines(keepends=True)
    truncated = tmp_path / "1.990000009"
    truncated.write_bytes(b"".join(lines[:40]).replace(b'"1.197931750"', b'"1.990000009"') + lines[40][:25])
    garbage = tmp_path / "1.990000010"
    garbage.write_bytes(b"".join(lines[:3]).replace(b'"1.197931750"', b'"1.990000010"') + b"\xff\xfe not json\n")
    result = runner.invoke(app, ["exchange", "load", "--no-marts", str(archive), str(truncated), str(garbage)],
                           catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "3 market(s) read" in result.output
    assert f"{truncated} line 41" in result.output and f"{garbage} line 4" in result.output
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text(
            "SELECT market_id, count(*) FROM raw.exchange_runners WHERE market_id LIKE '1.99000%' "
            "GROUP BY market_id")).all())
        winners = conn.execute(sa.text("SELECT winner_count, market_type FROM raw.exchange_markets "
                                       "WHERE market_id = '1.990000002'")).one()
    assert counts == {"1.990000001": 6, "1.990000002": 6, "1.990000003": 6}
    assert tuple(winners) == (2, "PLACE")
