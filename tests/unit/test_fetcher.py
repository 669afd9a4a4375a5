"""The fetcher against a tiny scripted HTTP server on 127.0.0.1: real sockets, injected sleep and clocks."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingestion.http import FetchError, Fetcher, RetryPolicy, RobotsDisallowed, memory_sink, parse_retry_after
from ingestion.http.records import redact_url

Reply = tuple[int, dict[str, str], bytes]


class ScriptedServer:
    """Serves ``routes[path](request_number, headers) -> (status, headers, body)``; records every request."""

    def __init__(self, routes: dict[str, Callable[[int, dict], Reply]]):
        self.routes, self.requests = routes, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                outer.requests.append((self.path, dict(self.headers)))
                n = sum(1 for p, _ in outer.requests if p.split("?")[0] == path)
                route = outer.routes.get(path)
                status, headers, body = route(n, dict(self.headers)) if route else (404, {}, b"not found")
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client timed out and went away

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p.split("?")[0] == path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(routes):
        servers.append(ScriptedServer(routes))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def make_fetcher(**kw):
    sleeps, records = [], []
    kw.setdefault("respect_robots", False)
    kw.setdefault("min_delay", 0.0)
    f = Fetcher(sleep=sleeps.append, sink=memory_sink(records), timeout=kw.pop("timeout", 2.0), **kw)
    return f, sleeps, records


def test_429_with_retry_after_is_honoured_then_succeeds(serve):
    srv = serve({"/x": lambda n, h: (429, {"Retry-After": "7"}, b"slow down") if n == 1 else (200, {}, b"ok")})
    f, sleeps, records = make_fetcher()
    resp = f.get(srv.base + "/x?apiKey=SECRET123", site="test")
    assert resp.content == b"ok" and resp.attempts == 2
    assert sleeps == [7.0]
    assert [r.status for r in records] == [429, 200]
    assert all("SECRET123" not in r.url and "apiKey=***" in r.url for r in records)


def test_500_until_cap_names_last_status_and_attempts(serve):
    srv = serve({"/boom": lambda n, h: (500 if n < 3 else 503, {}, b"err")})
    f, sleeps, records = make_fetcher(retry=RetryPolicy(max_attempts=3, backoff_base=1.0, backoff_cap=10.0))
    with pytest.raises(FetchError) as info:
        f.get(srv.base + "/boom?apiKey=SECRET123")
    err = info.value
    assert err.status == 503 and err.attempts == 3 and srv.hits("/boom") == 3
    assert "HTTP 503" in str(err) and "3 attempt" in str(err) and "SECRET123" not in str(err)
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0  # full jitter bounds
    assert [r.attempt for r in records] == [1, 2, 3]


@pytest.mark.parametrize("status", [401, 403, 404])
def test_client_errors_are_not_retried(serve, status):
    srv = serve({"/no": lambda n, h: (status, {}, b"nope")})
    f, sleeps, _ = make_fetcher()
    with pytest.raises(FetchError) as info:
        f.get(srv.base + "/no?apiKey=SECRET123")
    assert info.value.status == status and info.value.attempts == 1 and sleeps == [] and srv.hits("/no") == 1
    assert "SECRET123" not in str(info.value)


def test_hanging_response_times_out_then_retries(serve):
    def route(n, h):
        if n == 1:
            time.sleep(1.5)
        return 200, {}, b"late" if n == 1 else b"fresh"

    srv = serve({"/hang": route})
    f, sleeps, records = make_fetcher(timeout=0.3)
    resp = f.get(srv.base + "/hang")
    assert resp.content == b"fresh" and resp.attempts == 2 and len(sleeps) == 1
    assert records[0].status is None and "Timeout" in records[0].error


def test_robots_disallow_makes_no_request(serve):
    robots = b"User-agent: *\nDisallow: /private\n"
    srv = serve({"/robots.txt": lambda n, h: (200, {}, robots), "/private/page": lambda n, h: (200, {}, b"x"),
                 "/public": lambda n, h: (200, {}, b"y")})
    f, _, records = make_fetcher(respect_robots=True)
    with pytest.raises(RobotsDisallowed) as info:
        f.get(srv.base + "/private/page")
    assert "/private/page" in str(info.value) and srv.hits("/private/page") == 0
    assert f.get(srv.base + "/public").content == b"y"
    assert srv.hits("/robots.txt") == 1  # cached per host
    assert records[0].parser == "robots"


def test_conditional_get_returns_cached_body_on_304(serve):
    def route(n, h):
        if h.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"payload"

    srv = serve({"/card": route})
    f, _, _ = make_fetcher(conditional=True)
    first, second = f.get(srv.base + "/card"), f.get(srv.base + "/card")
    assert first.content == second.content == b"payload"
    assert not first.not_modified and second.not_modified and second.status == 304
    assert srv.requests[1][1].get("If-Modified-Since") == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_per_host_min_delay_and_user_agent_rotation(serve):
    srv = serve({"/a": lambda n, h: (200, {}, b"a")})
    now = [100.0]
    sleeps = []

    def fake_sleep(s):
        sleeps.append(s)
        now[0] += s

    f = Fetcher(min_delay=2.0, sleep=fake_sleep, clock=lambda: now[0], respect_robots=False,
                user_agents=["ua-one paddock-bot", "ua-two paddock-bot"])
    for _ in range(3):
        f.get(srv.base + "/a")
    assert sleeps == [2.0, 2.0]
    f.get(srv.base.replace("127.0.0.1", "localhost") + "/a")  # another host: no wait
    assert sleeps == [2.0, 2.0]
    agents = [h["User-Agent"] for _, h in srv.requests]
    assert agents[:3] == ["ua-one paddock-bot", "ua-two paddock-bot", "ua-one paddock-bot"]


def test_per_host_concurrency_cap(serve):
    active, peak, lock = [0], [0], threading.Lock()

    def route(n, h):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        return 200, {}, b"ok"

    srv = serve({"/c": route})
    f, _, _ = make_fetcher(per_host_concurrency=2)
    threads = [threading.Thread(target=f.get, args=(srv.base + "/c",)) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert srv.hits("/c") == 6 and peak[0] == 2


def test_parse_hook_fills_rows_parsed(serve):
    srv = serve({"/j": lambda n, h: (200, {"x-requests-remaining": "9"}, b"[1, 2, 3]")})
    f, _, records = make_fetcher(record_headers=["x-requests-remaining"])
    resp = f.get(srv.base + "/j", parser="demo", parse=lambda r: r.json())
    assert resp.parsed == [1, 2, 3]
    assert (records[-1].parser, records[-1].rows_parsed, records[-1].meta) == ("demo", 3, {"x-requests-remaining": "9"})


def test_retry_after_http_date_and_redaction():
    from datetime import datetime, timezone

    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0
    assert parse_retry_after("5", now) == 5.0 and parse_retry_after("soon", now) is None
    assert redact_url("https://h/v4?apiKey=abc&regions=us") == "https://h/v4?apiKey=***&regions=us"


def test_httpx_request_logs_are_redacted(serve, caplog):
    srv = serve({"/k": lambda n, h: (200, {}, b"ok")})
    f, _, _ = make_fetcher()
    with caplog.at_level("INFO", logger="httpx"):
        f.get(srv.base + "/k", params={"apiKey": "LEAKME", "regions": "us"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "apiKey=***" in text and "LEAKME" not in text
