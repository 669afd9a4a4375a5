"""What the run processes' forkserver loads once, before it forks any of them (``orchestration.run_workers``):
Dagster's run entry point, this code location (Dagster, dbt, the dbt assets, pandas, GX) and dbt's parsed manifest
(``paddock.dbt_runner``), so a forked run starts with them in memory: its definitions load from modules already
imported and its dbt steps skip the parse.

A failure here must not take the forkserver down (it forks every run): the forked run then loads the code itself
and reports the error in its run, as a spawned one would. Nothing here opens a connection or starts a thread
(tests/unit/test_run_workers.py).
"""
import logging

try:
    import dagster._grpc.impl  # noqa: F401  (start_run_in_subprocess: what each forked run executes)
    import dagster_dbt.core.dbt_cli_event  # noqa: F401  (the dbt steps: orchestration.defs.dbt.in_process)
    import dbt.cli.main  # noqa: F401
    from orchestration.definitions import defs
    from paddock.dbt_runner import parse_ahead

    defs()  # imports every module of the defs folder; the run calls it again, in ~0.2 s
    parse_ahead()  # the manifest each run's first dbt step would parse
except Exception:  # noqa: BLE001
    logging.getLogger(__name__).exception("preloading the code location for the run processes failed; each run "
                                          "loads it itself")
