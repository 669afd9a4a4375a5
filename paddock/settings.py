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


class SettingsError(ValueError):
    """A setting from the environment that cannot work; the message names the variable and the value."""


def _date(name: str, default: date) -> date:
    """``name`` from the environment as an ISO date; unset or empty (compose passes "") means ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not an ISO date (YYYY-MM-DD)") from exc


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
    return history_window()[0]


def history_end() -> date:
    """Last race date that ``paddock run`` materializes (the partitions themselves run on to today).

    Default: yesterday (UTC). Today's race cards then see every earlier start of their horses and 365 full days of
    jockey/trainer form, and no history row of today exists before its races have run (today's results come from the
    race-card site once the meeting is over, not from the generator in advance).
    """
    return history_window()[1]


def history_window() -> tuple[date, date]:
    """``(history_start(), history_end())``, checked: a start after the end would make every partition empty."""
    start = _date("PADDOCK_HISTORY_START", date(utc_today().year - 1, 1, 1))
    end = _date("PADDOCK_HISTORY_END", utc_today() - timedelta(days=1))
    if start > end:
        raise SettingsError(f"PADDOCK_HISTORY_START={start.isoformat()} is after PADDOCK_HISTORY_END={end.isoformat()}")
    return start, end


def sources() -> list[str]:
    """Historical sources loaded into each race-date partition (comma separated ``PADDOCK_SOURCES``), checked against
    the source registry here so a typo fails before anything loads, not after the other sources' partitions."""
    from ingestion.sources import SOURCES  # lazily: the registry imports every source module

    names = [s.strip() for s in os.environ.get("PADDOCK_SOURCES", "synthetic").split(",") if s.strip()]
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        raise SettingsError(f"PADDOCK_SOURCES={os.environ.get('PADDOCK_SOURCES', '')!r}: unknown source(s) "
                            f"{', '.join(map(repr, unknown)) or '(none given)'}; valid names: {', '.join(sorted(SOURCES))}")
    return names


def check() -> None:
    """Every setting at once, before a command starts anything (raises :class:`SettingsError`)."""
    history_window()
    sources()
    synthetic_seed()


def synthetic_seed() -> int:
    raw = os.environ.get("PADDOCK_SYNTHETIC_SEED", "7")
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"PADDOCK_SYNTHETIC_SEED={raw!r} is not an integer") from None


def kaggle_hk_dir() -> Path:
    return Path(os.environ.get("KAGGLE_HK_DIR") or SHARED_DATA / "kaggle-hk")


def hkjc_results_dir() -> Path:
    return Path(os.environ.get("HKJC_RESULTS_DIR") or SHARED_DATA / "hkjc-results")


def quarantine_warnings() -> bool:
    """Whether rows failing only warning-level expectations are quarantined (true) or published and logged (false)."""
    return os.environ.get("PADDOCK_QUARANTINE_WARNINGS", "false").lower() in ("1", "true", "yes")


def exchange_dir() -> Path:
    """The landing folder for Betfair stream files (``PADDOCK_EXCHANGE_DIR``): the exchange sensor watches it and the
    exchange partitions read from it. Default: ``exchange`` in the local state folder (``PADDOCK_HOME``, else
    ``.paddock``), where ``paddock run`` writes the demo's generated markets."""
    from paddock.db import state_dir

    return Path(os.environ.get("PADDOCK_EXCHANGE_DIR") or state_dir() / "exchange")
