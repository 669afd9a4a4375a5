"""The Odds API v4 client, built on the one fetcher.

The key arrives through the constructor (the Dagster resource passes ``dagster.EnvVar("ODDS_API_KEY")``) and only ever
travels in the query string of the request itself; every URL that reaches logs, errors or ops.fetch_log is redacted by
the fetcher. robots.txt is not consulted: this is a keyed API, not a crawl.
"""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ingestion.clock import utcnow
from ingestion.errors import ParseError
from ingestion.http import FetchError, Fetcher, FetchResponse, RetryPolicy
from ingestion.http.records import FetchSink
from ingestion.odds_api.errors import OddsApiAuthError, OddsApiError
from ingestion.odds_api.quota import MARKETS, Quota, odds_cost, scores_cost

DEFAULT_BASE_URL = "https://api.the-odds-api.com"
QUOTA_HEADERS = ("x-requests-remaining", "x-requests-used", "x-requests-last")
ODDS_FORMATS = ("american", "decimal")


@dataclass(frozen=True)
class ApiResult:
    """One call: decoded JSON (floats as Decimal), quota after the call, and an id/time to key stored snapshots."""

    data: Any
    quota: Quota
    request_id: str
    fetched_at: datetime
    cost: int | None = None


@dataclass(frozen=True)
class HistoricalResult(ApiResult):
    timestamp: datetime | None = None
    previous_timestamp: datetime | None = None
    next_timestamp: datetime | None = None


def _decode(response: FetchResponse) -> Any:
    """JSON with ``parse_float=Decimal`` so prices keep the exact digits the API sent."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise ParseError(response.text[:60], "response body (not JSON)", response.url) from exc


def _ts(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError as exc:
        raise ParseError(value, field, "historical envelope") from exc


def _iso(date: datetime) -> str:
    if date.tzinfo is None:
        raise ValueError("historical date must be timezone-aware")
    return date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class OddsApiClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        fetcher: Fetcher | None = None,
        max_concurrency: int = 4,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        sink: FetchSink | None = None,
        sleep=None,
    ):
        if not api_key or not str(api_key).strip():
            raise OddsApiAuthError("The Odds API key is empty: set ODDS_API_KEY", status=None)
        self._key = str(api_key)
        self.base_url = base_url.rstrip("/")
        extra = {"sleep": sleep} if sleep is not None else {}
        self.fetcher = fetcher or Fetcher(
            timeout=timeout, retry=retry or RetryPolicy(max_attempts=5, backoff_base=1.0),
            per_host_concurrency=max_concurrency, min_delay=0.0, respect_robots=False, sink=sink,
            record_headers=QUOTA_HEADERS, user_agents=("paddock-bot/0.1 (odds-api client)",), **extra,
        )
        self.max_concurrency = max_concurrency
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self.last_quota: Quota | None = None

    # ---------- endpoints
    def sports(self, *, all_sports: bool = False) -> ApiResult:
        return self._get("/v4/sports", {"all": "true"} if all_sports else {}, "odds_api.sports", 0)

    def odds(
        self, sport: str, *, regions: Sequence[str] = ("us",), markets: Sequence[str] = ("h2h",),
        odds_format: str = "american", bookmakers: Sequence[str] | None = None,
    ) -> ApiResult:
        params = self._odds_params(regions, markets, odds_format, bookmakers)
        return self._get(f"/v4/sports/{sport}/odds", params, "odds_api.odds", odds_cost(markets, regions))

    def scores(self, sport: str, *, days_from: int | None = None) -> ApiResult:
        if days_from is not None and not 1 <= days_from <= 3:
            raise ValueError("days_from must be 1, 2 or 3")
        params = {"dateFormat": "iso", **({"daysFrom": days_from} if days_from else {})}
        return self._get(f"/v4/sports/{sport}/scores", params, "odds_api.scores", scores_cost(days_from))

    def historical_odds(
        self, sport: str, date: datetime, *, regions: Sequence[str] = ("us",), markets: Sequence[str] = ("h2h",),
        odds_format: str = "american", bookmakers: Sequence[str] | None = None,
    ) -> HistoricalResult:
        """The archived /odds snapshot at or before ``date`` (10 × markets × regions credits)."""
        params = {**self._odds_params(regions, markets, odds_format, bookmakers), "date": _iso(date)}
        return self._historical(f"/v4/historical/sports/{sport}/odds", params, "odds_api.historical",
                                odds_cost(markets, regions, historical=True), sport)

    def historical_events(self, sport: str, date: datetime, *, commence_from: datetime | None = None,
                          commence_to: datetime | None = None) -> HistoricalResult:
        """The events listed at ``date`` (1 credit; none when nothing is found), optionally by start time."""
        params = {"date": _iso(date), "dateFormat": "iso",
                  **({"commenceTimeFrom": _iso(commence_from)} if commence_from else {}),
                  **({"commenceTimeTo": _iso(commence_to)} if commence_to else {})}
        return self._historical(f"/v4/historical/sports/{sport}/events", params, "odds_api.historical_events",
                                None, sport)

    def odds_many(self, sports: Iterable[str], **kwargs: Any) -> dict[str, ApiResult]:
        """/odds for several sports at once, never more than ``max_concurrency`` in flight (across all callers)."""
        sports = list(dict.fromkeys(sports))
        with ThreadPoolExecutor(max_workers=max(1, min(self.max_concurrency, len(sports) or 1))) as pool:
            futures = {s: pool.submit(self.odds, s, **kwargs) for s in sports}
            return {s: f.result() for s, f in futures.items()}

    def close(self) -> None:
        self.fetcher.close()

    # ---------- internals
    @staticmethod
    def _odds_params(regions, markets, odds_format, bookmakers) -> dict[str, str]:
        unknown = sorted(set(markets) - set(MARKETS))
        if unknown:
            raise ValueError(f"unsupported market(s) {unknown}; expected a subset of {MARKETS}")
        if odds_format not in ODDS_FORMATS:
            raise ValueError(f"odds_format must be one of {ODDS_FORMATS}")
        params = {"markets": ",".join(markets), "oddsFormat": odds_format, "dateFormat": "iso"}
        if bookmakers:
            params["bookmakers"] = ",".join(bookmakers)
        else:
            params["regions"] = ",".join(regions)
        return params

    def _get(self, path: str, params: dict, parser: str, cost: int | None) -> ApiResult:
        url = f"{self.base_url}{path}"
        try:
            with self._slots:
                response = self.fetcher.get(
                    url, params={**params, "apiKey": self._key}, site="the-odds-api", parser=parser, parse=_decode
                )
        except FetchError as exc:
            raise self._translate(exc, path) from None
        quota = Quota.from_headers(response.headers)
        self.last_quota = quota
        return ApiResult(response.parsed, quota, uuid.uuid4().hex, utcnow(), cost)

    def _historical(self, path: str, params: dict, parser: str, cost: int | None, sport: str) -> HistoricalResult:
        result = self._get(path, params, parser, cost)
        env = result.data
        if not isinstance(env, dict) or "data" not in env:
            raise ParseError(type(env).__name__, "historical envelope.data", f"historical {sport}")
        return HistoricalResult(
            data=env["data"], quota=result.quota, request_id=result.request_id, fetched_at=result.fetched_at,
            cost=result.quota.last if cost is None else cost, timestamp=_ts(env.get("timestamp"), "timestamp"),
            previous_timestamp=_ts(env.get("previous_timestamp"), "previous_timestamp"),
            next_timestamp=_ts(env.get("next_timestamp"), "next_timestamp"),
        )

    def _translate(self, exc: FetchError, path: str) -> OddsApiError:
        """Map fetch failures to client errors with the API's own message; the key is scrubbed even from bodies."""
        code, message = None, exc.body
        try:
            body = json.loads(exc.body) if exc.body else {}
            code, message = body.get("error_code"), body.get("message", message)
        except (ValueError, AttributeError):
            pass
        message = str(message or "").replace(self._key, "***")
        if exc.status == 401:
            return OddsApiAuthError(
                f"The Odds API rejected the API key for {path} (HTTP 401{', ' + code if code else ''}): {message} "
                "— check ODDS_API_KEY and remaining credits", status=401, error_code=code)
        return OddsApiError(f"The Odds API {path}: {exc} {code or ''} {message}".strip(), exc.status, code)
