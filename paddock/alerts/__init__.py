"""Alerts: find new opportunities and incidents, send each once to a webhook, remember what was sent.

No Dagster here: ``orchestration/defs/alerts`` calls ``send_new_alerts`` from a sensor. Deduplication is a table
(``ops.alerts_sent``, created by ``ingestion.warehouse``) rather than the sensor cursor, so a reset cursor or a second
deployment cannot resend, and an alert is recorded only after the webhook accepted it: a failing webhook leaves it
unsent, to be retried on the next tick, and never raises.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from paddock.alerts.triggers import Alert, AlertSettings, collect_alerts
from paddock.alerts.webhook import MAX_EMBEDS, WebhookError, payload, post

__all__ = ["Alert", "AlertReport", "AlertSettings", "collect_alerts", "send_new_alerts"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertReport:
    found: int
    new: int
    sent: int
    error: str | None = None

    def describe(self) -> str:
        text = f"{self.found} alert(s) found, {self.new} new, {self.sent} sent"
        return f"{text}; {self.error}, the rest is retried next tick" if self.error else text


def unsent(engine: sa.Engine, alerts: list[Alert]) -> list[Alert]:
    if not alerts:
        return []
    with engine.connect() as conn:
        sent = set(conn.execute(sa.text("SELECT alert_key FROM ops.alerts_sent WHERE alert_key = ANY(:keys)"),
                                {"keys": [a.key for a in alerts]}).scalars())
    return [a for a in dict((a.key, a) for a in alerts).values() if a.key not in sent]


def record_sent(engine: sa.Engine, alerts: list[Alert], now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO ops.alerts_sent (alert_key, kind, sent_at, title) VALUES (:key, :kind, :at, :title) "
            "ON CONFLICT (alert_key) DO NOTHING"),
            [{"key": a.key, "kind": a.kind, "at": now, "title": a.title} for a in alerts])


def send_new_alerts(engine: sa.Engine, webhook_url: str, settings: AlertSettings, now: datetime) -> AlertReport:
    """Send every alert not sent before, ``MAX_EMBEDS`` per message; stop at the first webhook failure."""
    alerts = collect_alerts(engine, settings, now)
    new = unsent(engine, alerts)
    sent = 0
    for i in range(0, len(new), MAX_EMBEDS):
        batch = new[i:i + MAX_EMBEDS]
        try:
            post(webhook_url, payload(batch, now))
        except WebhookError as exc:
            log.warning("alerts: %s; %d alert(s) left for the next tick", exc, len(new) - sent)
            return AlertReport(len(alerts), len(new), sent, str(exc))
        record_sent(engine, batch, now)
        sent += len(batch)
    return AlertReport(len(alerts), len(new), sent)

