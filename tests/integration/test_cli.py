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
