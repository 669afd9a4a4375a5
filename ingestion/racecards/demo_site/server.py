"""The demo race-card website: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1, started and stopped from Python.

URL scheme (dates ``yyyy-mm-dd``, tracks as in ``ingestion.sources.synthetic.tracks.TRACKS``):

    /robots.txt                               allow all but /private
    /cards/{track}/{date}                     entries for the meeting (404 when the track does not race that day)
    /odds/{track}/{date}/{race}               live WIN-pool decimal odds for one race
    /results/{track}/{date}                   charts + dividends; 404 until the meeting's last post time has passed
    /private/...                              403 (something for a polite crawler to stay out of)

The clock is injectable (``clock=lambda: datetime(...)``) so tests can stand at any moment of a race day; by default
it is the platform's clock: real UTC time, or the simulated day of ``PADDOCK_SIM_CLOCK``. Port 0 picks a free port,
which keeps parallel test runs from colliding.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ingestion.clock import utcnow
from ingestion.racecards.demo_site import render
from ingestion.racecards.demo_site.data import meeting

ROBOTS = "User-agent: *\nDisallow: /private\n"
_ROUTE = re.compile(r"^/(cards|odds|results)/([A-Z]{1,4})/(\d{4}-\d{2}-\d{2})(?:/(\d{1,2}))?/?$")


def utc_now() -> datetime:
    """The shared clock (``ingestion.clock``): the wall clock, or the simulated one under ``PADDOCK_SIM_CLOCK``."""
    return utcnow()


class DemoSite:
    """The simulator. ``start()`` serves in a background thread and returns the base URL; ``stop()`` shuts down."""

    def __init__(self, seed: int = 7, clock: Callable[[], datetime] = utc_now, host: str = "127.0.0.1",
                 port: int = 0):
        self.seed, self.clock, self.host, self.port = seed, clock, host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("demo site is not running; call start() first")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, kind: str, track: str, day: date, race: int | None = None) -> str:
        return f"{self.base_url}/{kind}/{track}/{day.isoformat()}" + (f"/{race}" if race is not None else "")

    def start(self) -> str:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> DemoSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def respond(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for ``path``: the whole site, testable without a socket."""
        path = path.split("?", 1)[0]
        if path == "/robots.txt":
            return HTTPStatus.OK, "text/plain", ROBOTS
        if path.startswith("/private"):
            return HTTPStatus.FORBIDDEN, "text/plain", "forbidden\n"
        match = _ROUTE.match(path)
        if not match:
            return HTTPStatus.NOT_FOUND, "text/plain", "not found; see /robots.txt and the URL scheme in server.py\n"
        kind, track, day_text, race = match.groups()
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return HTTPStatus.NOT_FOUND, "text/plain", f"no such date {day_text}\n"
        m = meeting(self.seed, track, day)
        if m is None:
            return HTTPStatus.NOT_FOUND, "text/plain", f"no racing at {track} on {day_text}\n"
        now = self.clock()
        if kind == "cards" and race is None:
            return HTTPStatus.OK, "text/html", render.card_page(m, now)
        if kind == "results" and race is None:
            if not m.results_published(now):
                return HTTPStatus.NOT_FOUND, "text/plain", f"results for {track} {day_text} not yet official\n"
            return HTTPStatus.OK, "text/html", render.results_page(m)
        if kind == "odds" and race is not None:
            page = render.odds_page(m, int(race), now)
            if page is not None:
                return HTTPStatus.OK, "text/html", page
        return HTTPStatus.NOT_FOUND, "text/plain", "not found\n"


def _handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            status, content_type, body = site.respond(self.path)
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by default in tests
            pass

    return Handler
