"""Typed fetch errors: each names the (redacted) URL and what happened, so an operator can act without a traceback."""
from __future__ import annotations

from ingestion.errors import IngestionError


class FetchError(IngestionError):
    """A request failed for good: a non-retryable status, or retries exhausted.

    ``status`` is the last HTTP status (None when the last attempt never got a response, e.g. a timeout);
    ``url`` is already redacted, so the message is safe to log.
    """

    def __init__(self, url: str, status: int | None, attempts: int, reason: str = "", body: str = ""):
        self.url, self.status, self.attempts, self.reason, self.body = url, status, attempts, reason, body
        what = f"HTTP {status}" if status is not None else "no response"
        super().__init__(
            f"GET {url} failed: {what} after {attempts} attempt(s)" + (f" ({reason})" if reason else "")
        )


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL for our User-Agent; raised before any request to the URL is made."""

    def __init__(self, url: str, reason: str = "disallowed by robots.txt"):
        super().__init__(url, None, 0, reason)
