"""Race distances as printed ("6f", "1m", "1m 2f 110y", "2m4f", "1 1/16 Miles", "1400m", "1800米") -> metres and
furlongs, both exact ``Decimal``.

Metres come from the international yard (1 furlong = 220 yd = 201.168 m exactly), so converting UK/US distances and
comparing them with HK metric ones never drifts. ``m`` is the classic trap: UK cards write a mile as "1m" and HK
cards write metres as "1400m". A lone ``<number>m`` of 100 or more is metres (no race is 100 miles); anything else with
``m`` is miles (up to 5 miles). That is a rule, not a guess, and the error message states it when text does
not fit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ingestion.normalize.errors import UnrecognisedValue

METRES_PER_FURLONG = Decimal("201.168")
MAX_FURLONGS = 40  # 5 miles: longer than any race run (the Grand National is ~4m2f), so "99m" is a typo, not miles
FURLONGS_PER = {"mile": Fraction(8), "furlong": Fraction(1), "yard": Fraction(1, 220)}
UNIT_WORDS = {
    "m": "mile", "mi": "mile", "mile": "mile", "miles": "mile",
    "f": "furlong", "fur": "furlong", "furlong": "furlong", "furlongs": "furlong",
    "y": "yard", "yd": "yard", "yds": "yard", "yard": "yard", "yards": "yard",
}
METRE_WORDS = ("m", "metre", "metres", "meter", "meters", "米")
ACCEPTED = ("6f", "5 1/2f", "1m", "1m 2f 110y", "2m4f", "1 1/16 Miles", "6 1/2 Furlongs", "1400m (>= 100 m)",
            "1400 metres", "1800米")
_VULGAR = {"½": " 1/2", "¼": " 1/4", "¾": " 3/4"}
_PART = re.compile(r"(?P<num>\d+(?:\.\d+)?(?:\s+\d+/\d+)?|\d+/\d+)\s*(?P<unit>[a-z]+)\.?\s*")
_METRIC = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+|米)$")


@dataclass(frozen=True)
class Distance:
    """``metres`` and ``furlongs`` describe the same distance; ``unit`` says which one the source printed."""

    metres: Decimal
    furlongs: Decimal
    unit: str  # 'm' (metric source) | 'f' (imperial source)

    @property
    def published(self) -> Decimal:
        """The value in the source's own unit, as the raw tables keep it (``distance`` + ``distance_unit``)."""
        return self.metres if self.unit == "m" else self.furlongs


def _number(text: str) -> Fraction:
    total = Fraction(0)
    for piece in text.split():
        total += Fraction(piece) if "/" in piece else Fraction(Decimal(piece))
    return total


def _decimal(value: Fraction) -> Decimal:
    """Exact when the fraction terminates in base 10 (every real distance does); otherwise 6 places."""
    q = Decimal(value.numerator) / Decimal(value.denominator)
    if q == q.to_integral_value():
        return q.quantize(Decimal(1))
    return q.quantize(Decimal("0.000001")).normalize()


def from_furlongs(furlongs: Fraction | Decimal | int | float | str) -> Distance:
    f = Fraction(Decimal(str(furlongs))) if not isinstance(furlongs, Fraction) else furlongs
    return Distance(_decimal(f * Fraction(METRES_PER_FURLONG)), _decimal(f), "f")


def from_metres(metres: Decimal | int | float | str) -> Distance:
    m = Fraction(Decimal(str(metres)))
    return Distance(_decimal(m), _decimal(m / Fraction(METRES_PER_FURLONG)), "m")


def parse_distance(text: object, where: str = "") -> Distance:
    """Distance text -> ``Distance``; raises ``UnrecognisedValue`` (listing the accepted forms) otherwise."""
    raw = str(text if text is not None else "").strip()
    clean = raw.lower().strip("()")
    for glyph, spelled in _VULGAR.items():
        clean = clean.replace(glyph, spelled)
    clean = re.sub(r"\s+", " ", clean).strip()
    metric = _METRIC.match(clean)
    if metric and metric.group("unit") in METRE_WORDS:
        value = Decimal(metric.group("num"))
        if metric.group("unit") != "m" or value >= 100:
            return from_metres(value)
    furlongs, pos, seen = Fraction(0), 0, set()
    for part in _PART.finditer(clean):
        unit = UNIT_WORDS.get(part.group("unit"))
        if part.start() != pos or unit is None or unit in seen:
            break
        seen.add(unit)
        try:
            furlongs += _number(part.group("num")) * FURLONGS_PER[unit]
        except ZeroDivisionError:  # "1/0m": a fraction with a zero denominator is no distance
            raise UnrecognisedValue(text, "distance", ACCEPTED, where) from None
        pos = part.end()
    if not clean or pos != len(clean) or not 0 < furlongs <= MAX_FURLONGS:
        raise UnrecognisedValue(text, "distance", ACCEPTED, where)
    return from_furlongs(furlongs)
