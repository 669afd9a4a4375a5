"""Alerts reach a local webhook receiver once per opportunity or incident; a failing webhook never fails anything.

The seeded warehouse is its own database on the session's embedded server (other modules fill the shared marts).
"""
import json
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest
import sqlalchemy as sa

from backtests.live.signals import ARBITRAGE_DDL, VALUE_DDL
from paddock.alerts import AlertSettings, send_new_alerts
from tests.webhook import SECRET_PATH, Receiver

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _arbitrage(id_, profit_pct, expired=False):
    legs = json.dumps([{"bookmaker": "bet365", "outcome": "Lakers", "price": "2.15", "stake": "488.10"},
                       {"bookmaker": "pinnacle", "outcome": "Celtics", "price": "2.05", "stake": "511.90"}])
    return {"id": id_, "sport": "basketball_nba", "event_id": "e1", "event": "Lakers v Celtics",
            "commence_time": NOW + 5 * H, "market": "h2h", "legs": legs, "profit_pct": profit_pct,
            "detected_at": NOW - 10 * M, "last_seen_at": NOW - M, "expired": expired}


def _value(id_, ev_pct):
    return {"id": id_, "sport": "basketball_nba", "event_id": "e1", "event": "Lakers v Celtics", "market": "h2h",
            "outcome": "Lakers", "bookmaker": "draftkings", "price_decimal": 2.10, "fair_probability": 0.5052,
            "ev_pct": ev_pct, "kelly_fraction": 0.055, "detected_at": NOW - 10 * M, "last_seen_at": NOW - M}


def _move(i, change):
    return {"event_id": f"e{i}", "sport": "soccer_epl", "bookmaker": "bet365", "market": "h2h", "outcome": "Arsenal",
            "snapshot_id": f"s{i}", "snapshot_time": NOW - 20 * M, "from_price_decimal": 2.0,
            "price_decimal": 2.0 / (1 + change), "change": change, "direction": "shortened"}


@pytest.fixture
def warehouse(runtime_env):
    """A fresh seeded database per test: 12 alerts worth sending, and rows just under every threshold."""
    from ingestion.warehouse import ensure_warehouse

    admin = sa.create_engine(runtime_env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS alerts_test WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE alerts_test"))
    admin.dispose()
    engine = sa.create_engine(sa.make_url(runtime_env["DATABASE_URL"]).set(database="alerts_test"))
    ensure_warehouse(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(ARBITRAGE_DDL))
        conn.execute(sa.text(VALUE_DDL))
        conn.execute(sa.text(
            "CREATE TABLE marts.odds_movement_alerts (event_id text, sport text, bookmaker text, market text, "
            "outcome text, point numeric, snapshot_id text, snapshot_time timestamptz, from_price_decimal numeric, "
            "price_decimal numeric, implied_probability_change_pct numeric, direction text)"))
    insert_signals(engine, [_arbitrage("arb-big", 2.5), _arbitrage("arb-small", 0.5),
                            _arbitrage("arb-expired", 3.0, expired=True)],
                   [_value("vb-big", 6.1), _value("vb-small", 2.0)])
    insert_moves(engine, [_move(i, 0.31 + i / 100) for i in range(8)] + [_move(9, 0.25)])
    dq = [("critical", False), ("warning", False), ("critical", True)]
    fetches = [("the-odds-api", NOW - 2 * H, 200, None)] + [("the-odds-api", NOW - i * M, 500, "HTTP 500")
                                                              for i in (30, 20, 10)]
    fetches += [("demo", NOW - 2 * H, 200, None)] + [("demo", NOW - i * M, None, "ReadTimeout") for i in (20, 10)]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO ops.data_quality_log (checked_at, run_id, source, table_name, partition_start, partition_end, "
            "suite, expectation, severity, success, evaluated, unexpected) VALUES (:at, 'run1', 'synthetic', 'runners', "
            "'2026-03-09', '2026-03-09', 'runners', :expectation, :severity, :success, 1000, 12)"),
            [{"at": NOW - H, "expectation": f"check_{i}", "severity": sev, "success": ok}
             for i, (sev, ok) in enumerate(dq)])
        conn.execute(sa.text("INSERT INTO ops.fetch_log (site, fetched_at, status, error) "
                             "VALUES (:site, :at, :status, :error)"),
                     [dict(zip(("site", "at", "status", "error"), f)) for f in fetches])
    yield engine
    engine.dispose()


def insert_signals(engine, arbitrages, values):
    with engine.begin() as conn:
        for row in arbitrages:
            conn.execute(sa.text(
                f"INSERT INTO marts.arbitrage_opportunities ({', '.join(row)}) VALUES "
                f"({', '.join('CAST(:legs AS jsonb)' if c == 'legs' else ':' + c for c in row)})"), row)
        for row in values:
            conn.execute(sa.text(
                f"INSERT INTO marts.value_bets ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"), row)


def insert_moves(engine, moves):
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO marts.odds_movement_alerts (event_id, sport, bookmaker, market, outcome, snapshot_id, "
            "snapshot_time, from_price_decimal, price_decimal, implied_probability_change_pct, direction) VALUES "
            "(:event_id, :sport, :bookmaker, :market, :outcome, :snapshot_id, :snapshot_time, :from_price_decimal, "
            ":price_decimal, :change, :direction)"), moves)


def sent_keys(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT alert_key FROM ops.alerts_sent ORDER BY alert_key")).scalars())


def test_each_alert_reaches_the_receiver_once(warehouse, receiver):
    report = send_new_alerts(warehouse, receiver.url, AlertSettings(), NOW)
    assert (report.found, report.new, report.sent, report.error) == (12, 12, 12, None)
    assert [len(b["embeds"]) for b in receiver.bodies] == [10, 2]  # Discord's 10 embeds per message
    assert receiver.paths == [SECRET_PATH, SECRET_PATH]
    assert receiver.bodies[0]["content"] == "paddock: 10 new alert(s) (arbitrage, data_quality, odds_move, value_bet)"
    titles = receiver.titles()
    assert titles[:3] == ["Arbitrage 2.50 %: Lakers v Celtics",
                          "Value bet EV +6.1 %: Lakers @ 2.1 (draftkings)",
                          "Critical data-quality failure: runners.check_0"]
    assert sum(t.startswith("Odds shortened") for t in titles) == 8
    assert titles[-1] == "Source the-odds-api failing: 3 fetches in a row"  # demo: 2 in a row, under the threshold
    first = receiver.bodies[0]["embeds"][0]
    assert first["description"] == ("Lakers @ 2.15 at bet365: stake 488.10\nCeltics @ 2.05 at pinnacle: stake 511.90")
    assert {f["name"]: f["value"] for f in first["fields"]}["starts"] == "2026-03-10 17:00 UTC"

    again = send_new_alerts(warehouse, receiver.url, AlertSettings(), NOW + M)
    assert (again.found, again.new, again.sent) == (12, 0, 0) and len(receiver.bodies) == 2

    insert_signals(warehouse, [_arbitrage("arb-new", 1.2)], [])
    third = send_new_alerts(warehouse, receiver.url, AlertSettings(), NOW + 2 * M)
    assert (third.new, third.sent) == (1, 1)
    assert receiver.titles()[-1] == "Arbitrage 1.20 %: Lakers v Celtics"
    assert len(sent_keys(warehouse)) == 13


def test_thresholds_are_settings(warehouse, receiver):
    strict = AlertSettings(arbitrage_min_pct=3.0, value_min_ev_pct=10.0, odds_move_min=0.375, source_failures=4)
    report = send_new_alerts(warehouse, receiver.url, strict, NOW)
    # the critical data-quality failure, and the moves of 0.38 (rounded) and above
    assert report.sent == 2 and receiver.titles() == ["Critical data-quality failure: runners.check_0",
                                                     "Odds shortened 38%: Arsenal at bet365"]


def test_a_failing_webhook_is_retried_next_tick_and_never_raises(warehouse, receiver):
    receiver.status = 500
    report = send_new_alerts(warehouse, receiver.url, AlertSettings(), NOW)
    assert (report.new, report.sent, report.error) == (12, 0, "webhook answered HTTP 500")
    assert sent_keys(warehouse) == []
    unreachable = send_new_alerts(warehouse, "http://127.0.0.1:9" + SECRET_PATH, AlertSettings(), NOW)
    assert unreachable.sent == 0 and unreachable.error == "webhook unreachable (ConnectError)"
    assert "s3cret" not in unreachable.describe()

    receiver.status = 204
    retried = send_new_alerts(warehouse, receiver.url, AlertSettings(), NOW + M)
    assert (retried.new, retried.sent, retried.error) == (12, 12, None) and len(sent_keys(warehouse)) == 12


def test_sensor_is_off_by_default_sends_when_enabled_survives_a_broken_webhook_and_fails_on_errors(
        warehouse, receiver, monkeypatch):
    from orchestration.defs.alerts import sensors
    from orchestration.defs.alerts.resources import AlertsResource
    from orchestration.defs.warehouse.resources import WarehouseResource

    monkeypatch.setattr(sensors, "utcnow", lambda: NOW)
    database = warehouse.url.render_as_string(hide_password=False)

    def tick(**alerts):
        context = dg.build_sensor_context(resources={
            "warehouse": WarehouseResource(database_url=database), "alerts": AlertsResource(**alerts)})
        return sensors.alerts_sensor(context)

    assert "alerts are off" in tick().skip_message
    assert receiver.bodies == []
    receiver.status = 503
    broken = tick(enabled=True, webhook_url=receiver.url).skip_message
    assert "webhook answered HTTP 503" in broken and "s3cret" not in broken
    receiver.status = 204
    assert tick(enabled=True, webhook_url=receiver.url).skip_message == "alerts: 12 alert(s) found, 12 new, 12 sent"
    assert tick(enabled=True, webhook_url=receiver.url).skip_message == "alerts: 12 alert(s) found, 0 new, 0 sent"
    database = warehouse.url.set(database="no_such_database").render_as_string(hide_password=False)
    with pytest.raises(sa.exc.OperationalError):  # a broken warehouse fails the tick (issue 13), it is no skip
        tick(enabled=True, webhook_url=receiver.url)


def test_webhook_url_is_bound_through_an_env_var(monkeypatch):
    from orchestration.defs.alerts.resources import resources

    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("ALERT_ENABLED", raising=False)
    off = resources().resources["alerts"]
    assert (off.enabled, off.webhook_url) == (False, "")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:1" + SECRET_PATH)
    monkeypatch.setenv("ALERT_ENABLED", "true")
    on = resources().resources["alerts"]
    assert on.enabled is True and isinstance(on.webhook_url, dg.EnvVar) and on.webhook_url.env_var_name == \
        "ALERT_WEBHOOK_URL"
