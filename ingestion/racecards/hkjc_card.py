"""Parser for HKJC race-card JSON (one meeting per document: a list of races with their runners).

Decisions checked on the nine shared meetings (June-July 2026, 93 races, 1,172 runners):

- Required: date, racecourse, raceNo, startTime per race; horseNo and horseName per runner. Everything else is
  optional and null when absent - six races publish no distance, surface, course or going (the all-weather track
  races, judging by the rating bands), and Group/special races publish no class; none of that is guessed.
- Start times are Hong Kong local (Asia/Hong_Kong, no daylight saving). Weights are in pounds as published
  (``actualWeight`` carried, ``declaredHorseWeight`` body weight). The card has no morning line.
- ``race_type`` is "handicap" when the race name says so (HK handicaps are named "... HANDICAP"), else null; the
  rail position (``course``: 'Turf, "C+3" Course') has no raw column and is not carried.
- Each race row's ``url`` is the card's own ``source`` link when present, else the URL/path the document came from.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from ingestion.errors import ParseError
from ingestion.normalize import from_metres, parse_going, parse_surface, post_time
from ingestion.racecards._html import MissingField, optional, required, to_date
from ingestion.racecards.rows import Card, RaceRow, RunnerRow

SITE = "hkjc_card"
TZ = "Asia/Hong_Kong"


def _int(value: object, field: str, url: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(value, field, f"{SITE} {url}")
    return value


def _object(value: object, field: str, url: str) -> dict:
    if not isinstance(value, dict):
        raise ParseError(type(value).__name__, field, f"{SITE} {url} (expected a JSON object)")
    return value


def _text(value: object, field: str, url: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ParseError(value, field, f"{SITE} {url} (expected text)")
    return value


def _race(race: dict, url: str) -> RaceRow:
    race = _object(race, "race", url)
    get = lambda key: race.get(key) if race.get(key) not in ("", None) else None  # noqa: E731
    day = to_date(required(get("date"), SITE, url, "date"), SITE, url, "date")
    number = required(_int(get("raceNo"), "raceNo", url), SITE, url, "raceNo")
    where = f"{SITE} {url} race {number}"
    post = post_time(day, required(get("startTime"), SITE, url, f"race {number} startTime"), TZ, where=where)
    going = optional(parse_going, get("going"), SITE, url)
    name = _text(get("raceName"), "raceName", url)
    distance = _int(get("distance"), "distance", url)
    return RaceRow(
        site=SITE, url=get("source") or url, track=required(get("racecourse"), SITE, url, "racecourse"),
        race_date=day, race_number=number, post_time=post.utc, tz=post.tz,
        distance=from_metres(distance) if distance else None,
        surface=optional(parse_surface, get("surface"), SITE, url),
        going=going and going.word, going_scale=going and going.scale, currency="HKD",
        race_class=None if get("raceClass") is None else str(race["raceClass"]),
        race_type="handicap" if name and "HANDICAP" in name.upper() else None, race_name=name,
    )


def _runner(runner: dict, race: int, url: str) -> RunnerRow:
    runner = _object(runner, f"race {race} runner", url)
    get = lambda key: runner.get(key) if runner.get(key) not in ("", None) else None  # noqa: E731
    weight, body = _int(get("actualWeight"), "actualWeight", url), _int(get("declaredHorseWeight"),
                                                                        "declaredHorseWeight", url)
    return RunnerRow(
        race_number=race, horse_name=required(get("horseName"), SITE, url, f"race {race} horseName"),
        horse_number=required(_int(get("horseNo"), "horseNo", url), SITE, url, f"race {race} horseNo"),
        post_position=_int(get("draw"), "draw", url), horse_id=get("horseId") or get("brandNo"),
        jockey=get("jockey"), trainer=get("trainer"),
        weight_lbs=None if weight is None else Decimal(weight),
        horse_weight_lbs=None if body is None else Decimal(body),
        rating=_int(get("rating"), "rating", url), gear=get("gear"), last_runs=get("lastSixRuns"),
    )


def parse_card(text: str, url: str) -> Card:
    """A meeting's JSON text -> ``Card``; ``url`` names where it came from (a file path or the source URL)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(text[:80], "json", f"{SITE} {url}: {exc}") from None
    if isinstance(data, dict):  # tolerate {"races": [...]} wrappers as well as the bare list
        data = data.get("races")
    if not isinstance(data, list) or not data:
        raise MissingField(SITE, url, "races", ["a JSON list of races", '{"races": [...]}'])
    races, runners = [], []
    for race in data:
        row = _race(race, url)
        races.append(row)
        listed = race.get("runners") or []
        if not isinstance(listed, list):
            raise ParseError(type(listed).__name__, f"race {row.race_number} runners", f"{SITE} {url}")
        runners += [_runner(r, row.race_number, url) for r in listed]
    return Card(races, runners)
