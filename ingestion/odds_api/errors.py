"""Errors of The Odds API client; messages never contain the API key."""
from __future__ import annotations

from ingestion.errors import IngestionError


class OddsApiError(IngestionError):
    """The API refused a request (bad parameters, unknown sport, retries exhausted). ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int | None = None, error_code: str | None = None):
        self.status, self.error_code = status, error_code
        super().__init__(message)


class OddsApiAuthError(OddsApiError):
    """401: the key is missing, wrong, or out of credits. Never retried: retrying only burns goodwill."""
