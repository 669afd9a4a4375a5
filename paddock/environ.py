"""Environment variables overridden for one block, and a deployment's Dagster instance opened from outside it.

Why: a deployment's dagster.yaml names its storage by environment variables (``DAGSTER_POSTGRES_URL``,
``PADDOCK_DAGSTER_STORAGE``), which the process that watches it (the operating-day test, a benchmark) holds with other
values; Dagster resolves them once, when the instance is made, so they are set only for that moment.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

#: The variables the repo's dagster.yaml reads its storage from.
INSTANCE_ENV = ("DAGSTER_POSTGRES_URL", "PADDOCK_DAGSTER_STORAGE")


@contextmanager
def overridden(overrides: Mapping[str, str]) -> Iterator[None]:
    """``overrides`` in ``os.environ`` inside the block; each variable as it was (or unset) after it."""
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def open_instance(home: Path, env: Mapping[str, str]):
    """The Dagster instance of the deployment whose ``DAGSTER_HOME`` is ``home`` and environment ``env``; the caller
    disposes it (``with`` or ``.dispose()``)."""
    import dagster as dg

    with overridden({key: env[key] for key in INSTANCE_ENV}):
        return dg.DagsterInstance.from_config(str(home))
