"""dbt commands inside this process, on a manifest parsed once per process and warehouse connection.

Why: a dbt subprocess imports dbt again and parses the project before the first model runs. One new race-date
partition measured 5.7 s of dbt for 0.6 s of model SQL, and under the load of an operating day a 5-second odds
rebuild took 17–39 s as a subprocess and 3–5 s in process. The Dagster dbt assets
(``orchestration.defs.dbt.in_process``) and the partition benchmark run dbt through here.

dbt is not safe for two invocations at once in one process: a module lock serialises them (every job runs its steps
one after another in the run process anyway). The parsed manifest is cached per (project, connection settings): its
relation names carry the profile's database, and the test suite points one process at several databases. Run
processes are forked with it already parsed (``parse_ahead``, ``orchestration.run_worker_preload``).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paddock.dbt_prep import DBT_DIR
from paddock.quick_exit import no_collections_while_loading

_LOCK = threading.Lock()
_MANIFESTS: dict[tuple, tuple[tuple, Any]] = {}  # (project dir, connection env) -> (project files' stamp, Manifest)
NOT_PROJECT_FILES = {"target", "logs", "dbt_packages"}  # what dbt writes or installs, not what it parses
PROFILE_ENV_PREFIXES = ("PADDOCK_PG_", "DBT_")
RESULT_EVENTS = ("LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult")


class DbtInProcessError(Exception):
    """dbt reported a failure: names the command and the nodes that failed."""


def run_dbt(args: Sequence[str], target: Path, *, project_dir: Path = DBT_DIR):
    """``dbt <args>`` in this process with ``target`` as its target and log folder: dbt's result and the result
    events of its nodes (as dictionaries, the shape of dbt's JSON log lines)."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    events: list[dict] = []

    def keep(event) -> None:
        if event.info.name in RESULT_EVENTS:
            events.append(msg_to_dict(event))

    with _LOCK:
        manifest = _manifest(project_dir, target)
        result = dbtRunner(manifest=manifest, callbacks=[keep]).invoke([*args, *_paths(project_dir, target)])
    return result, events


def raise_for_failure(result, args: Sequence[str]) -> None:
    """Raise :class:`DbtInProcessError` for a dbt command that did not succeed, naming the nodes that failed."""
    if result.exception is not None:
        raise DbtInProcessError(f"dbt {' '.join(args)} raised: {result.exception}") from result.exception
    if not result.success:
        results = getattr(result.result, "results", None) or ()
        failed = [r.node.unique_id for r in results if r.status in ("error", "fail")]
        raise DbtInProcessError(f"dbt {' '.join(args)} failed: {', '.join(failed) or 'see the step log'}")


def parse_ahead(project_dir: Path = DBT_DIR) -> None:
    """Parse the manifest for this process's connection now, into its cache: the run processes' forkserver does it
    once (``orchestration.run_worker_preload``), so no run forked from it parses again (~0.8 s of CPU per dbt run).
    The parse needs no connection, and each dbt command registers its adapter afresh, so the forks share no lock
    or socket through it."""
    import tempfile

    with _LOCK, tempfile.TemporaryDirectory(prefix="dbt-parse-") as target:
        _manifest(project_dir, Path(target))


def _paths(project_dir: Path, target: Path) -> list[str]:
    return ["--project-dir", str(project_dir), "--profiles-dir", str(DBT_DIR), "--target-path", str(target),
            "--log-path", str(target)]


def _manifest(project_dir: Path, target: Path):
    """The parsed manifest for this project and connection, parsed once per process (again when a project file
    changed, ``_project_stamp``): partially, from the state the last parse for the same connection left
    (``partial_parse-<digest>.msgpack`` beside the prepared manifest), else from the prepared one. dbt discards a
    partial-parse state made for another connection (its profile differs), and every process that parses (the run
    processes' forkserver, a run when the project changed, the CLI, a test) would otherwise pay a full parse."""
    from dbt.cli.main import dbtRunner

    settings = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(PROFILE_ENV_PREFIXES)))
    key = (str(project_dir), settings)
    stamp = _project_stamp(project_dir)
    if key not in _MANIFESTS or _MANIFESTS[key][0] != stamp:
        target.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        kept = DBT_DIR / "target" / f"partial_parse-{digest}.msgpack"
        state = next((p for p in (kept, DBT_DIR / "target" / "partial_parse.msgpack") if p.exists()), None)
        if state is not None:
            shutil.copy(state, target / "partial_parse.msgpack")
        # --no-write-json: the manifest is kept in memory; the partial-parse state is written all the same. Kept for
        # the process's life, so parsed as the code location loads (paddock.quick_exit).
        with no_collections_while_loading():
            parsed = dbtRunner().invoke(["parse", "--quiet", "--no-write-json", *_paths(project_dir, target)])
        if not parsed.success:
            raise DbtInProcessError(f"dbt parse of {project_dir} failed: {parsed.exception}")
        if (target / "partial_parse.msgpack").exists():  # replaced whole, so a concurrent run never reads half
            fresh = kept.with_suffix(f".{os.getpid()}.tmp")
            shutil.copy(target / "partial_parse.msgpack", fresh)
            os.replace(fresh, kept)
        _MANIFESTS[key] = (stamp, parsed.result)
    return _MANIFESTS[key][1]


def _project_stamp(project_dir: Path) -> tuple[int, int]:
    """How many files the project has and the newest one's modification time (~1 ms for ~100 files): a model, macro
    or test edited, added or removed since the parse makes the next command parse again (partially), so an edit
    reaches the next run as it does with the dbt CLI, even in a process that parsed before it (a run forked from the
    code server's forkserver, ``orchestration.run_worker_preload``)."""
    count, newest = 0, 0
    for root, folders, files in os.walk(project_dir):
        folders[:] = [f for f in folders if f not in NOT_PROJECT_FILES and not f.startswith(".")]
        for name in files:
            count += 1
            newest = max(newest, os.stat(os.path.join(root, name)).st_mtime_ns)
    return count, newest
