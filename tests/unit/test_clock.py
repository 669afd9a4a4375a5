"""The shared clock (``ingestion.clock``) and schedules that follow it (``orchestration.defs.clock_schedules``).

Expected instants are worked out by hand from the segments (e.g. 3 wall seconds at 600× is 30 simulated minutes), and
cron ticks from the calendar (06:00 in New York is 11:00 UTC in December, 10:00 UTC in July).
"""
from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from ingestion import clock
from ingestion.clock import Segment, SimClock, parse
from orchestration.defs.clock_schedules import cron_matches, following_clock, ticks_between

UTC = timezone.utc
TEN = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
DAY = SimClock(1000.0, (Segment(TEN, 600.0), Segment(TEN + timedelta(hours=1), 60.0)))


@pytest.mark.parametrize(("wall", "sim"), [
    (900.0, TEN),  # before the anchor the day has not started
    (1000.0, TEN),
    (1003.0, TEN + timedelta(minutes=30)),
    (1006.0, TEN + timedelta(hours=1)),  # 3,600 s at 600x: the fast segment ends
    (1007.0, TEN + timedelta(hours=1, minutes=1)),  # then 60 s per wall second
])
def test_simulated_time_follows_the_segments(wall, sim):
    assert DAY.at(wall) == sim
    if wall >= 1000.0:
        assert DAY.wall_at(sim) == pytest.approx(wall)


def test_the_clock_round_trips_through_its_environment_value_and_every_process_reads_it(monkeypatch):
    assert parse(DAY.encode()) == DAY
    monkeypatch.setenv(clock.ENV, DAY.encode())
    monkeypatch.setattr(clock.time, "time", lambda: 1003.0)
    assert clock.utcnow() == TEN + timedelta(minutes=30)
    # every daemon loop: below the loop's period, so a tick that started late still leaves the next loop's check due
    assert clock.interval(30) == clock.interval(3600) < clock.DAEMON_LOOP_SECONDS
    monkeypatch.delenv(clock.ENV)
    assert clock.interval(30) == 30
    assert clock.utcnow() > datetime(2026, 1, 1, tzinfo=UTC)


def test_a_clock_file_is_reread_when_it_changes_and_can_hold_the_clock(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    clock.write(path, DAY)
    monkeypatch.setenv(clock.ENV, f"@{path}")
    monkeypatch.setattr(clock.time, "time", lambda: 1003.0)
    assert clock.utcnow() == TEN + timedelta(minutes=30)
    held = SimClock(1003.0, (Segment(TEN + timedelta(minutes=30), 60.0), Segment(TEN + timedelta(minutes=40), 0.0)))
    clock.write(path, held)
    monkeypatch.setattr(clock.time, "time", lambda: 1008.0)  # 5 wall s at 60x: 5 simulated minutes
    assert clock.utcnow() == TEN + timedelta(minutes=35)
    monkeypatch.setattr(clock.time, "time", lambda: 5000.0)  # long after: held at the last segment's time
    assert clock.utcnow() == TEN + timedelta(minutes=40)
    assert held.wall_at(TEN + timedelta(minutes=40)) == 1013.0


@pytest.mark.parametrize("bad", ["", "1000", "1000;2026-12-02T10:00:00*600", "x;2026-12-02T10:00:00+00:00*600",
                                 "1000;2026-12-02T10:00:00+00:00*-1",
                                 "1000;2026-12-02T10:00:00+00:00*0;2026-12-02T11:00:00+00:00*6",
                                 "1000;2026-12-02T11:00:00+00:00*6;2026-12-02T10:00:00+00:00*6"])
def test_a_malformed_clock_is_a_one_line_error_naming_the_variable(bad):
    with pytest.raises(ValueError, match=f"^{clock.ENV}="):
        parse(bad)


@pytest.mark.parametrize(("cron", "local", "expected"), [
    ("0 6 * * *", datetime(2026, 12, 2, 6, 0), True),
    ("0 6 * * *", datetime(2026, 12, 2, 6, 1), False),
    ("0 */6 * * *", datetime(2026, 12, 2, 12, 0), True),
    ("0 */6 * * *", datetime(2026, 12, 2, 13, 0), False),
    ("15 4 * * *", datetime(2026, 12, 2, 4, 15), True),
    ("0 7 * * 1-5", datetime(2026, 12, 6, 7, 0), False),  # a Sunday
])
def test_cron_fields(cron, local, expected):
    assert cron_matches(cron, local) is expected


def test_ticks_are_found_in_the_schedules_zone():
    dec = ticks_between("0 6 * * *", "America/New_York", datetime(2026, 12, 2, 10, 55, tzinfo=UTC),
                        datetime(2026, 12, 3, 10, 55, tzinfo=UTC))
    jul = ticks_between("0 6 * * *", "America/New_York", datetime(2026, 7, 2, 9, 0, tzinfo=UTC),
                        datetime(2026, 7, 2, 10, 0, tzinfo=UTC))
    assert dec == [datetime(2026, 12, 2, 11, 0, tzinfo=UTC)]
    assert jul == [datetime(2026, 7, 2, 10, 0, tzinfo=UTC)]  # the end is included


@dg.op
def _noop():
    pass


@dg.job
def _job():
    _noop()


@dg.schedule(name="morning", cron_schedule="0 6 * * *", execution_timezone="America/New_York", job=_job,
             default_status=dg.DefaultScheduleStatus.RUNNING)
def _morning(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.astimezone(UTC).date()
    yield dg.RunRequest(run_key=f"card:{day}:06h", tags={"checkpoint": "06h"})


def test_without_a_simulated_clock_a_schedule_stays_a_schedule(monkeypatch):
    monkeypatch.delenv(clock.ENV, raising=False)
    assert following_clock(_morning) is _morning


def test_on_a_simulated_clock_the_schedule_becomes_a_sensor_firing_on_simulated_cron_ticks(monkeypatch):
    monkeypatch.setenv(clock.ENV, DAY.encode())
    unkeyed = dg.ScheduleDefinition(name="sweep", job=_job, cron_schedule="0 */6 * * *")
    sensors = [following_clock(_morning), following_clock(unkeyed)]
    assert [(type(s), s.name, s.minimum_interval_seconds) for s in sensors] == [
        (dg.SensorDefinition, "morning", clock.SIM_INTERVAL_SECONDS),
        (dg.SensorDefinition, "sweep", clock.SIM_INTERVAL_SECONDS)]  # every daemon loop
    assert sensors[0].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors[1].default_status == dg.DefaultSensorStatus.STOPPED
    definitions = dg.Definitions(jobs=[_job], sensors=sensors)
    monkeypatch.setattr(clock.time, "time", lambda: 1003.0)  # simulated 10:30 UTC = 05:30 in New York

    def tick(sensor, cursor):
        with dg.instance_for_test() as instance:
            context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=definitions)
            return sensor(context)

    first = tick(sensors[0], None)
    assert (first.run_requests, first.cursor) == ([], "2026-12-02T10:30:00+00:00")  # a start never replays
    assert tick(sensors[0], first.cursor).run_requests == []
    monkeypatch.setattr(clock.time, "time", lambda: 1006.0)  # 11:00 UTC = 06:00 in New York
    fired = tick(sensors[0], first.cursor)
    assert [(r.run_key, r.tags) for r in fired.run_requests] == [("card:2026-12-02:06h", {"checkpoint": "06h"})]
    assert fired.cursor == "2026-12-02T11:00:00+00:00"
    swept = tick(sensors[1], "2026-12-01T23:00:00+00:00")
    assert [r.run_key for r in swept.run_requests] == [
        "sweep:2026-12-02T00:00:00+00:00", "sweep:2026-12-02T06:00:00+00:00"]
