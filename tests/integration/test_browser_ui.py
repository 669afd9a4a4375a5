"""The Dagster UI in a real browser: the webserver and daemon as an operator runs them, driven by headless Chromium.

Starts ``dagster-webserver`` and ``dagster-daemon`` (what ``paddock serve`` runs through ``dagster dev``) on a free
port against the session's embedded warehouse, launches a one-day backfill of the history assets through the
webserver's GraphQL API, opens the asset graph and the partitions page of ``raw/races`` in Debian's Chromium once its
runs have succeeded (saving screenshots to the test's tmp dir), and waits for the backfill itself to succeed.

The default-on sensors and schedules are stopped through GraphQL *before* the daemon starts: they would otherwise poll
odds and scrape cards from simulators this test does not run, and compete with the backfill for the run queue. The
processes get their own warehouse and Dagster databases on the session's server, so neither the stopped sensors nor
the backfilled rows leak into other test modules.

Refresh the README's screenshots with ``PADDOCK_UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest
tests/integration/test_browser_ui.py`` (writes ``docs/screenshots/*.png``).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from paddock.processes import free_port, stop_group
from tests.deployment import fresh_database, graphql, loaded_repository, spawn, stop_instigators, wait_until
from tests.race_day import ACTIVE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
HISTORY_ASSETS = [["raw", "races"], ["raw", "runners"], ["raw", "dividends"]]
BACKFILL_DATES = ["2024-01-06", "2024-01-07"]  # a Saturday and a Sunday: every synthetic track races

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")

LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on InvalidSubsetError { message } } }"""
BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status error { message } } } }"""


BACKFILL_RUNS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { runs { status } } } }"""


def backfill_finished(url: str, backfill_id: str):
    backfill = graphql(url, BACKFILL_STATUS, id=backfill_id)["partitionBackfillOrError"]
    return backfill if backfill["status"] not in ("REQUESTED", "CANCELING", "FAILING") else None


def backfill_runs_ended(url: str, backfill_id: str):
    """The statuses of the backfill's runs once it has some and all have ended: the partitions are materialized
    then, while the backfill itself is marked done only by the daemon's next backfill loop (every 30 s)."""
    runs = graphql(url, BACKFILL_RUNS, id=backfill_id)["partitionBackfillOrError"]["runs"]
    statuses = sorted(run["status"] for run in runs)
    return statuses if statuses and not set(statuses) & ACTIVE else None


def screenshot(page, url: str, wait_for_text: str, path: Path) -> None:
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    try:
        page.get_by_text(wait_for_text, exact=True).first.wait_for(timeout=30_000)
    except Exception:
        page.screenshot(path=str(path.with_name(f"failed-{path.name}")))  # what the page showed instead
        raise
    page.wait_for_timeout(2_500)  # let the graph layout and the partition bars settle
    page.screenshot(path=str(path))


@pytest.fixture
def browser_warehouse(runtime_env):
    from ingestion.warehouse import ensure_warehouse

    engine = sa.create_engine(fresh_database(runtime_env, "browser_warehouse"))
    ensure_warehouse(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def dagster_ui(runtime_env, browser_warehouse, tmp_path):
    """Webserver + daemon on a free port, with a private DAGSTER_HOME, warehouse and Dagster database."""
    from paddock import db

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    warehouse_url = browser_warehouse.url.render_as_string(hide_password=False)
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATABASE_URL": warehouse_url,
           "DAGSTER_POSTGRES_URL": fresh_database(runtime_env, "browser_dagster"), **db.libpq_params(warehouse_url)}
    bin_dir = Path(sys.executable).parent
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = [tmp_path / "webserver.log", tmp_path / "daemon.log"]
    processes = [spawn([str(bin_dir / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
                        "-p", str(port)], logs[0], env)]
    try:
        repository = wait_until("the code location to load", lambda: loaded_repository(url), 90, logs)
        stop_instigators(url, repository)
        processes.append(spawn([str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"], logs[1], env))
        yield url, logs
    finally:
        for process in reversed(processes):
            stop_group(process)


def test_backfill_through_graphql_and_screenshots_in_chromium(dagster_ui, browser_warehouse, tmp_path):
    from playwright.sync_api import sync_playwright

    url, logs = dagster_ui
    params = {"partitionNames": BACKFILL_DATES, "assetSelection": [{"path": p} for p in HISTORY_ASSETS],
              "title": "browser test"}
    launched = graphql(url, LAUNCH_BACKFILL, params=params)["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    statuses = wait_until("the backfill's runs", lambda: backfill_runs_ended(url, launched["backfillId"]), 120, logs)
    assert set(statuses) == {"SUCCESS"}, statuses
    with browser_warehouse.connect() as conn:
        days = conn.execute(sa.text("SELECT count(DISTINCT race_date) FROM raw.races WHERE _source = 'synthetic' "
                                    "AND race_date = ANY(CAST(:days AS date[]))"), {"days": BACKFILL_DATES}).scalar_one()
    assert days == len(BACKFILL_DATES)

    shots = {"asset-graph.png": (f"{url}/asset-groups", "arbitrage"),
             "raw-races-partitions.png": (f"{url}/assets/raw/races?view=partitions&partition={BACKFILL_DATES[-1]}",
                                          "rows_published")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            for name, (page_url, text) in shots.items():
                screenshot(page, page_url, text, tmp_path / name)
        finally:
            browser.close()
    # the screenshots were taken while the daemon's next backfill loop came round to mark the backfill done
    backfill = wait_until("the backfill to finish", lambda: backfill_finished(url, launched["backfillId"]), 120, logs)
    assert backfill["status"] == "COMPLETED_SUCCESS", backfill
    for name in shots:
        assert (tmp_path / name).stat().st_size > 10_000, name  # a real rendering, not a blank page
        if os.environ.get("PADDOCK_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / name, SCREENSHOTS / name)
