"""``dbt build`` for test fixtures, run the way the dbt assets run it: in this process (``paddock.dbt_runner``).

One helper instead of a subprocess command line per module: a dbt subprocess imports dbt and parses the project
again (seconds per fixture, far more on a loaded CI box). ``env`` overrides settings for this build only (a module's
private database: ``PADDOCK_PG_DBNAME``); the parsed manifest is cached per connection, so each database gets its own.
"""
from __future__ import annotations

from pathlib import Path

from paddock.dbt_runner import run_dbt
from paddock.environ import overridden


def dbt_build(target, *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Build with ``args`` (selection, vars, flags) into ``target``; fails naming every node that did not succeed.
    Returns each node's status by unique id (``success``, ``pass``, ``warn``, ...)."""
    with overridden(env or {}):
        result, _ = run_dbt(["build", *args], Path(target))
    statuses = {r.node.unique_id: str(r.status) for r in getattr(result.result, "results", None) or ()}
    bad = {uid: status for uid, status in statuses.items() if status in ("error", "fail", "skipped")}
    assert result.success and not bad, f"dbt build {' '.join(args)} failed: {result.exception or bad}"
    return statuses
