"""The `paddock` command as a user runs it (a subprocess), against the test session's embedded server."""
import os
import subprocess
import sys


def paddock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paddock.cli", *args], env=os.environ.copy(), capture_output=True,
                          text=True, timeout=120)


def test_db_url_prints_the_warehouse_url(runtime_env):
    done = paddock("db", "url")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == runtime_env["DATABASE_URL"]
    assert done.stdout.startswith("postgresql+psycopg2://") and "/warehouse?host=" in done.stdout


def test_run_rejects_a_malformed_date_naming_it(runtime_env):
    done = paddock("run", "--start", "2024-13-01", "--end", "2024-01-02")
    assert done.returncode != 0
    assert "2024-13-01" in done.stdout + done.stderr


def paddock_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paddock.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The whole of what the command said: exit 2, no traceback, a single ``error: ...`` line on stderr."""
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_history_start_after_end_fails_before_anything_runs(runtime_env):
    env = {"PADDOCK_HISTORY_START": "2025-06-01", "PADDOCK_HISTORY_END": "2025-01-01"}
    for command in (["run"], ["status"]):
        line = one_line_error(paddock_with(env, *command))
        assert line == "error: PADDOCK_HISTORY_START=2025-06-01 is after PADDOCK_HISTORY_END=2025-01-01"


def test_a_run_outside_the_race_date_partitions_is_one_line_naming_the_date(runtime_env):
    from datetime import datetime, timedelta, timezone

    env = {"PADDOCK_HISTORY_START": "2024-01-01", "PADDOCK_HISTORY_END": "2024-03-31"}
    before = one_line_error(paddock_with(env, "run", "--start", "2023-12-31", "--end", "2024-01-02"))
    assert before == "error: --start 2023-12-31 is before the first race-date partition, 2024-01-01 " \
                     "(PADDOCK_HISTORY_START)"  # was Dagster's 40-line CheckError
    today = datetime.now(timezone.utc).date().isoformat()
    after = one_line_error(paddock_with(env, "run", "--start", "2024-01-01", "--end", today))
    assert after.startswith(f"error: --end {today} is not before today ({today}, UTC)")


def test_an_unknown_source_fails_at_config_time(runtime_env):
    line = one_line_error(paddock_with({"PADDOCK_SOURCES": "synthetic,kagle_hk"}, "run"))
    assert line == "error: PADDOCK_SOURCES='synthetic,kagle_hk': unknown source(s) 'kagle_hk'; valid names: hkjc, " \
                   "kaggle_hk, synthetic"


def test_a_closed_database_port_is_one_line_naming_it(runtime_env):
    from paddock.processes import free_port

    port = free_port()  # nothing listens there
    url = f"postgresql://paddock:secret@127.0.0.1:{port}/warehouse"
    for command in (["status"], ["run", "--start", "2024-01-01", "--end", "2024-01-02"]):
        line = one_line_error(paddock_with({"DATABASE_URL": url}, *command))
        assert line.startswith(f"error: cannot reach PostgreSQL (DATABASE_URL=postgresql+psycopg2://paddock:***@"
                               f"127.0.0.1:{port}/warehouse")
        assert f'port {port} failed: Connection refused' in line and "secret" not in line
