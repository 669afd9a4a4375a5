"""Run processes forked from a warm process instead of started cold.

Dagster's code server (``dagster api grpc``, under ``dagster dev`` and in docker-compose) starts every run in a new
``spawn``ed Python (``dagster._grpc.server``, where the start method is fixed), which imports Dagster, dbt, pandas and
this code location again before the run's first step: ~3.5 s of CPU per run on this machine, and a race day
launches dozens of runs, several at a time, on two cores. Here the code server starts them from a ``forkserver``
that has imported all of that once (``orchestration.run_worker_preload``): a run that loads a race card costs ~0.5 s of
CPU instead of ~4 s. Measured on the operating day (tests/integration/test_operating_day.py, 42 runs, the box
otherwise idle): the run processes 268 → 117 s of CPU, every process of the deployment 380 → 219 s, the day
344 → 264 s.

Unchanged: each run still executes in a process of its own through Dagster's ``start_run_in_subprocess``, with the
same arguments, event queue and termination event (a forkserver hands them over as spawn does), and a code reload
starts a new code server, so a new forkserver with the new code; a dbt model edited since is parsed again by the
next run's first dbt command (``paddock.dbt_runner``), as with the dbt CLI. Different: a run executes the Python
code as the forkserver imported it at the code server's first run, so a Python edit reaches runs with a reload of
the code location, as it reaches the sensors and the asset graph (a spawned run read the files again); that first
run waits for the preload (~4 s of CPU). ``PADDOCK_RUN_WORKERS=spawn`` (read when the code server loads the code)
restores Dagster's cold start.
"""
from __future__ import annotations

import multiprocessing
import os
import sys

ENV = "PADDOCK_RUN_WORKERS"
PRELOAD = "orchestration.run_worker_preload"


def fork_runs_from_a_warm_process() -> bool:
    """Inside a Dagster code server, have it start each run as a fork of the warm forkserver; elsewhere (a run
    process, the CLI, a test) nothing changes. True when the code server's runs now start that way."""
    server = sys.modules.get("dagster._grpc.server")
    api_server = getattr(server, "DagsterApiServer", None)
    if api_server is None or os.environ.get(ENV, "forkserver") == "spawn":
        return False
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return False
    if not isinstance(api_server.__dict__.get("_mp_ctx"), property):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([PRELOAD])
        # The server set its own ``_mp_ctx`` (spawn) in __init__, before it loaded this code; a data descriptor on
        # the class takes precedence over that instance attribute, so the running server's next run goes through
        # the forkserver (StartRun makes the run's process, event queue and termination event from ``_mp_ctx``).
        api_server._mp_ctx = property(lambda self: context, lambda self, value: None)
    return True
