"""Settings read from the environment, with demo defaults, in one place.

Only names of things live here (which sources, which dates); connection details live in ``paddock.db``.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

from ingestion import clock
from paddock.db import PROJECT_ROOT

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _date(name: str, default: date) -> date:
    """``name`` from the environment as an ISO date; unset or empty (compose passes "") means ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not an ISO date (YYYY-MM-DD)") from exc


def utcnow() -> datetime:
    """Now, tz-aware UTC: the sensors' clock (``ingestion.clock``: simulated under ``PADDOCK_SIM_CLOCK``). Each sensor
    module imports it by name, so a test freezes one sensor's time with
    ``monkeypatch.setattr(that_sensors_module, "utcnow", ...)``."""
    return clock.utcnow()


def utc_today() -> date:
    """Today in UTC: the one "today" the history window, the demo site's clock and the card partitions agree on."""
    return clock.utcnow().date()


def history_start() -> date:
    """First race date partition; the demo's synthetic history starts here.

    Default: 1 January of last year, so the demo always has two seasons (last year's and this year's so far) behind
    today's race cards, whatever year it is run in.
    """
    return _date("PADDOCK_HISTORY_START", date(utc_today().year - 1, 1, 1))


def history_end() -> date:
    """Last race date that ``paddock run`` materializes (the partitions themselves run on to today).

    Default: yesterday (UTC). Today's race cards then see every earlier start of their horses and 365 full days of
    jockey/trainer form, and no history row of today exists before its races have run (today's results come from the
    race-card site once the meeting is over, not from the generator in advance).
    """
    return _date("PADDOCK_HISTORY_END", utc_today() - timedelta(days=1))


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
