"""Prepare dbt's manifest explicitly: Dagster's ``prepare_if_dev`` only runs under ``dagster dev``.

Called by ``paddock run/serve`` and by the test suite before the Definitions are imported (the dbt assets read the
manifest at import time).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paddock.db import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def prepare_manifest(force: bool = False) -> Path:
    """Run ``dbt parse`` when the manifest is missing or older than any project file; returns its path.

    Under a file lock: two processes preparing at once (the test workers of ``make test``, ``paddock serve`` beside
    a test run) would otherwise both parse and one could read the manifest while the other is writing it."""
    import fcntl

    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST.parent / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _prepare(force)


def _prepare(force: bool) -> Path:
    if not force and MANIFEST.exists():
        newest = max(p.stat().st_mtime for p in DBT_DIR.rglob("*") if p.is_file() and "target" not in p.parts
                     and "logs" not in p.parts)
        if MANIFEST.stat().st_mtime >= newest:
            return MANIFEST
    cmd = [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    done = subprocess.run(cmd, cwd=DBT_DIR, env=os.environ.copy(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return MANIFEST
