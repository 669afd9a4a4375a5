"""The platform's one notion of "now": the wall clock, or a simulated clock shared by every process of a deployment.

``PADDOCK_SIM_CLOCK`` (unset in production) makes time run faster than real time, so a whole race day can be lived
through in minutes (the operating-day test, the soak benchmark). Its value is

    <anchor epoch seconds>;<sim ISO time>*<speed>[;<sim ISO time>*<speed> ...]

read as: until wall time ``anchor`` the simulated time is the first ISO time, from then on it advances ``speed`` simulated seconds
per wall second until the next ISO time is reached, from which that segment's speed applies (quiet hours can pass
faster than the races). Simulated now is a pure function of the wall clock and that string, so the daemon, the code
server, each run worker, the simulators and the CLI — all children inheriting the environment — agree on it without
sharing any state. It lives in ``ingestion`` (the lowest package) so the fetchers and simulators can read it
without importing ``paddock``.

The daemon still paces ticks on the wall clock, so ``interval`` shortens the sensors' minimum intervals by the speed
(and ``orchestration.defs.clock_schedules`` turns cron schedules into sensors that follow this clock).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

ENV = "PADDOCK_SIM_CLOCK"
DAEMON_LOOP_SECONDS = 5  # the Dagster daemon evaluates sensors at most this often, whatever their interval


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
            span = (following.sim_start - current.sim_start).total_seconds() / current.speed
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
        return wall + (sim - current.sim_start).total_seconds() / current.speed

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
            if start.tzinfo is None or float(speed) <= 0:
                raise ValueError
            segments.append(Segment(start.astimezone(timezone.utc), float(speed)))
        if not segments or any(b.sim_start <= a.sim_start for a, b in zip(segments, segments[1:])):
            raise ValueError
        return SimClock(float(anchor), tuple(segments))
    except ValueError:
        raise ValueError(f"{ENV}={spec!r} is not '<anchor epoch>;<ISO time with offset>*<speed>[;...]' "
                         "with increasing times and positive speeds") from None


def simulated() -> SimClock | None:
    spec = os.environ.get(ENV, "").strip()
    return parse(spec) if spec else None


def utcnow() -> datetime:
    """Now, tz-aware UTC: simulated when ``PADDOCK_SIM_CLOCK`` is set, else the wall clock."""
    sim = simulated()
    return sim.at(time.time()) if sim else datetime.now(timezone.utc)


def top_speed() -> float:
    sim = simulated()
    return max(s.speed for s in sim.segments) if sim else 1.0


def interval(seconds: float) -> int:
    """A sensor's minimum interval in wall seconds: ``seconds`` of simulated time at the clock's top speed, but not
    below the daemon's own loop (asking for less only makes ticks queue)."""
    speed = top_speed()
    return int(seconds) if speed == 1.0 else max(DAEMON_LOOP_SECONDS, int(seconds / speed))
