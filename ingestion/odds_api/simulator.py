"""A local stand-in for The Odds API v4, for tests, demos and load experiments without spending credits.

Serves /v4/sports, /v4/sports/{sport}/odds, /v4/sports/{sport}/scores, /v4/historical/sports/{sport}/odds and
/v4/historical/sports/{sport}/events (``sim_history``: the same events and prices as live at that moment) with the
real headers (x-requests-remaining/used/last), costs (``quota.py``) and error shapes: 401 INVALID_KEY or
OUT_OF_USAGE_CREDITS, 404 UNKNOWN_SPORT, 422 for bad parameters, 429 EXCEEDED_FREQ_LIMIT with Retry-After.
Prices come from ``sim_model.Market`` (deterministic in seed and clock; see there for the planted arbitrage).

Faults for tests, consumed one per API request in order: ``sim.inject("status", status=429, retry_after=1)``,
``inject("status", status=500, count=3)``, ``inject("slow", seconds=2)``, ``inject("malformed")`` — or over HTTP:
``POST /_sim/faults`` with the same fields as JSON; ``DELETE /_sim/faults`` clears; ``GET /_sim/state`` reports.
Arbitrage on demand, to time its way through the pipeline: ``sim.plant(event_id, at=...)`` or ``POST /_sim/arbitrage``
with ``{"event_id": ..., "at": ISO time (default now)}``.

    python -m ingestion.odds_api.simulator --port 8765 --api-key dev-key
"""
from __future__ import annotations

import argparse
import json
import math
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ingestion.clock import utcnow
from ingestion.http.records import redact_url
from ingestion.odds_api.quota import HISTORICAL_MULTIPLIER, MARKETS, REGIONS, odds_cost, scores_cost
from ingestion.odds_api.sim_history import (EVENTS_COST, HistoricalDateError, envelope, events_at, parse_date,
                                            snapshot_at)
from ingestion.odds_api.sim_model import BOOKS, SPORTS, Market, iso


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class OddsApiSimulator:
    def __init__(
        self, *, seed: int = 42, api_key: str = "sim-key", quota: int = 20_000,
        clock: Callable[[], datetime] | None = None, host: str = "127.0.0.1", port: int = 0, horizon_days: int = 5,
    ):
        self.market = Market(seed, horizon_days)
        self.api_key, self.quota = api_key, quota
        self.used = 0
        self.clock = clock or utcnow  # the shared (possibly simulated) clock unless a test injects one
        self.host, self.port = host, port
        self.requests: list[str] = []  # redacted paths, in arrival order
        self._faults: list[dict] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # ---------- lifecycle
    def start(self) -> str:
        """Start serving in a daemon thread; returns the base URL (``http://127.0.0.1:<port>``)."""
        self._httpd = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> OddsApiSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------- control
    def inject(self, kind: str, *, count: int = 1, status: int = 500, retry_after: float | None = 1,
               seconds: float = 2.0) -> None:
        """Queue ``count`` faults of ``kind`` ('status', 'slow', 'malformed') for the next API requests."""
        if kind not in ("status", "slow", "malformed"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults.extend(
                {"kind": kind, "status": status, "retry_after": retry_after, "seconds": seconds} for _ in range(count))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def remaining(self) -> int:
        return self.quota - self.used

    def arbitrage(self, sport: str, now: datetime | None = None) -> list[dict]:
        """The planted off-market prices among upcoming events of ``sport``: event id, bookmaker, outcome."""
        now = now or self.clock()
        out = []
        for e in self.market.events(SPORTS[sport], now):
            planted = self.market.planted_arbitrage(e, now) if e["commence"] > now else None
            if planted:
                out.append({"event_id": e["id"], "bookmaker": planted[0], "outcome": planted[1]})
        return out

    def plant(self, event_id: str, at: datetime | None = None) -> dict:
        """Plant an off-market h2h price on an upcoming two-way event from ``at`` (default: the clock's now) on."""
        at = at or self.clock()
        for sport in SPORTS.values():
            event = next((e for e in self.market.events(sport, at) if e["id"] == event_id), None)
            if event is not None:
                self.market.plant(event_id, sport.key, at)
                return {"event_id": event_id, "sport": sport.key, "at": iso(at)}
        raise ValueError(f"no event {event_id!r} around {iso(at)}")

    def state(self) -> dict:
        return {"remaining": self.remaining, "used": self.used, "requests": len(self.requests),
                "pending_faults": len(self._faults), "now": iso(self.clock())}

    # ---------- request handling (called from server threads)
    def handle(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(redact_url(path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")))
            fault = self._faults.pop(0) if self._faults else None
        if fault and fault["kind"] == "slow":
            time.sleep(fault["seconds"])
        if fault and fault["kind"] == "status":
            status = fault["status"]
            if status == 429:
                headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] is not None else {}
                return self._error(ApiError(429, "EXCEEDED_FREQ_LIMIT", "Your app is making too many requests "
                                            "at the same time. Retry after a short delay.", headers))
            return self._error(ApiError(status, "INTERNAL_ERROR", "Simulated server error"))
        try:
            if query.get("apiKey") != self.api_key:
                raise ApiError(401, "INVALID_KEY", "API key is not valid or is missing")
            body, cost = self._route(path, query)
            with self._lock:
                if cost > self.remaining:
                    raise ApiError(401, "OUT_OF_USAGE_CREDITS", "Usage quota has been reached")
                self.used += cost
                headers = {"x-requests-remaining": str(self.remaining), "x-requests-used": str(self.used),
                           "x-requests-last": str(cost)}
        except ApiError as err:
            return self._error(err)
        raw = json.dumps(body).encode()
        if fault and fault["kind"] == "malformed":
            raw = raw[: max(1, len(raw) // 2)]
        return 200, {"Content-Type": "application/json", **headers}, raw

    def _error(self, err: ApiError) -> tuple[int, dict[str, str], bytes]:
        body = {"message": err.message, "error_code": err.code,
                "details_url": f"https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#{err.code.lower()}"}
        headers = {"Content-Type": "application/json", **err.headers,
                   "x-requests-remaining": str(self.remaining), "x-requests-used": str(self.used),
                   "x-requests-last": "0"}
        return err.status, headers, json.dumps(body).encode()

    def _route(self, path: str, q: dict[str, str]) -> tuple[object, int]:
        parts = path.strip("/").split("/")
        if parts == ["v4", "sports"]:
            return [{"key": s.key, "group": s.group, "title": s.title, "description": s.title, "active": True,
                     "has_outrights": False} for s in SPORTS.values()], 0
        historical = parts[:2] == ["v4", "historical"]
        if historical:
            parts = ["v4"] + parts[2:]
        allowed = ("odds", "events") if historical else ("odds", "scores")
        if len(parts) != 4 or parts[1] != "sports" or parts[3] not in allowed:
            raise ApiError(404, "NOT_FOUND", f"Unknown endpoint {path}")
        sport = SPORTS.get(parts[2])
        if sport is None:
            raise ApiError(404, "UNKNOWN_SPORT", f"Unknown sport {parts[2]!r}")
        now = self.clock()
        if parts[3] == "scores":
            return self._scores(sport, q, now)
        if not historical:
            return self._odds(sport, q, now)
        try:
            snap = snapshot_at(parse_date(q.get("date")), now)
            if parts[3] == "events":
                data = events_at(self.market, sport, snap, q)
                return envelope(snap, now, data), EVENTS_COST if data else 0
        except HistoricalDateError as exc:
            raise ApiError(422, "INVALID_HISTORICAL_TIMESTAMP", str(exc)) from None
        data, cost = self._odds(sport, q, snap)
        return envelope(snap, now, data), cost * HISTORICAL_MULTIPLIER

    def _odds(self, sport, q: dict[str, str], now: datetime) -> tuple[list, int]:
        markets = [m for m in q.get("markets", "h2h").split(",") if m]
        bad = [m for m in markets if m not in MARKETS]
        if bad or not markets:
            raise ApiError(422, "INVALID_MARKET", f"Invalid markets: {','.join(bad) or '(none)'}")
        fmt = q.get("oddsFormat", "decimal")
        if fmt not in ("american", "decimal"):
            raise ApiError(422, "INVALID_ODDS_FORMAT", "oddsFormat must be american or decimal")
        if q.get("dateFormat", "iso") not in ("iso", "unix"):
            raise ApiError(422, "INVALID_DATE_FORMAT", "dateFormat must be iso or unix")
        if q.get("bookmakers"):
            wanted = q["bookmakers"].split(",")
            books = [b for b in BOOKS if b.key in wanted]
            cost_regions = ["r"] * math.ceil(len(wanted) / 10)
        else:
            regions = [r for r in q.get("regions", "").split(",") if r]
            if not regions or any(r not in REGIONS for r in regions):
                raise ApiError(422, "INVALID_REGION", "regions must be a subset of " + ",".join(REGIONS))
            books, cost_regions = [b for b in BOOKS if b.region in regions], regions
        events = [e for e in self.market.events(sport, now) if e["commence"] > now]
        data = [self.market.odds_event(e, now, books, markets, fmt) for e in events]
        return data, odds_cost(markets, cost_regions)

    def _scores(self, sport, q: dict[str, str], now: datetime) -> tuple[list, int]:
        days = q.get("daysFrom")
        if days is not None and days not in ("1", "2", "3"):
            raise ApiError(422, "INVALID_SCORES_DAYS_FROM", "daysFrom must be 1, 2 or 3")
        since = now - timedelta(days=int(days)) if days else None
        out = []
        for e in self.market.events(sport, now):
            s = self.market.score_event(e, now)
            if s["completed"] and (since is None or e["commence"] < since):
                continue
            out.append(s)
        return out, scores_cost(int(days) if days else None)


def _handler(sim: OddsApiSimulator):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timeout test)

        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == "/_sim/state":
                return self._send(200, {"Content-Type": "application/json"}, json.dumps(sim.state()).encode())
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            self._send(*sim.handle(parts.path, query))

        def do_POST(self):  # noqa: N802
            path = urlsplit(self.path).path
            if path not in ("/_sim/faults", "/_sim/arbitrage"):
                return self._send(404, {}, b"")
            spec = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if path == "/_sim/arbitrage":
                try:
                    at = datetime.fromisoformat(spec["at"].replace("Z", "+00:00")) if spec.get("at") else None
                    planted = sim.plant(str(spec.get("event_id")), at and (at if at.tzinfo else at.replace(
                        tzinfo=timezone.utc)))
                except ValueError as exc:
                    body = json.dumps({"message": str(exc)}).encode()
                    return self._send(422, {"Content-Type": "application/json"}, body)
                return self._send(200, {"Content-Type": "application/json"}, json.dumps(planted).encode())
            for item in spec if isinstance(spec, list) else [spec]:
                sim.inject(item.pop("kind", "status"), **item)
            self._send(204, {}, b"")

        def do_DELETE(self):  # noqa: N802
            sim.clear_faults()
            self._send(204, {}, b"")

        def log_message(self, *args):
            pass

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local The Odds API v4 simulator")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--api-key", default="sim-key")
    parser.add_argument("--quota", type=int, default=20_000)
    args = parser.parse_args(argv)
    sim = OddsApiSimulator(seed=args.seed, api_key=args.api_key, quota=args.quota, host=args.host, port=args.port)
    # SIGTERM stops it like Ctrl-C, even when started by a parent that ignores SIGTERM (an ignored signal is
    # inherited across exec: `paddock serve`'s stop, or a test's, would otherwise wait for its SIGKILL)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:  # the banner inside: a stop that arrives as soon as it is read is still a clean stop
        print(f"Odds API simulator on {sim.start()} (Ctrl-C to stop)", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
