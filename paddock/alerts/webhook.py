"""The webhook channel: Discord-compatible JSON (``content`` + up to 10 ``embeds``) POSTed to any URL.

The URL usually embeds a secret token, so it never appears in a message, a log or an exception raised from here.
"""
from __future__ import annotations

from datetime import datetime

import httpx

from paddock.alerts.triggers import Alert

MAX_EMBEDS = 10  # Discord's limit per message
MAX_TEXT = 1024  # Discord's limit per embed field value (descriptions may be longer; keep both short)


class WebhookError(Exception):
    """The webhook did not accept a message; the text names the status or error type, never the URL."""


def payload(alerts: list[Alert], now: datetime) -> dict:
    kinds = sorted({a.kind for a in alerts})
    return {
        "content": f"paddock: {len(alerts)} new alert(s) ({', '.join(kinds)})",
        "embeds": [{
            "title": a.title[:256],
            "description": a.description[:MAX_TEXT],
            "color": a.color,
            "timestamp": now.isoformat(),
            "fields": [{"name": k, "value": str(v)[:MAX_TEXT] or "—", "inline": True} for k, v in a.fields.items()],
        } for a in alerts],
    }


def post(url: str, body: dict, timeout: float = 10.0) -> None:
    try:
        response = httpx.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise WebhookError(f"webhook unreachable ({type(exc).__name__})") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"webhook answered HTTP {response.status_code}")
