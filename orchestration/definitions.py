"""Entry point for Dagster (``dagster dev -m orchestration.definitions`` / the gRPC code server).

Everything is discovered from the ``defs/`` tree, one folder per domain, so adding a domain never touches this file.
"""
from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
