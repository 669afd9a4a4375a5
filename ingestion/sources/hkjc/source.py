"""HKJC official results, one JSON file per meeting (``2017-01-01-ST.json``: a list of races) -> raw tables.

Decisions, checked against the shared copy (2017-2019: 260 meetings, 2,399 races, 29,141 runners):

- **Dates from file names.** ``available_dates`` reads only the directory listing (``YYYY-MM-DD-<course>.json``);
  a file not named that way is opened to find its date. ``read`` parses only the files in range, once per instance.
- **Surface** ``TURF`` -> turf, ``AWT``/``ALL WEATHER...`` (Sha Tin's all-weather track, 311 races) -> synthetic (one vocabulary with ``ingestion.normalize``); the
  course ("TURF - \\"C+3\\" Course") and rating band stay in ``_original``. 129 races (Group/special races) publish
  neither class nor distance: they stay null for the gate to judge rather than being guessed.
- **Runners.** ``placing`` is an int 1..14 in this copy; ``"1 DH"`` style text would keep its number. A missing or
  non-numeric placing means no finish: ``WV``/``WX`` (withdrawn) -> ``scratched``, ``DISQ`` -> ``disqualified``,
  anything else (``PU``, ``FE``, ``UR``, blank) -> ``dnf``. ``lbw`` is numeric except 27 nulls: null for a placing-1
  horse (dead-heat winners) becomes 0 lengths, by definition; text margins (``"1-1/4"``, ``"SH"``, ``"N"``) are
  converted; anything else is null. People are published by name only, so ``jockey_id``/``trainer_id`` are slugs
  (``"B Prebble"`` -> ``"b-prebble"``; 91 jockeys and 92 trainers map to distinct slugs).
- **Dividends** for every pool present, ``dividendPer10`` per HK$10 (stake_unit 10, HKD). Pool names:
  ``quinellaPlace`` -> ``quinella_place``, others as published. Combinations joined by ``-``: win, place, forecast,
  tierce and quartet keep the official order; quinella, quinella_place, trio and first4 are unordered and sorted
  (first4 pays on the first four in any order; quartet needs the exact order - verified against placings).
- Every race and runner row carries ``_original`` (the JSON object as read, without nested lists) for quarantine.
"""
from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import pandas as pd

from ingestion.errors import SourceNotFoundError, SourceSchemaError
from ingestion.schema import RawBatch, empty_batch
from ingestion.sources.base import HistoricalSource
from ingestion.sources.common import SHARED_DATA, canonical, int_column, make_race_id, slug, to_decimal, to_decimal_or_text

STAKE_UNIT = 10
CURRENCY = "HKD"
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([A-Z]+)\.json$")
RACE_KEYS = ("date", "racecourse", "raceNo", "runners")
RUNNER_KEYS = ("horseNo", "horseId")
POOLS = {  # HKJC key -> (canonical pool, ordered?)
    "win": ("win", True), "place": ("place", True), "quinella": ("quinella", False),
    "quinellaPlace": ("quinella_place", False), "forecast": ("forecast", True), "tierce": ("tierce", True),
    "trio": ("trio", False), "first4": ("first4", False), "quartet": ("quartet", True),
}
WITHDRAWN = ("WV", "WX")
SHORT_MARGINS = {"NOSE": 0.05, "SH": 0.1, "SHORT HEAD": 0.1, "HD": 0.2, "HEAD": 0.2, "N": 0.3, "NECK": 0.3}


def surface_of(value: object) -> str | None:
    text = str(value or "").strip().upper()
    if not text:
        return None
    if text == "TURF":
        return "turf"
    if text == "AWT" or text.startswith("ALL WEATHER"):
        return "synthetic"
    return text.lower()


def margin_of(value: object) -> float | None:
    """Lengths behind the winner from a number or HKJC text ("1-1/4", "3/4", "SH", "N"); None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().upper()
    if text in SHORT_MARGINS:
        return SHORT_MARGINS[text]
    match = re.fullmatch(r"(?:(\d+)[- ])?(\d+)/(\d+)|(\d+(?:\.\d+)?)", text)
    if not match:
        return None
    whole, num, den, plain = match.groups()
    if plain is not None:
        return float(plain)
    return float(int(whole or 0) + Fraction(int(num), int(den)))


def placing_of(value: object) -> tuple[int | None, str]:
    """(finish_position, status) from a placing that may be an int, "3", "1 DH", "WV", "PU" or missing."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, "finished") if value >= 1 else (None, "dnf")
    text = str(value or "").strip().upper()
    match = re.fullmatch(r"(\d+)(\s*DH)?", text)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1)), "finished"
    if text.startswith(WITHDRAWN):
        return None, "scratched"
    if text.startswith("DISQ"):
        return None, "disqualified"
    return None, "dnf"


def _number(value: object) -> object:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _flat(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}


def parse_meeting(path: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """(races, runners, dividends) rows of one meeting file; raises ``SourceSchemaError`` for missing keys."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SourceSchemaError(str(path), ["<list of races>"], [type(data).__name__])
    races, runners, dividends = [], [], []
    for index, race in enumerate(data):
        try:
            _parse_race(path, race, races, runners, dividends)
        except SourceSchemaError:
            raise
        except (ValueError, TypeError, AttributeError, OverflowError, KeyError) as exc:
            # a malformed structure (impossible date, runners not a list of objects, ...): name the race and the value
            where = race.get("raceId", f"#{index}") if isinstance(race, dict) else f"#{index}"
            raise SourceSchemaError(f"{path} race {where}", [f"well-formed race record ({type(exc).__name__}: {exc})"],
                                    ) from exc
    return races, runners, dividends


def _parse_race(path: Path, race: dict, races: list, runners: list, dividends: list) -> None:
    """Append one race's rows; builtin errors on a malformed structure are turned into SourceSchemaError above."""
    missing = [k for k in RACE_KEYS if k not in race]
    if missing:
        raise SourceSchemaError(f"{path} race {race.get('raceId', '?')}", missing, race.keys())
    race_date = date.fromisoformat(str(race["date"]))
    race_id = make_race_id(race["racecourse"], race_date, race["raceNo"])
    races.append({
        "race_id": race_id, "race_date": race_date, "track_code": race["racecourse"],
        "race_number": race["raceNo"], "post_time": None, "distance": _number(race.get("distance")),
        "distance_unit": "m", "surface": surface_of(race.get("surface")),
        "going": (str(race["going"]).strip().lower() or None) if race.get("going") else None,
        "race_class": None if race.get("raceClass") is None else str(race["raceClass"]),
        "race_type": None, "purse": None, "currency": CURRENCY,
        "source_ref": f"{path.name} raceId={race.get('raceId')}", "_original": _flat(race),
    })
    for runner in race["runners"]:
        missing = [k for k in RUNNER_KEYS if k not in runner]
        if missing:
            raise SourceSchemaError(f"{path} race {race_id} runner", missing, runner.keys())
        position, status = placing_of(runner.get("placing"))
        margin = margin_of(runner.get("lbw"))
        if margin is None and position == 1:
            margin = 0.0
        runners.append({
            "race_id": race_id, "race_date": race_date, "horse_number": runner["horseNo"],
            "post_position": runner.get("draw"), "horse_id": runner["horseId"],
            "horse_name": runner.get("horseName"), "horse_age": None,
            "jockey_id": slug(runner.get("jockey")), "jockey_name": runner.get("jockey"),
            "trainer_id": slug(runner.get("trainer")), "trainer_name": runner.get("trainer"),
            "weight_lbs": _number(runner.get("actualWeight")),
            "horse_weight_lbs": _number(runner.get("declaredHorseWeight")), "morning_line": None,
            "final_odds": to_decimal_or_text(runner.get("winOdds")), "finish_position": position, "status": status,
            "margin_lengths": margin, "finish_time_s": _number(runner.get("finishSeconds")),
            "_original": _flat(runner),
        })
    for key, entries in (race.get("dividends") or {}).items():
        pool, ordered = POOLS.get(key, (key, True))
        for entry in entries if isinstance(entries, list) else [entries]:
            numbers = list(entry.get("combination") or [])
            if not ordered:
                numbers = sorted(numbers, key=lambda n: (not isinstance(n, int), n if isinstance(n, int) else 0))
            dividends.append({
                "race_id": race_id, "race_date": race_date, "pool": pool,
                "combination": "-".join(str(n) for n in numbers) or None,
                "dividend": to_decimal_or_text(entry.get("dividendPer10")), "stake_unit": STAKE_UNIT,
                "currency": CURRENCY,
            })


class HKJCResultsSource(HistoricalSource):
    """HKJC meetings from a directory of per-meeting JSON files; each file parsed at most once per instance."""

    name = "hkjc"

    def __init__(self, data_dir: Path = SHARED_DATA / "hkjc-results"):
        self.data_dir = Path(data_dir)
        self._files: dict[Path, date] | None = None
        self._parsed: dict[Path, tuple[list[dict], list[dict], list[dict]]] = {}

    def _meeting_files(self) -> dict[Path, date]:
        if self._files is None:
            if not self.data_dir.is_dir():
                raise SourceNotFoundError(self.name, self.data_dir)
            files = {}
            for path in sorted(self.data_dir.glob("*.json")):
                match = FILE_NAME.match(path.name)
                if match:
                    files[path] = date.fromisoformat(match.group(1))
                else:  # correctness over speed: find the date inside
                    races = self._parse(path)[0]
                    if races:
                        files[path] = races[0]["race_date"]
            self._files = files
        return self._files

    def _parse(self, path: Path) -> tuple[list[dict], list[dict], list[dict]]:
        if path not in self._parsed:
            self._parsed[path] = parse_meeting(path)
        return self._parsed[path]

    def meetings(self) -> int:
        """Number of meeting files (one per course per day)."""
        return len(self._meeting_files())

    def available_dates(self) -> list[date]:
        return sorted(set(self._meeting_files().values()))

    def read(self, start: date, end: date) -> RawBatch:
        paths = [p for p, d in self._meeting_files().items() if start <= d <= end]
        if not paths:
            return empty_batch()
        tables: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
        for path in sorted(paths, key=lambda p: (self._files[p], p.name)):
            for rows, parsed in zip(tables, self._parse(path)):
                rows.extend(r for r in parsed if start <= r["race_date"] <= end)
        races, runners, dividends = (pd.DataFrame(rows) for rows in tables)
        for frame, columns in ((races, ("race_number", "distance")),
                               (runners, ("horse_number", "post_position", "finish_position"))):
            for column in columns:
                frame[column] = int_column(frame[column]).array if len(frame) else frame[column]
        return RawBatch(canonical(races, "races"), canonical(runners, "runners"), canonical(dividends, "dividends"))
