"""The one HTTP fetcher (robots, throttling, retries, fetch logging) shared by every scraper and API client."""
from ingestion.http.errors import FetchError, RobotsDisallowed
from ingestion.http.fetcher import Fetcher, FetchResponse
from ingestion.http.records import FetchRecord, memory_sink, ops_fetch_log_sink, redact_url
from ingestion.http.retry import RetryPolicy, parse_retry_after

__all__ = [
    "FetchError", "FetchRecord", "FetchResponse", "Fetcher", "RetryPolicy", "RobotsDisallowed",
    "memory_sink", "ops_fetch_log_sink", "parse_retry_after", "redact_url",
]
