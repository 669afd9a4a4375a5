"""robots.txt, read once per host with the stdlib parser and cached.

The fetcher asks before every request; a host whose robots.txt cannot be read because of a server error is treated as
disallowed for this run (the conservative reading used by major crawlers), while a missing robots.txt allows all.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

# (robots_url) -> (status or None, body text)
RobotsLoader = Callable[[str], tuple[int | None, str]]


class RobotsCache:
    def __init__(self, loader: RobotsLoader):
        self._loader = loader
        self._parsers: dict[str, RobotFileParser | None] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str, user_agent: str) -> tuple[bool, str]:
        """(allowed, reason). Robots rules are matched on our product token, not on a rotated browser string."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if host not in self._parsers:
                self._parsers[host] = self._load(host)
            parser = self._parsers[host]
        if parser is None:
            return False, "robots.txt unavailable (server error); treated as disallowed"
        if parser.can_fetch(user_agent, url):
            return True, ""
        return False, "disallowed by robots.txt"

    def _load(self, host: str) -> RobotFileParser | None:
        parser = RobotFileParser(f"{host}/robots.txt")
        status, body = self._loader(f"{host}/robots.txt")
        if status is None or status >= 500:
            return None
        if status in (401, 403):
            parser.disallow_all = True
        elif status >= 400:
            parser.allow_all = True
        else:
            parser.parse(body.splitlines())
        return parser
