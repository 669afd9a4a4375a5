"""Shared fixtures: a throwaway embedded PostgreSQL per test session (real server, never a mock) and shared-data paths."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# The demo history window follows today by default (paddock.settings); the tests pin it to the fixed 2024-2025 window
# their expected rows and partition keys were written against. Set at import time, before anything imports
# orchestration (whose partition definitions read it once). An explicit environment still wins.
os.environ.setdefault("PADDOCK_HISTORY_START", "2024-01-01")
os.environ.setdefault("PADDOCK_HISTORY_END", "2025-12-31")
# pytest-xdist's workers start with COLUMNS=80 / LINES=24 in their environment: the CLI's rich consoles, made at
# import, would then print every table 80 columns wide whatever width a test's command asks for. Unset, as in a
# one-process run, they measure at print time.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SESSION_DATABASE: list[str] = []  # the session warehouse's URL once ``runtime_env`` has started it


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, skipping the calling test with a reason when a user's clone does not have it."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{'/'.join(parts)} (present in CI, absent from a user's clone)")
    return path


#: Marks a module that lives through a whole deployment for minutes, mostly waiting on it: the critical path of
#: ``make test``. Collected first: with its workers (pytest-xdist, one module per worker at a time, in collection order)
#: one worker starts there while the other works through the rest, instead of everything waiting on it at the end.
CRITICAL_PATH = "critical_path"
#: Niceness of a worker once it runs anything but a CRITICAL_PATH module: the deployment mostly waits (on runs,
#: ticks, a clock), so its bursts should not queue behind the other worker's CPU-bound tests; those soak up whatever
#: CPU it leaves. Children (an embedded PostgreSQL started afterwards, the subprocesses a test spawns) inherit it.
BACKGROUND_NICENESS = 10


#: Modules that read the session's ``history`` fixture (tests/integration/conftest.py: a six-month history_job run,
#: ~20 s). ``make test`` sends them to one worker as one unit, so the history is built once, not once per worker.
#: Checked at collection: a module that requests ``history`` and is missing here fails the run.
SHARE_THE_HISTORY = frozenset(f"tests/integration/test_{name}.py" for name in (
    "backtest_assets", "cli_backtest", "copy_reader", "history_pipeline", "portfolio", "strategy_monitor"))


def on_critical_path(item) -> bool:
    return item.get_closest_marker(CRITICAL_PATH) is not None


def pytest_collection_modifyitems(config, items):
    strays = sorted({item.nodeid.split("::")[0] for item in items if "history" in item.fixturenames}
                    - SHARE_THE_HISTORY)
    if strays:
        raise pytest.UsageError(f"add {', '.join(strays)} to SHARE_THE_HISTORY in tests/conftest.py: "
                                "they read the session history")
    items.sort(key=lambda item: not on_critical_path(item))  # stable: the rest keep their order


@pytest.hookimpl(optionalhook=True)  # a run with -p no:xdist has no such hook
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the SHARE_THE_HISTORY modules as one unit (pytest-xdist's own scheduler otherwise)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class HistoryOnOneWorker(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "the session history" if scope in SHARE_THE_HISTORY else scope

    return HistoryOnOneWorker(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """In a ``make test`` worker, step back in CPU priority before the first test off the critical path (before its
    fixtures: a session's database started now runs at the same priority). One process: nothing changes."""
    if os.environ.get("PYTEST_XDIST_WORKER") and not on_critical_path(item):
        current = os.getpriority(os.PRIO_PROCESS, 0)
        if current < BACKGROUND_NICENESS:
            os.nice(BACKGROUND_NICENESS - current)


@pytest.fixture(scope="session")
def runtime_env(tmp_path_factory):
    """Start an embedded PostgreSQL in a temp PADDOCK_HOME, publish its URLs, create the warehouse tables."""
    from ingestion.warehouse import ensure_warehouse_once
    from paddock import db
    from paddock.dbt_prep import prepare_manifest

    home = tmp_path_factory.mktemp("paddock")
    os.environ["PADDOCK_HOME"] = str(home)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("xdg")))
    for name in ("DATABASE_URL", "DAGSTER_POSTGRES_URL"):
        os.environ.pop(name, None)
    env = db.export_runtime_env()
    SESSION_DATABASE.append(env["DATABASE_URL"])
    ensure_warehouse_once(db.warehouse_engine())  # as `paddock run` and the code server prepare it
    prepare_manifest()
    yield env
    db.warehouse_engine().dispose()
    db.stop_embedded()


@pytest.fixture(scope="session")
def engine(runtime_env):
    from paddock import db

    return db.warehouse_engine()


def fact_built(conn) -> bool:
    """Whether ``marts.fct_odds`` exists yet (an incremental table: a module's first odds build creates it)."""
    import sqlalchemy as sa

    return conn.execute(sa.text("SELECT to_regclass('marts.fct_odds')")).scalar_one() is not None


def clear_odds_tables(engine) -> None:
    """Empty the odds tables and the fetch log: odds test modules share one database and count rows globally. The
    fact built from them goes too (an incremental table, when a module has built it): rows whose snapshots are gone
    would fail its relationship tests in the next module's build, as no pruning in production leaves them."""
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE raw.odds, raw.odds_snapshots, raw.events, ops.fetch_log"))
        if fact_built(conn):
            conn.execute(sa.text("TRUNCATE marts.fct_odds"))


def forget_odds(engine, *, event_ids=(), sports=()) -> None:
    """Delete a test's events and their snapshots (their prices cascade) with the fact's rows built from them. A
    cleanup that left the fact's rows would leave them orphans under fct_odds' relationship tests, which fail the
    next ``dbt build`` on this database (in whichever module runs next) as no production path leaves them."""
    import sqlalchemy as sa

    params = {"ids": list(event_ids), "sports": list(sports)}
    with engine.begin() as conn:
        if fact_built(conn):
            conn.execute(sa.text("DELETE FROM marts.fct_odds WHERE event_id = ANY(:ids) OR sport = ANY(:sports)"),
                         params)
        conn.execute(sa.text("DELETE FROM raw.odds_snapshots WHERE event_id = ANY(:ids) OR sport = ANY(:sports)"),
                     params)
        conn.execute(sa.text("DELETE FROM raw.events WHERE id = ANY(:ids) OR sport = ANY(:sports)"), params)


ORPHANED_FACTS = """
SELECT count(*) FROM marts.fct_odds f
WHERE f.loaded_at > now() - interval '1 day'
  AND (NOT EXISTS (SELECT 1 FROM raw.odds_snapshots s WHERE s.snapshot_id = f.snapshot_id)
       OR NOT EXISTS (SELECT 1 FROM raw.events e WHERE e.id = f.event_id))"""


@pytest.fixture(scope="module", autouse=True)
def leaves_no_orphaned_odds_facts():
    """Fail the module that leaves fct_odds rows loaded today without their snapshot or event (a cleanup that deleted
    raw rows under a built fact): fct_odds' relationship tests would fail the next odds ``dbt build`` on this
    database, in whichever module ran next (CI stop 31). Checked after the module's own fixtures are torn down
    (an autouse fixture is set up first, so it ends last), on the session's warehouse once it has started."""
    yield
    if not SESSION_DATABASE:
        return
    import sqlalchemy as sa
    from paddock import db

    with db.engine_for(SESSION_DATABASE[0]).connect() as conn:
        if not fact_built(conn):
            return
        orphans = conn.execute(sa.text(ORPHANED_FACTS)).scalar_one()
    if orphans:
        pytest.fail(f"{orphans} fct_odds row(s) loaded today lost their snapshot or event in this module: delete "
                    "them with the raw rows (tests.conftest.forget_odds)", pytrace=False)
