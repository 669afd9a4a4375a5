"""Run the history job over a range of race dates in this process, recorded in the Dagster instance.

A range run is a single run (the assets' backfill policy), marked with Dagster's partition-range tags, exactly what the
UI's backfill launches; running it in-process lets ``make run`` exit with the run's status.
"""
from __future__ import annotations

from collections.abc import Callable

import dagster as dg


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}


def materialize_history(
    start: str, end: str, *, instance: dg.DagsterInstance | None = None, log: Callable[[str], None] = print
) -> bool:
    from orchestration.definitions import defs

    definitions = defs()
    job = definitions.resolve_job_def("history_job")
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.get(),
        tags=partition_range_tags(start, end),
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )
    for event in result.all_events:
        if event.is_step_failure:
            log(f"step failed: {event.step_key}: {event.event_specific_data.error.message.strip()}")
    return result.success
