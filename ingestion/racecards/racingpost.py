"""Parser for a Racing Post racecard page (one race): header and runner rows, keyed on ``data-test-selector``.

Racing Post marks fields with ``data-test-selector`` names, which have outlived several class-name redesigns, so
they come first and class names are the fallback. Decisions checked on the saved 3:20 Chepstow, 30 Jan 2024 page:

- The page has no race number; it is the race's place in the meeting's time-ordered list (the "matrix" of the
  day's races links every race by id), so 3:20 is race 5 of 7 at Chepstow. No list, no number: a ``MissingField``.
- Times are printed 12-hour without am/pm ("3:20"): hours 1-10 are afternoon (``afternoon_below=11``) in
  Europe/London. Racing Post also lists Irish meetings, which share the zone.
- The exact distance "(2m11y)" is preferred to the rounded "2m" (fallback). Weight "11-10" is stones-pounds.
- Surface is not printed; chases and hurdles are turf by definition (British/Irish jumps courses), anything else
  stays null rather than assumed.
- Prices arrive by a live feed and are empty in saved pages: ``price`` is null, never 0. Jumps races have no stalls:
  an empty draw is null. The jockey's claim is reported beside the weight; the weight is kept as printed.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from bs4 import Tag

from ingestion.normalize import UnrecognisedValue, parse_distance, parse_going, parse_odds, parse_weight_lbs, post_time
from ingestion.racecards._html import optional, required, soup, text_of, to_int, to_money
from ingestion.racecards.rows import Card, RaceRow, RunnerRow

SITE = "racingpost"
TZ = "Europe/London"


def _sel(name: str) -> str:
    return f'[data-test-selector="{name}"]'


def _race_number(page: Tag, url: str) -> int | None:
    canonical = page.select_one('link[rel="canonical"]')
    href = canonical.get("href") if canonical else url
    match = re.search(r"/racecards/(\d+)/[^/]+/(\d{4}-\d{2}-\d{2})/(\d+)", href or url)
    if not match:
        return None
    course, day, race_id = match.groups()
    prefix = f"/racecards/{course}/"
    meeting = []
    for link in page.select(f'{_sel("RC-matrixPopOver__raceItem")}, a.RC-matrixPopOver__raceItem'):
        href = link.get("href", "")
        if href.startswith(prefix) and f"/{day}/" in href and href not in meeting:
            meeting.append(href)
    ids = [h.rsplit("/", 1)[-1] for h in meeting]
    return ids.index(race_id) + 1 if race_id in ids else None


def _race(page: Tag, url: str) -> RaceRow:
    course = required(text_of(page, [_sel("RC-courseHeader__name"), ".RC-courseHeader__name"]), SITE, url, "course")
    date_text = required(text_of(page, [_sel("RC-courseHeader__date"), ".RC-courseHeader__date"]), SITE, url, "date")
    day = _day(date_text, url)
    clock = required(text_of(page, [_sel("RC-courseHeader__time"), ".RC-courseHeader__time"]), SITE, url, "time")
    number = required(_race_number(page, url), SITE, url, "race number",
                      ["position of the canonical race id in RC-matrixPopOver__raceItem links"])
    where = f"{SITE} page {url}"
    post = post_time(day, clock, TZ, afternoon_below=11, where=where)
    distance = text_of(page, [_sel("RC-header__raceDistance"), _sel("RC-header__raceDistanceRound"),
                              ".RC-cardHeader__distance"])
    going = optional(parse_going, text_of(page, [_sel("RC-headerBox__going"), _sel("RC-ticker__going")]), SITE, url)
    race_class = text_of(page, [_sel("RC-header__raceClass")])
    prize = text_of(page, [_sel("RC-raceCondition__stakes")])
    title = text_of(page, [_sel("RC-header__raceInstanceTitle"), ".RC-header__raceInstanceTitle"])
    return RaceRow(
        site=SITE, url=url, track=course.upper().replace(" ", "_"), race_date=day, race_number=number,
        post_time=post.utc, tz=post.tz, distance=optional(parse_distance, distance, SITE, url),
        surface="turf" if _race_type(title) in ("chase", "hurdle") else None,
        going=going and going.word, going_scale=going and going.scale,
        purse=to_money(prize.split()[0], SITE, url, "prize") if prize and prize.startswith("£") else None,
        currency="GBP" if prize and prize.startswith("£") else None,
        race_class=re.sub(r"[^\w ]", "", race_class).replace("Class", "").strip() if race_class else None,
        race_type=_race_type(title), race_name=title,
    )


def _day(text: str, url: str) -> date:
    """"30 Jan 2024" header date; anything else (or 30 Feb) raises naming the field."""
    found = re.match(r"\d{1,2} \w{3} \d{4}", text)
    try:
        return datetime.strptime(found.group(0), "%d %b %Y").date() if found else datetime.strptime("", "%Y")
    except ValueError:
        raise UnrecognisedValue(text, "date", ["30 Jan 2024"], f"{SITE} page {url}") from None


def _race_type(title: str | None) -> str | None:
    """Jumps/flat code from the title: the card has no field for it and it decides stalls, weights, distances."""
    lowered = (title or "").lower()
    for word, kind in (("chase", "chase"), ("hurdle", "hurdle"), ("bumper", "nh flat"), ("nh flat", "nh flat")):
        if word in lowered:
            return kind
    return None


def _runner(row: Tag, race: int, url: str) -> RunnerRow:
    where = f"{SITE} page {url}"
    name = required(text_of(row, [_sel("RC-cardPage-runnerName"), "a.RC-runnerName"]), SITE, url, "horse name",
                    ["RC-cardPage-runnerName", "a.RC-runnerName"])
    number = text_of(row, [_sel("RC-cardPage-runnerNumber-no")]) or text_of(
        row, [_sel("RC-cardPage-runnerNumber-no")], attr="data-order-no")
    draw = text_of(row, [_sel("RC-cardPage-runnerNumber-draw")])
    price = text_of(row, [_sel("RC-cardPage-runnerPrice")])
    odds = parse_odds(price, where) if price else None
    weight = text_of(row, [_sel("RC-cardPage-runnerWgt-carried")])
    profile = row.select_one(f'{_sel("RC-cardPage-runnerName")}[href]')
    horse_id = re.search(r"/horse/(\d+)/", profile["href"]) if profile else None
    rating = text_of(row, [_sel("RC-cardPage-runnerOr")])
    return RunnerRow(
        race_number=race, horse_name=name,
        horse_number=to_int(number, SITE, url, "runner number"),
        post_position=to_int(draw.strip("()") if draw else None, SITE, url, "draw"),
        horse_id=f"RP-{horse_id.group(1)}" if horse_id else row.get("data-ugc-runnerid"),
        age=to_int(text_of(row, [_sel("RC-cardPage-runnerAge")]), SITE, url, "age"),
        jockey=text_of(row, [_sel("RC-cardPage-runnerJockey-name")]),
        trainer=text_of(row, [_sel("RC-cardPage-runnerTrainer-name")]),
        weight_lbs=optional(parse_weight_lbs, weight, SITE, url),
        price=odds.decimal if odds else None, scratched=bool(odds and odds.scratched),
        rating=to_int(rating if rating and rating.isdigit() else None, SITE, url, "official rating"),
        gear=text_of(row, [_sel("RC-cardPage-runnerHeadGear")]),
        last_runs=text_of(row, [_sel("RC-cardPage-runnerForm")]),
    )


def parse_card(text: str, url: str) -> Card:
    page = soup(text)
    race = _race(page, url)
    rows = page.select("div.RC-runnerRow") or page.select(".js-RC-runnerRow")
    required(rows or None, SITE, url, "runner rows", ["div.RC-runnerRow", ".js-RC-runnerRow"])
    return Card([race], [_runner(row, race.race_number, url) for row in rows])
