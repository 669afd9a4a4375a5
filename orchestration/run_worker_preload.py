"""What the run processes' forkserver loads once, before it forks any of them (``orchestration.run_workers``):
Dagster's run entry point, this code location (Dagster, dbt, the dbt assets, pandas, GX) and dbt's parsed manifest
(``paddock.dbt_runner``), so a forked run starts with them in memory: its definitions load from modules already
imported and its dbt steps skip the parse.

A failure here must not take the forkserver down (it forks every run): the forked run then loads the code itself
and reports the error in its run, as a spawned one would. Nothing here opens a connection or starts a thread
(tests/unit/test_run_workers.py).
"""
import logging
import os

try:
    import dagster._grpc.impl  # noqa: F401  (start_run_in_subprocess: what each forked run executes)
    import dagster_dbt.core.dbt_cli_event  # noqa: F401  (the dbt steps: orchestration.defs.dbt.in_process)
    import dbt.cli.main  # noqa: F401
    from orchestration.definitions import defs
    from orchestration.defs.warehouse.resources import WarehouseResource
    from paddock.dbt_runner import parse_ahead

    defs()  # imports every module of the defs folder; the run calls it again, in ~0.2 s
    if os.environ.get("DATABASE_URL"):  # the connection the dbt steps export before dbt runs (defs/dbt/assets.py):
        # the manifest is cached per connection, so it is parsed for that one (docker-compose sets only the URL)
        os.environ.update(WarehouseResource(database_url=os.environ["DATABASE_URL"]).dbt_env())
    parse_ahead()  # the manifest each run's first dbt step would parse
except Exception:  # noqa: BLE001
    logging.getLogger(__name__).exception("preloading the code location for the run processes failed; each run "
                                          "loads it itself")
