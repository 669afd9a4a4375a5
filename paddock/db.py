"""The one place that knows how to reach PostgreSQL.

Every other module asks here for URLs and engines instead of building connection strings, so switching from the
embedded server to a real one is a matter of setting ``DATABASE_URL`` / ``DAGSTER_POSTGRES_URL``.

When those variables are unset we start (or reuse) an embedded PostgreSQL from the ``pgserver`` wheel in
``<state>/postgres`` over a unix socket, with two databases: ``warehouse`` and ``dagster``. The server is left running
on purpose (``cleanup_mode=None``): the Dagster webserver, daemon and run workers are separate processes that must all
see the same server; ``paddock db stop`` stops it.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE_DB = "warehouse"
DAGSTER_DB = "dagster"


def state_dir() -> Path:
    """Git-ignored folder for local state (embedded Postgres, Dagster artefacts); ``PADDOCK_HOME`` overrides it."""
    path = Path(os.environ.get("PADDOCK_HOME") or PROJECT_ROOT / ".paddock").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _embedded_server():
    import pgserver  # imported lazily: only needed when no external URL is configured

    server = pgserver.get_server(state_dir() / "postgres", cleanup_mode=None)
    for name in (WAREHOUSE_DB, DAGSTER_DB):
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{name}";')
    return server


def embedded_url(database: str) -> str:
    """SQLAlchemy URL of a database on the embedded server (started on first use)."""
    return to_sqlalchemy_url(_embedded_server().get_uri(database))


def to_sqlalchemy_url(url: str) -> str:
    """Normalise any ``postgres(ql)://`` URL to the psycopg2 dialect that dagster-postgres and dbt-postgres use.

    SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, which is not installed.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL (no scheme): {redact(url)!r}")
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2"):
        return f"postgresql+psycopg2://{rest}"
    raise ValueError(f"unsupported database URL scheme {scheme!r} in {redact(url)!r}; expected postgresql://")


def redact(url: str) -> str:
    """The URL with its password replaced, safe for logs and errors."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def warehouse_url() -> str:
    configured = os.environ.get("DATABASE_URL")
    return to_sqlalchemy_url(configured) if configured else embedded_url(WAREHOUSE_DB)


def dagster_url() -> str:
    configured = os.environ.get("DAGSTER_POSTGRES_URL")
    return to_sqlalchemy_url(configured) if configured else embedded_url(DAGSTER_DB)


@functools.lru_cache(maxsize=8)
def _cached_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def engine_for(url: str) -> sa.Engine:
    """One pooled engine per URL per process."""
    return _cached_engine(to_sqlalchemy_url(url))


def warehouse_engine() -> sa.Engine:
    return engine_for(warehouse_url())


def check_reachable(url: str) -> None:
    """Open one connection (raises SQLAlchemy's ``OperationalError`` when the server is down or refuses us)."""
    with engine_for(url).connect():
        pass


def bi_reader_url(warehouse: str, password_set: bool) -> str:
    """The connection a BI tool uses: the warehouse's host and database as the read-only ``bi_reader`` role, in the
    plain ``postgresql://`` form BI tools read. Never a password: ``***`` stands for ``$BI_READER_PASSWORD`` when it is
    set; without it the embedded server's unix socket trusts the local user (see ``ingestion.bi_access``)."""
    parts = urlsplit(warehouse)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"bi_reader{':***' if password_set else ''}@{host}{f':{parts.port}' if parts.port else ''}"
    return parts._replace(scheme="postgresql", netloc=netloc).geturl()


def libpq_params(url: str) -> dict[str, str]:
    """Split a URL into the libpq pieces dbt's profile reads (``PADDOCK_PG_*``); a socket dir becomes the host."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "PADDOCK_PG_HOST": query.get("host") or parts.hostname or "localhost",
        "PADDOCK_PG_PORT": str(query.get("port") or parts.port or 5432),
        "PADDOCK_PG_USER": unquote(parts.username or "postgres"),
        "PADDOCK_PG_PASSWORD": unquote(parts.password or ""),
        "PADDOCK_PG_DBNAME": parts.path.lstrip("/") or WAREHOUSE_DB,
    }


def export_runtime_env() -> dict[str, str]:
    """Resolve both databases once and publish them to child processes (Dagster, dbt) through the environment."""
    env = {
        "DATABASE_URL": warehouse_url(),
        "DAGSTER_POSTGRES_URL": dagster_url(),
        "DAGSTER_HOME": os.environ.get("DAGSTER_HOME") or str(PROJECT_ROOT),
        "PADDOCK_DAGSTER_STORAGE": str(state_dir() / "dagster"),
    }
    env.update(libpq_params(env["DATABASE_URL"]))
    os.environ.update(env)
    return env


def stop_embedded(timeout: float = 30.0) -> bool:
    """Stop the embedded server if it runs (fast shutdown); True when something was stopped.

    Signals the postmaster directly rather than running ``pg_ctl`` as the wheel's system user, which may not be able
    to traverse a private parent directory (pytest's temp dirs are 0700).
    """
    import signal

    import psutil

    pid_file = state_dir() / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        process = psutil.Process(pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout)
    except psutil.NoSuchProcess:
        return False
    return True
