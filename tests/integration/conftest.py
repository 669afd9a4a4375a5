"""Fixtures shared by integration modules: one synthetic history run that several modules read."""
import dagster as dg
import pytest

from paddock.cli.runner import partition_range_tags

HISTORY_START, HISTORY_END = "2024-01-01", "2024-06-30"


@pytest.fixture(scope="session")
def history(runtime_env, engine):
    """``history_job`` over six months of synthetic race dates in one run (a single-run backfill, as the UI
    launches it): raw tables, gate, dbt staging, marts and stats."""
    from orchestration.definitions import defs

    definitions = defs()
    instance = dg.DagsterInstance.ephemeral()
    job = definitions.resolve_job_def("history_job")
    tags = partition_range_tags(HISTORY_START, HISTORY_END)
    result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return {"definitions": definitions, "instance": instance, "result": result}
