"""Settings read from the environment, with demo defaults, in one place.

Only names of things live here (which sources, which dates); connection details live in ``paddock.db``.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from paddock.db import PROJECT_ROOT

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _date(name: str, default: str) -> date:
    raw = os.environ.get(name, default)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not an ISO date (YYYY-MM-DD)") from exc


def history_start() -> date:
    """First race date partition; the demo's synthetic history starts here."""
    return _date("PADDOCK_HISTORY_START", "2024-01-01")


def history_end() -> date:
    """Last race date that ``paddock run`` materializes (the partitions themselves run on to today)."""
    return _date("PADDOCK_HISTORY_END", "2025-12-31")


def sources() -> list[str]:
    """Historical sources loaded into each race-date partition (comma separated ``PADDOCK_SOURCES``)."""
    return [s.strip() for s in os.environ.get("PADDOCK_SOURCES", "synthetic").split(",") if s.strip()]


def synthetic_seed() -> int:
    return int(os.environ.get("PADDOCK_SYNTHETIC_SEED", "7"))


def kaggle_hk_dir() -> Path:
    return Path(os.environ.get("KAGGLE_HK_DIR") or SHARED_DATA / "kaggle-hk")


def hkjc_results_dir() -> Path:
    return Path(os.environ.get("HKJC_RESULTS_DIR") or SHARED_DATA / "hkjc-results")


def quarantine_warnings() -> bool:
    """Whether rows failing only warning-level expectations are quarantined (true) or published and logged (false)."""
    return os.environ.get("PADDOCK_QUARANTINE_WARNINGS", "false").lower() in ("1", "true", "yes")
