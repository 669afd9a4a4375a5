"""``dbt build`` for test fixtures, run the way the dbt assets run it: in this process (``paddock.dbt_runner``).

One helper instead of a subprocess command line per module: a dbt subprocess imports dbt and parses the project
again (seconds per fixture, far more on a loaded CI box). ``env`` overrides settings for this build only (a module's
private database: ``PADDOCK_PG_DBNAME``); the parsed manifest is cached per connection, so each database gets its own.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from paddock.dbt_runner import run_dbt


@contextmanager
def _env(overrides: dict[str, str]):
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def dbt_build(target, *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Build with ``args`` (selection, vars, flags) into ``target``; fails naming every node that did not succeed.
    Returns each node's status by unique id (``success``, ``pass``, ``warn``, ...)."""
    with _env(env or {}):
        result, _ = run_dbt(["build", *args], Path(target))
    statuses = {r.node.unique_id: str(r.status) for r in getattr(result.result, "results", None) or ()}
    bad = {uid: status for uid, status in statuses.items() if status in ("error", "fail", "skipped")}
    assert result.success and not bad, f"dbt build {' '.join(args)} failed: {result.exception or bad}"
    return statuses
