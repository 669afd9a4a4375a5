"""The platform's one notion of "now": the wall clock, or a simulated clock shared by every process of a deployment.

``PADDOCK_SIM_CLOCK`` (unset in production) makes time run faster than real time, so a whole race day can be lived
through in minutes (the operating-day test, the soak benchmark). Its value is

    <anchor epoch seconds>;<sim ISO time>*<speed>[;<sim ISO time>*<speed> ...]

read as: until wall time ``anchor`` the simulated time is the first ISO time, from then on it advances ``speed``
simulated seconds per wall second until the next ISO time is reached, from which that segment's speed applies (quiet
hours can pass faster than the races); a last segment of speed 0 stops the clock there. Simulated now is a pure
function of the wall clock and that string, so the daemon, the code server, each run worker, the simulators and the
CLI — all children inheriting the environment — agree on it without sharing any state.

``PADDOCK_SIM_CLOCK=@<path>`` reads the same string from a file instead, re-read when it changes: a driver (the
operating-day test) can then move the clock to a moment, hold it there until the deployment has done what is due,
and move on — a discrete-event day whose course does not depend on how fast the machine runs the runs.

The clock lives in ``ingestion`` (the lowest package) so the fetchers and simulators can read it without importing
``paddock``. The daemon still paces ticks on the wall clock, so under a simulated clock ``interval`` lets every sensor
tick as often as the daemon loops (and ``orchestration.defs.clock_schedules`` turns cron schedules into sensors that
follow this clock).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

ENV = "PADDOCK_SIM_CLOCK"
DAEMON_LOOP_SECONDS = 5  # the Dagster daemon evaluates sensors at most this often, whatever their interval
# Under a simulated clock a sensor's minimum interval, below the loop: the daemon checks "seconds since the last tick
# started >= interval" once a loop, and with the interval equal to the loop (5) a tick that started a few ms late made
# the next loop's check read 4.99 s, so each sensor ticked every *other* loop (10 s apart in the operating-day log)
SIM_INTERVAL_SECONDS = 1


@dataclass(frozen=True)
class Segment:
    sim_start: datetime
    speed: float


@dataclass(frozen=True)
class SimClock:
    anchor: float  # wall epoch seconds at which the first segment starts
    segments: tuple[Segment, ...]

    def at(self, wall: float) -> datetime:
        """Simulated time at wall epoch ``wall``; before the anchor it stands still at the first time, so a deployment
        can start up (minutes, on a busy machine) before its day begins."""
        elapsed = max(0.0, wall - self.anchor)
        for current, following in zip(self.segments, self.segments[1:]):
            span = (following.sim_start - current.sim_start).total_seconds() / current.speed  # speed > 0 here
            if elapsed < span:
                return current.sim_start + timedelta(seconds=elapsed * current.speed)
            elapsed -= span
        last = self.segments[-1]
        return last.sim_start + timedelta(seconds=elapsed * last.speed)

    def wall_at(self, sim: datetime) -> float:
        """Wall epoch seconds at which the simulated clock shows ``sim`` (the inverse of ``at``)."""
        wall = self.anchor
        for current, following in zip(self.segments, self.segments[1:]):
            if sim < following.sim_start:
                break
            wall += (following.sim_start - current.sim_start).total_seconds() / current.speed
        else:
            current = self.segments[-1]
        return wall + (sim - current.sim_start).total_seconds() / current.speed if current.speed else wall

    def encode(self) -> str:
        return ";".join([repr(self.anchor)] + [f"{s.sim_start.isoformat()}*{s.speed:g}" for s in self.segments])


@lru_cache(maxsize=8)
def parse(spec: str) -> SimClock:
    """``spec`` as described in the module docstring; a malformed value is a one-line error naming it."""
    try:
        anchor, *parts = spec.split(";")
        segments = []
        for part in parts:
            when, speed = part.rsplit("*", 1)
            start = datetime.fromisoformat(when)
            if start.tzinfo is None or float(speed) < 0:
                raise ValueError
            segments.append(Segment(start.astimezone(timezone.utc), float(speed)))
        if (not segments or any(b.sim_start <= a.sim_start for a, b in zip(segments, segments[1:]))
                or any(s.speed == 0 for s in segments[:-1])):
            raise ValueError
        return SimClock(float(anchor), tuple(segments))
    except ValueError:
        raise ValueError(f"{ENV}={spec!r} is not '<anchor epoch>;<ISO time with offset>*<speed>[;...]' "
                         "with increasing times and positive speeds (0 only last)") from None


@lru_cache(maxsize=4)
def _read(path: str, stamp: tuple[int, int]) -> str:
    return Path(path).read_text().strip()


def simulated() -> SimClock | None:
    spec = os.environ.get(ENV, "").strip()
    if spec.startswith("@"):
        try:
            info = os.stat(spec[1:])
        except OSError as exc:
            raise ValueError(f"{ENV}={spec!r}: cannot read the clock file ({exc.strerror})") from None
        spec = _read(spec[1:], (info.st_mtime_ns, info.st_size))
    return parse(spec) if spec else None


def write(path: Path, sim: SimClock) -> None:
    """Replace a clock file atomically (readers see the old or the new clock, never half of one)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(sim.encode())
    os.replace(partial, path)


def utcnow() -> datetime:
    """Now, tz-aware UTC: simulated when ``PADDOCK_SIM_CLOCK`` is set, else the wall clock."""
    sim = simulated()
    return sim.at(time.time()) if sim else datetime.now(timezone.utc)


def interval(seconds: float) -> int:
    """A sensor's minimum interval in wall seconds: ``seconds`` on the real clock; under a simulated one, as often
    as the daemon loops — any wall interval is hours of a fast day, and a held clock only repeats the same tick."""
    return int(seconds) if os.environ.get(ENV, "").strip() == "" else SIM_INTERVAL_SECONDS
