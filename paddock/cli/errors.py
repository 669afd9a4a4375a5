"""Errors at the CLI's edges as one line and a non-zero exit, never a traceback.

A wrong setting, an unreachable database or an unreadable file is the user's to fix, and a 400-line traceback hides
the one fact they need (which variable, which host, which file and line). ``user_errors`` turns exactly those
exceptions into ``error: <what>`` on stderr and exit code 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import contextlib
import os

import sqlalchemy as sa
import typer
from rich.console import Console

from paddock import db
from paddock.settings import SettingsError

EXIT_USER_ERROR = 2


def database_problem(exc: sa.exc.OperationalError | sa.exc.InterfaceError) -> str:
    """``cannot reach PostgreSQL (DATABASE_URL=<redacted>): <the driver's first line>`` — host and port included."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = detail[0] if detail else type(exc).__name__
    configured = [f"{name}={db.redact(os.environ[name])}" for name in ("DATABASE_URL", "DAGSTER_POSTGRES_URL")
                  if os.environ.get(name)]
    return f"cannot reach PostgreSQL ({', '.join(configured) or 'embedded server'}): {reason}"


def fail(message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(EXIT_USER_ERROR)


@contextlib.contextmanager
def user_errors():
    """Run a command body; settings, database-connection and ingestion file errors exit 2 with one line."""
    from ingestion.errors import IngestionError

    try:
        yield
    except SettingsError as exc:
        raise fail(str(exc)) from None
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise fail(database_problem(exc)) from None
    except IngestionError as exc:
        raise fail(str(exc)) from None
