"""Post times, finish times, margins and weights: the small units cards print, each converted one way only.

Post times are stored as tz-aware UTC *and* the track's IANA zone, because a race "at 3:20" means nothing without
the place: UTC makes races comparable and sortable, the zone lets a report print the local time the public saw.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingestion.normalize.errors import UnrecognisedValue

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
SHORT_MARGINS = {"NOSE": "0.05", "NS": "0.05", "SH": "0.1", "SHORT HEAD": "0.1", "HD": "0.2", "HEAD": "0.2",
                 "SHD": "0.1", "NK": "0.3", "N": "0.3", "NECK": "0.3", "DH": "0", "DHT": "0", "-": "0",
                 "頭馬": "0", "短馬頭位": "0.1", "馬頭位": "0.2", "頸位": "0.3", "鼻位": "0.05"}


@dataclass(frozen=True)
class PostTime:
    """``utc`` is tz-aware UTC; ``tz`` the track's IANA zone name; ``local`` recovers what the card printed."""

    utc: datetime
    tz: str

    @property
    def local(self) -> datetime:
        return self.utc.astimezone(ZoneInfo(self.tz))


def zone(tz: str, where: str = "") -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: a tzdata folder ("America")
        raise UnrecognisedValue(tz, "time zone", ["IANA names such as Europe/London, Asia/Hong_Kong"], where) from None


def parse_clock(text: object, *, afternoon_below: int = 0, where: str = "") -> time:
    """"16:00", "3:20 PM", "1.05" -> ``time``. UK cards print "3:20" for 15:20: ``afternoon_below=11`` adds 12 h
    to unmarked hours 1-10 (no British meeting starts before 11:00), explicitly, per site."""
    match = _CLOCK.match(str(text if text is not None else "").strip())
    if not match:
        raise UnrecognisedValue(text, "post time", ["16:00", "3:20", "3:20 PM", "1.05"], where)
    hour, minute, meridiem = int(match.group(1)), int(match.group(2)), (match.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise UnrecognisedValue(text, "post time", ["1:00 PM .. 12:59 AM"], where)
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    elif 1 <= hour < afternoon_below:
        hour += 12
    if hour > 23 or minute > 59:
        raise UnrecognisedValue(text, "post time", ["00:00 .. 23:59"], where)
    return time(hour, minute)


def post_time(race_date: date, local: time | str, tz: str, *, afternoon_below: int = 0, where: str = "") -> PostTime:
    """A card's local date + clock time at a track in ``tz`` -> ``PostTime`` (UTC plus the zone kept)."""
    clock = local if isinstance(local, time) else parse_clock(local, afternoon_below=afternoon_below, where=where)
    stamp = datetime.combine(race_date, clock, tzinfo=zone(tz, where))
    return PostTime(_to_utc(stamp, "post time", where), tz)


def _to_utc(stamp: datetime, field: str, where: str) -> datetime:
    """UTC of a tz-aware stamp; one near datetime.min/max whose UTC falls outside years 1..9999 is unrecognised."""
    try:
        return stamp.astimezone(timezone.utc)
    except OverflowError:
        raise UnrecognisedValue(stamp.isoformat(), field, ["a date between years 1 and 9999 in UTC"], where) from None


def from_iso(text: object, tz: str, where: str = "") -> PostTime:
    """An ISO timestamp with offset ("2026-06-06T13:04:00-04:00") -> ``PostTime``; naive stamps are rejected."""
    try:
        stamp = datetime.fromisoformat(str(text).strip())
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise UnrecognisedValue(text, "post time", ["ISO 8601 with offset: 2026-06-06T13:04:00-04:00"], where)
    zone(tz, where)
    return PostTime(_to_utc(stamp, "post time", where), tz)


def parse_finish_time(text: object, where: str = "") -> Decimal:
    """"1:47.33" / "1.47.33" / "47.33" / "2:01.4" -> seconds as ``Decimal`` (exact: no float on the way)."""
    raw = str(text if text is not None else "").strip()
    match = re.fullmatch(r"(?:(\d+)(?::|\.(?=\d{2}\.)))?(\d{1,2}(?:\.\d+)?)", raw)
    if not match:
        raise UnrecognisedValue(text, "finish time", ["1:47.33", "47.33", "2:01.4"], where)
    return int(match.group(1) or 0) * 60 + Decimal(match.group(2))


def parse_margin(text: object, where: str = "") -> Decimal:
    """Lengths behind the winner: "3/4", "1-1/4", "2 1/2", "7.05", "SH", "NK", "HD", "-" (the winner) -> ``Decimal``.

    Short margins follow the usual chart values (nose 0.05, short head 0.1, head 0.2, neck 0.3 lengths).
    """
    raw = str(text if text is not None else "").strip().upper()
    if raw in SHORT_MARGINS:
        return Decimal(SHORT_MARGINS[raw])
    match = re.fullmatch(r"(?:(\d+)[- ])?(\d+)/(\d+)|(\d+(?:\.\d+)?)", raw)
    if not match:
        raise UnrecognisedValue(text, "margin", ["3/4", "1-1/4", "2 1/2", "7.05", *SHORT_MARGINS], where)
    whole, num, den, plain = match.groups()
    if plain is not None:
        return Decimal(plain)
    if int(den) == 0:
        raise UnrecognisedValue(text, "margin", ["3/4", "1-1/4", "2 1/2", "7.05", *SHORT_MARGINS], where)
    value = int(whole or 0) + Fraction(int(num), int(den))
    return Decimal(value.numerator) / Decimal(value.denominator)


def parse_weight_lbs(text: object, where: str = "") -> Decimal:
    """Weight carried: "121" / "121 lb" (pounds) or UK "11-10" / "11 10" (stones-pounds, 14 lb a stone) -> lbs."""
    raw = str(text if text is not None else "").strip().lower().removesuffix("lbs").removesuffix("lb").strip()
    stones = re.fullmatch(r"(\d{1,2})\s*[- ]\s*(\d{1,2})", raw)
    if stones and int(stones.group(2)) < 14:
        return Decimal(int(stones.group(1)) * 14 + int(stones.group(2)))
    if re.fullmatch(r"\d{2,3}(\.\d+)?", raw):
        return Decimal(raw)
    raise UnrecognisedValue(text, "weight", ["121", "121 lb", "11-10 (st-lb)", "11 10 (st lb)"], where)
