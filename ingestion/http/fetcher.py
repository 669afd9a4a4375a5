"""THE HTTP fetcher: every race-card scrape and every API call goes through ``Fetcher.get``.

One place owns politeness (robots.txt, per-host concurrency and spacing, honest User-Agent rotation), resilience
(timeouts, full-jitter retries that honour Retry-After) and observability (one ``FetchRecord`` per attempt), so a new
site only writes a parser. ``sleep`` and the clocks are injectable so tests run real HTTP on 127.0.0.1 without
waiting out real backoffs.
"""
from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ingestion.clock import utcnow
from ingestion.errors import ParseError
from ingestion.http.errors import FetchError, RobotsDisallowed
from ingestion.http.records import FetchRecord, FetchSink, install_log_redaction, redact_text, redact_url
from ingestion.http.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after
from ingestion.http.robots import RobotsCache

log = logging.getLogger(__name__)
install_log_redaction()

#: Product token robots.txt rules are matched against; rotated User-Agents all carry it.
ROBOTS_TOKEN = "paddock-bot"
DEFAULT_USER_AGENTS = (f"{ROBOTS_TOKEN}/0.1 (+https://github.com/paddock; data collection for research)",)


@dataclass
class FetchResponse:
    """A successful fetch. ``not_modified`` means the server said 304 and ``content`` is our cached copy."""

    url: str  # redacted
    status: int
    content: bytes
    headers: Mapping[str, str]
    attempts: int
    elapsed_ms: int
    not_modified: bool = False
    parsed: Any = None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise ParseError(self.text[:80], "json body", self.url) from exc


@dataclass
class _Cached:
    etag: str | None
    last_modified: str | None
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Fetcher:
    """Thread-safe: share one instance per process; hosts are throttled independently."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        per_host_concurrency: int = 2,
        min_delay: float = 1.0,
        user_agents: Sequence[str] = DEFAULT_USER_AGENTS,
        respect_robots: bool = True,
        conditional: bool = False,
        sink: FetchSink | None = None,
        record_headers: Sequence[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        client: httpx.Client | None = None,
    ):
        if not user_agents:
            raise ValueError("user_agents must not be empty")
        self.timeout, self.retry = timeout, retry or RetryPolicy()
        self.per_host_concurrency, self.min_delay = per_host_concurrency, min_delay
        self.respect_robots, self.conditional = respect_robots, conditional
        self.sink, self.record_headers = sink, tuple(h.lower() for h in record_headers)
        self.sleep, self.clock, self.wall_clock = sleep, clock, wall_clock
        self.rng = rng or random.Random()
        self._agents = itertools.cycle(list(user_agents))
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=True)
        self._lock = threading.Lock()
        self._host_sem: dict[str, threading.BoundedSemaphore] = {}
        self._host_lock: dict[str, threading.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._cache: dict[str, _Cached] = {}
        self._robots = RobotsCache(self._load_robots)

    # ---------- public
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        site: str | None = None,
        parser: str | None = None,
        parse: Callable[[FetchResponse], Any] | None = None,
        conditional: bool | None = None,
    ) -> FetchResponse:
        """GET with robots, throttling and retries; ``parse`` (if given) runs on success so the final record carries
        ``rows_parsed`` (``len`` of its result) or the parse error."""
        full = str(httpx.URL(url, params=params)) if params else url
        safe = redact_url(full)
        site = site or urlsplit(full).hostname
        if self.respect_robots:
            ok, reason = self._robots.allowed(full, ROBOTS_TOKEN)
            if not ok:
                log.warning("robots.txt: not fetching %s (%s)", safe, reason)
                raise RobotsDisallowed(safe, reason)
        use_cache = self.conditional if conditional is None else conditional
        attempt, started = 0, self.clock()
        while True:
            attempt += 1
            response, error, ms = self._attempt(full, headers, use_cache)
            status = response.status_code if response is not None else None
            retry_after = None
            if status in RETRY_STATUSES or (response is None and isinstance(error, httpx.TransportError)):
                retry_after = parse_retry_after(response.headers.get("retry-after"), self.wall_clock()) if response else None
                if attempt < self.retry.max_attempts:
                    wait = self.retry.wait(attempt, self.rng, retry_after)
                    self._record(safe, site, response, ms, attempt, self._describe(status, error), parser)
                    log.info("retrying %s after %s in %.2fs (attempt %d)", safe, self._describe(status, error), wait, attempt)
                    self.sleep(wait)
                    continue
            if response is None:
                self._record(safe, site, None, ms, attempt, self._describe(None, error), parser)
                raise FetchError(safe, None, attempt, self._describe(None, error))
            if status >= 400 or (status >= 300 and status != 304):
                body = redact_text(response.text[:500])
                self._record(safe, site, response, ms, attempt, f"HTTP {status}", parser)
                reason = "retries exhausted" if status in RETRY_STATUSES else "not retried"
                raise FetchError(safe, status, attempt, reason, body)
            result = self._success(full, safe, response, attempt, int((self.clock() - started) * 1000), use_cache)
            rows, perr = None, None
            if parse is not None:
                try:
                    result.parsed = parse(result)
                    rows = len(result.parsed) if hasattr(result.parsed, "__len__") else None
                except Exception as exc:
                    perr = redact_text(f"{type(exc).__name__}: {exc}")
                    self._record(safe, site, response, ms, attempt, perr, parser)
                    raise
            self._record(safe, site, response, ms, attempt, None, parser, rows)
            return result

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------- internals
    def _host(self, url: str) -> str:
        return urlsplit(url).netloc.lower()

    def _attempt(self, url: str, headers: Mapping[str, str] | None, use_cache: bool):
        """One throttled request: (response | None, exception | None, ms)."""
        host = self._host(url)
        with self._lock:
            sem = self._host_sem.setdefault(host, threading.BoundedSemaphore(self.per_host_concurrency))
            spacing = self._host_lock.setdefault(host, threading.Lock())
        with sem:
            with spacing:  # reserve a start slot at least min_delay after the previous one to this host
                last = self._last_start.get(host)
                wait = 0.0 if last is None else last + self.min_delay - self.clock()
                if wait > 0:
                    self.sleep(wait)
                self._last_start[host] = self.clock()
            request_headers = {"User-Agent": next(self._agents), **(headers or {})}
            cached = self._cache.get(url) if use_cache else None
            if cached is not None:
                if cached.etag:
                    request_headers["If-None-Match"] = cached.etag
                if cached.last_modified:
                    request_headers["If-Modified-Since"] = cached.last_modified
            t0 = time.perf_counter()
            try:
                response = self._client.get(url, headers=request_headers, timeout=self.timeout)
                return response, None, int((time.perf_counter() - t0) * 1000)
            except httpx.HTTPError as exc:
                return None, exc, int((time.perf_counter() - t0) * 1000)

    def _success(self, url, safe, response: httpx.Response, attempts: int, ms: int, use_cache: bool) -> FetchResponse:
        if response.status_code == 304:
            cached = self._cache.get(url)
            if cached is None:
                raise FetchError(safe, 304, attempts, "304 Not Modified without a cached copy")
            return FetchResponse(safe, 304, cached.content, cached.headers, attempts, ms, not_modified=True)
        headers = dict(response.headers)
        if use_cache and (response.headers.get("etag") or response.headers.get("last-modified")):
            self._cache[url] = _Cached(
                response.headers.get("etag"), response.headers.get("last-modified"), response.content, headers
            )
        return FetchResponse(safe, response.status_code, response.content, headers, attempts, ms)

    @staticmethod
    def _describe(status: int | None, error: Exception | None) -> str:
        if error is not None:
            return redact_text(f"{type(error).__name__}: {error}".rstrip(": "))
        return f"HTTP {status}"

    def _record(self, safe, site, response, ms, attempt, error, parser, rows=None) -> None:
        if self.sink is None:
            return
        meta = {}
        if response is not None:
            meta = {h: response.headers[h] for h in self.record_headers if h in response.headers}
        record = FetchRecord(
            url=safe, site=site, status=response.status_code if response is not None else None,
            bytes=len(response.content) if response is not None else None, ms=ms, attempt=attempt,
            error=error, parser=parser, rows_parsed=rows, fetched_at=self.wall_clock(), meta=meta,
        )
        try:
            self.sink(record)
        except Exception as exc:  # noqa: BLE001 - observability must not break ingestion
            log.warning("fetch sink failed for %s: %s", safe, exc)

    def _load_robots(self, robots_url: str) -> tuple[int | None, str]:
        response, error, ms = self._attempt(robots_url, None, False)
        self._record(redact_url(robots_url), self._host(robots_url), response, ms, 1,
                     self._describe(None, error) if error else None, "robots")
        if response is None:
            return None, ""
        return response.status_code, response.text
