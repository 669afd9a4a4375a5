"""What the fetcher reports per attempt, URL redaction, and the ops.fetch_log sink.

Every attempt (including retries and robots.txt reads) becomes one ``FetchRecord`` so that quota burn, error rates and
latency per site can be answered from ``ops.fetch_log`` without grepping logs.
"""
from __future__ import annotations

import json

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlalchemy as sa

from ingestion.clock import utcnow

log = logging.getLogger(__name__)

#: Query parameters whose values never reach logs, errors or ops.fetch_log.
SECRET_PARAMS = ("apikey", "api_key", "key", "token", "access_token", "password", "secret", "signature")
_SECRET_IN_TEXT = re.compile(r"(?i)\b(" + "|".join(SECRET_PARAMS) + r")=([^&\s'\"]+)")


def redact_url(url: str) -> str:
    """The URL with secret query values replaced by ``***`` (and any userinfo password dropped)."""
    parts = urlsplit(str(url))
    query = urlencode(
        [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe="*:,",
    )
    netloc = parts.netloc.split("@")[-1]
    return parts._replace(netloc=netloc, query=query).geturl()


def redact_text(text: str) -> str:
    """Free text (exception messages, bodies) with ``apiKey=...``-style secrets masked."""
    return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}=***", str(text))


class RedactingFilter(logging.Filter):
    """Masks secrets in records of loggers we don't own: httpx logs every request URL, key included, at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_text(record.getMessage()), ()
        return True


def install_log_redaction(names: tuple[str, ...] = ("httpx", "httpcore")) -> None:
    """Idempotently attach ``RedactingFilter`` to third-party HTTP loggers."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP attempt. ``url`` is redacted; ``meta`` carries selected response headers (e.g. API quota)."""

    url: str
    site: str | None
    status: int | None
    bytes: int | None
    ms: int
    attempt: int
    error: str | None = None
    parser: str | None = None
    rows_parsed: int | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    meta: dict[str, str] = field(default_factory=dict)


FetchSink = Callable[[FetchRecord], None]

_INSERT = sa.text(
    "INSERT INTO ops.fetch_log (fetched_at, site, url, status, bytes, ms, attempt, error, parser, rows_parsed, meta) "
    "VALUES (:fetched_at, :site, :url, :status, :bytes, :ms, :attempt, :error, :parser, :rows_parsed, "
    "CAST(:meta AS jsonb))"
)


def ops_fetch_log_sink(engine: sa.Engine) -> FetchSink:
    """A sink writing each record to ops.fetch_log (created by ``ensure_warehouse``).

    A logging failure must not fail the fetch it describes, so database errors are logged and swallowed.
    """

    def sink(record: FetchRecord) -> None:
        row = {
            "fetched_at": record.fetched_at, "site": record.site, "url": redact_url(record.url),
            "status": record.status, "bytes": record.bytes, "ms": record.ms, "attempt": record.attempt,
            "error": redact_text(record.error) if record.error else None, "parser": record.parser,
            "rows_parsed": record.rows_parsed, "meta": json.dumps(record.meta) if record.meta else None,
        }
        try:
            with engine.begin() as conn:
                conn.execute(_INSERT, row)
        except Exception as exc:  # noqa: BLE001 - see docstring
            log.warning("could not write ops.fetch_log for %s: %s", row["url"], exc)

    return sink


def memory_sink(records: list[FetchRecord]) -> FetchSink:
    """A sink appending to a list; for tests and ad-hoc runs."""
    return records.append
