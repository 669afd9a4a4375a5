"""Entry point for Dagster (``dagster dev -m orchestration.definitions`` / the gRPC code server).

Everything is discovered from the ``defs/`` tree, one folder per domain, so adding a domain never touches this file.

Every job runs its steps in the run's own process (``in_process_executor``). Dagster's default starts one more
process per step, and each of them imports the code location again (≈ 6 s of dbt and Dagster imports on a laptop
core): for the one- or two-step jobs the sensors launch all day that doubled the time from a poll to its run's end,
and the steps here are I/O or dbt (which runs in the same process, ``paddock.dbt_runner``), so running them side by
side bought nothing on two cores. The run process itself is forked from one that has this code loaded already
(``orchestration.run_workers``), not started cold.
"""
from pathlib import Path

import dagster as dg

from orchestration.run_workers import fork_runs_from_a_warm_process
from paddock.quick_exit import no_collections_while_loading, skip_final_collections

skip_final_collections()  # the code server and every run process load this module
fork_runs_from_a_warm_process()  # in the code server: each run a fork of a process with this module loaded


@dg.definitions
def defs() -> dg.Definitions:
    with no_collections_while_loading():  # seconds of imports in every run process (paddock.quick_exit)
        return dg.Definitions.merge(dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
                                    dg.Definitions(executor=dg.in_process_executor))
