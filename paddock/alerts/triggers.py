"""What is worth an alert: one query per trigger, each returning ``Alert``s keyed by the opportunity or incident.

The key is what makes an alert "sent once": an arbitrage or value bet by its signal id, an odds move by the snapshot
it was seen in, a data-quality failure by the check and partition (a reload that fails again is the same incident), a
failing source by the last success before the streak (a new streak after a recovery is a new incident).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from paddock.status import source_health

GREEN, ORANGE, RED, BLUE = 0x2ECC71, 0xE67E22, 0xE74C3C, 0x3498DB


@dataclass(frozen=True)
class AlertSettings:
    arbitrage_min_pct: float = 1.0  # guaranteed profit, percent of the total stake
    value_min_ev_pct: float = 5.0  # expected value, percent of the stake
    odds_move_min: float = 0.30  # relative change of the implied probability
    source_failures: int = 3  # failed fetches in a row
    lookback_hours: float = 24.0  # only incidents this recent, so switching alerts on does not replay history


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    title: str
    description: str = ""
    color: int = BLUE
    fields: dict[str, str] = field(default_factory=dict)


def _exists(conn, table: str) -> bool:
    return conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar_one()


def _rows(engine: sa.Engine, table: str, query: str, params: dict) -> list:
    """Rows of ``query``, or none while ``table`` does not exist yet (before the first dbt build)."""
    with engine.connect() as conn:
        return conn.execute(sa.text(query), params).all() if _exists(conn, table) else []


def _line(value) -> str:
    return "" if value is None else f" {float(value):+g}"


def arbitrage(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    rows = _rows(engine, "marts.arbitrage_opportunities", """
        SELECT id, sport, event, market, line, profit_pct, legs, commence_time FROM marts.arbitrage_opportunities
        WHERE NOT expired AND profit_pct >= :min AND detected_at > :since ORDER BY profit_pct DESC, id""",
                 {"min": settings.arbitrage_min_pct, "since": now - timedelta(hours=settings.lookback_hours)})
    alerts = []
    for r in rows:
        legs = "\n".join(f"{leg.get('outcome', '?')} @ {leg.get('price', '?')} at {leg.get('bookmaker', '?')}: "
                          f"stake {leg.get('stake', '?')}" for leg in (r.legs or []))
        alerts.append(Alert(
            f"arbitrage:{r.id}", "arbitrage", f"Arbitrage {float(r.profit_pct):.2f} %: {r.event}",
            legs, GREEN, {"sport": str(r.sport), "market": f"{r.market}{_line(r.line)}",
                          "starts": f"{r.commence_time:%Y-%m-%d %H:%M} UTC" if r.commence_time else "?"}))
    return alerts


def value_bets(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    rows = _rows(engine, "marts.value_bets", """
        SELECT id, sport, event, market, line, outcome, bookmaker, price_decimal, fair_probability, ev_pct,
               kelly_fraction FROM marts.value_bets
        WHERE NOT expired AND ev_pct >= :min AND detected_at > :since ORDER BY ev_pct DESC, id""",
                 {"min": settings.value_min_ev_pct, "since": now - timedelta(hours=settings.lookback_hours)})
    return [Alert(
        f"value_bet:{r.id}", "value_bet", f"Value bet EV {r.ev_pct:+.1f} %: {r.outcome} @ {float(r.price_decimal):g} "
        f"({r.bookmaker})", str(r.event), BLUE,
        {"market": f"{r.market}{_line(r.line)}", "fair probability": f"{r.fair_probability:.3f}",
         "Kelly": f"{r.kelly_fraction:.3f}" if r.kelly_fraction is not None else "?"}) for r in rows]


def data_quality(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    rows = _rows(engine, "ops.data_quality_log", """
        SELECT DISTINCT ON (source, table_name, suite, expectation, partition_start, partition_end)
               source, table_name, suite, expectation, partition_start, partition_end, unexpected, evaluated, run_id
        FROM ops.data_quality_log
        WHERE severity = 'critical' AND NOT success AND checked_at > :since
        ORDER BY source, table_name, suite, expectation, partition_start, partition_end, checked_at DESC""",
                 {"since": now - timedelta(hours=settings.lookback_hours)})
    return [Alert(
        f"data_quality:{r.source}:{r.table_name}:{r.suite}:{r.expectation}:{r.partition_start}:{r.partition_end}",
        "data_quality", f"Critical data-quality failure: {r.table_name}.{r.expectation}",
        f"{r.unexpected} of {r.evaluated} rows failed", RED,
        {"source": r.source, "partitions": f"{r.partition_start} .. {r.partition_end}", "run": str(r.run_id)})
        for r in rows]


def odds_movements(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    rows = _rows(engine, "marts.odds_movement_alerts", """
        SELECT event_id, sport, bookmaker, market, outcome, point, snapshot_id, from_price_decimal, price_decimal,
               implied_probability_change_pct AS change, direction FROM marts.odds_movement_alerts
        WHERE abs(implied_probability_change_pct) > :min AND snapshot_time > :since
        ORDER BY abs(implied_probability_change_pct) DESC, event_id, bookmaker, market, outcome""",
                 {"min": settings.odds_move_min, "since": now - timedelta(hours=settings.lookback_hours)})
    return [Alert(
        f"odds_move:{r.event_id}:{r.bookmaker}:{r.market}:{r.outcome}:{r.point}:{r.snapshot_id}", "odds_move",
        f"Odds {r.direction} {abs(float(r.change)):.0%}: {r.outcome}{_line(r.point)} at {r.bookmaker}",
        f"{float(r.from_price_decimal):g} → {float(r.price_decimal):g}", ORANGE,
        {"sport": str(r.sport), "event": r.event_id, "market": r.market}) for r in rows]


def failing_sources(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    return [Alert(
        f"source_failing:{s.source}:{s.last_success.isoformat() if s.last_success else 'never'}", "source_failing",
        f"Source {s.source} failing: {s.failing_streak} fetches in a row",
        f"last success {s.last_success:%Y-%m-%d %H:%M} UTC" if s.last_success else "no successful fetch yet", RED,
        {"last failure": f"{s.last_failure:%Y-%m-%d %H:%M} UTC"})
        for s in source_health(engine, now)
        if s.failing_streak >= settings.source_failures
        and s.last_failure > now - timedelta(hours=settings.lookback_hours)]


TRIGGERS = (arbitrage, value_bets, data_quality, odds_movements, failing_sources)


def collect_alerts(engine: sa.Engine, settings: AlertSettings, now: datetime) -> list[Alert]:
    return [alert for trigger in TRIGGERS for alert in trigger(engine, settings, now)]
