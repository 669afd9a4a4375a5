"""The dbt assets' dbt commands, run inside the run's own process (``paddock.dbt_runner``), as Dagster events.

Why not ``DbtCliResource.cli``: it starts ``dbt`` as a subprocess for every step, which imports dbt again and parses
the project before the first model runs (see ``paddock.dbt_runner`` for what that cost). The run process has dbt
imported already: the asset definitions are built from it.

What is kept from dagster-dbt: the selection of the step's subset (the same function its ``cli`` calls) and the
conversion of each dbt result into Dagster events (``DbtCoreCliEventMessage.to_default_asset_events``): dbt's
structured events reach us through a callback as the same dictionaries its JSON log lines hold, so
materializations, asset checks and their metadata are what the subprocess path produced. Every job runs its steps
one after another in the run process (``in_process_executor``, ``orchestration.definitions``), as dbt needs.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from paddock.dbt_prep import DBT_DIR
from paddock.dbt_runner import raise_for_failure, run_dbt


def build(context: dg.AssetExecutionContext, args: Sequence[str]) -> Iterator[Any]:
    """Run ``dbt <args>`` for the step's selected assets and yield their Dagster events (the ``cli(...).stream()``
    of dagster-dbt, without the subprocess)."""
    from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest={}, dagster_dbt_translator=None)  # filled from the assets definition
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else DBT_DIR)
    target = _target_path(context)
    # --no-write-json: nothing reads a run's manifest.json or run_results.json (its events arrive by callback), and
    # writing them cost ~0.5 s of every odds poll's run
    command = [*args, *params.selection_args, "--no-write-json"]
    if params.indirect_selection and "--indirect-selection" not in args:  # dagster-dbt sets it by env: args win
        command += ["--indirect-selection", params.indirect_selection]
    context.log.info(f"dbt (in process) {' '.join(command)} --target-path {target}")
    result, events = run_dbt(command, target, project_dir=project_dir)
    for raw in events:
        message = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from message.to_default_asset_events(
            manifest=params.manifest, dagster_dbt_translator=params.dagster_dbt_translator, context=context,
            target_path=target, project=params.dbt_project)
    raise_for_failure(result, args)  # after the events: the checks that passed are recorded either way


def _target_path(context: dg.AssetExecutionContext) -> Path:
    """A target folder of its own per invocation (artifacts of concurrent runs must not mix), like dagster-dbt's."""
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    return DBT_DIR / "target" / name


