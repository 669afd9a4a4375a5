"""Parser for the project's demo race-card site (``ingestion.racecards.demo_site``): cards, live odds, results.

The page layout follows US chart sites: a header naming track, date and IANA zone, then one ``div.race-block`` per
race. Selectors list the demo's class names first and generic fallbacks (ids, table positions) after, like the real
site parsers, so the demo exercises the same fallback/required-field machinery the real ones rely on.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bs4 import Tag

from ingestion.normalize import (
    UnrecognisedValue, from_iso, parse_clock, parse_decimal_odds, parse_distance, parse_finish_time, parse_going,
    parse_margin, parse_odds, parse_surface, parse_weight_lbs, post_time,
)
from ingestion.racecards._html import (
    MissingField, clean, convert, optional, required, soup, text_of, to_date, to_int, to_money,
)
from ingestion.racecards.rows import (
    Card, DividendRow, OddsBoard, OddsRow, RaceRow, ResultRow, Results, RunnerRow,
)

SITE = "demo"
NO_LINE = ("", "N/A")  # printed when the handicapper made no line: kept as text, no odds (the quality gate counts it)
POOLS = {"win", "place", "show", "exacta", "trifecta", "superfecta", "quinella", "daily_double"}
_HEADER = ("div.card-header", "header", "body")
_RACE_NUMBER = (".race-number", "h2")
_POST_ISO, _POST_TEXT = (".post-time time",), (".post-time time", ".post-time")


def _meeting(page: Tag, url: str) -> tuple[Tag, str, date, str]:
    header = required(page.select_one(_HEADER[0]) or page.select_one(_HEADER[1]), SITE, url, "header", _HEADER[:2])
    track = required(header.get("data-track") or _from_url(url, 1), SITE, url, "track", ["[data-track]", "URL"])
    day = required(header.get("data-date") or _from_url(url, 2), SITE, url, "date", ["[data-date]", "URL"])
    tz = required(header.get("data-tz") or text_of(header, [".timezone"]), SITE, url, "timezone",
                  ["[data-tz]", ".timezone"])
    return header, track, to_date(day, SITE, url, "date"), tz


def _from_url(url: str, index: int) -> str | None:
    """/cards/BEL/2026-06-06 -> part 1 is the track, part 2 the date (the fallback when the header lacks them)."""
    parts = re.sub(r"^https?://[^/]+", "", url).strip("/").split("/")
    return parts[index] if len(parts) > index else None


def _race(block: Tag, url: str, track: str, day: date, tz: str) -> RaceRow:
    number = to_int(block.get("data-race-number") or re.sub(r"\D", "", text_of(block, _RACE_NUMBER) or ""),
                    SITE, url, "race number")
    number = required(number, SITE, url, "race number", ["[data-race-number]", *_RACE_NUMBER])
    where = f"{SITE} page {url} race {number}"
    iso = text_of(block, _POST_ISO, attr="datetime")
    if iso:
        post = from_iso(iso, tz, where)
    else:  # fallback: "1:04 PM EDT" - the zone abbreviation is dropped, the page's IANA zone is authoritative
        shown = required(text_of(block, _POST_TEXT), SITE, url, f"race {number} post time", _POST_TEXT)
        clock = re.sub(r"^post time:\s*|\s+[A-Z]{2,5}$", "", shown, flags=re.IGNORECASE)
        post = post_time(day, parse_clock(clock, where=where), tz, where=where)
    going = optional(parse_going, text_of(block, [".going"]), SITE, url)
    purse = text_of(block, [".purse"])
    race_type = block.select_one(".race-type")
    return RaceRow(
        site=SITE, url=url, track=track, race_date=day, race_number=number, post_time=post.utc, tz=post.tz,
        distance=optional(parse_distance, text_of(block, [".distance"]), SITE, url),
        surface=optional(parse_surface, text_of(block, [".surface"]), SITE, url),
        going=going and going.word, going_scale=going and going.scale,
        purse=to_money(purse, SITE, url, "purse") if purse else None, currency="USD" if purse else None,
        race_class=race_type.get("data-class") if race_type else None,
        race_type=(clean(race_type.get_text(" ")) or "").lower() or None if race_type else None,
    )


def _blocks(page: Tag, url: str) -> list[Tag]:
    blocks = page.select("div.race-block") or page.select("[id^=race-]")
    return required(blocks or None, SITE, url, "race blocks", ["div.race-block", "[id^=race-]"])


def _runner(row: Tag, race: int, url: str) -> RunnerRow:
    where = f"{SITE} page {url} race {race}"
    name = required(text_of(row, ["td.horse a", "td.horse"]), SITE, url, f"race {race} horse", ["td.horse"])
    number = to_int(row.get("data-program") or text_of(row, ["td.pgm"]), SITE, url, "program number")
    ml = text_of(row, ["td.ml"])
    scratched = "scratched" in (row.get("class") or []) or parse_odds_marker(text_of(row, ["td.scr"]), where)
    link = row.select_one("td.horse a[href]")
    return RunnerRow(
        race_number=race, horse_name=name, horse_number=required(number, SITE, url, f"race {race} program number"),
        post_position=to_int(text_of(row, ["td.pp"]), SITE, url, "post position"),
        horse_id=link["href"].rstrip("/").rsplit("/", 1)[-1] if link else None,
        age=to_int(text_of(row, ["td.age"]), SITE, url, "age"),
        jockey=text_of(row, ["td.jockey .name", "td.jockey"]), trainer=text_of(row, ["td.trainer"]),
        weight_lbs=optional(parse_weight_lbs, text_of(row, ["td.weight"]), SITE, url),
        morning_line=ml, morning_line_odds=None if (ml or "") in NO_LINE else parse_odds(ml, where).decimal,
        scratched=scratched, jockey_changed=row.select_one("td.jockey .jockey-change") is not None,
    )


def parse_odds_marker(text: str | None, where: str) -> bool:
    """A status cell: blank = running, a scratch marker = scratched; anything else is not understood and raises."""
    return bool(text) and parse_odds(text, where).scratched


def parse_card(text: str, url: str) -> Card:
    page = soup(text)
    _, track, day, tz = _meeting(page, url)
    races, runners = [], []
    for block in _blocks(page, url):
        race = _race(block, url, track, day, tz)
        races.append(race)
        rows = block.select("tr.runner") or block.select("table.entries tbody tr")
        runners += [_runner(row, race.race_number, url) for row in rows]
    return Card(races, runners)


def parse_odds_page(text: str, url: str) -> OddsBoard:
    page = soup(text)
    _, track, day, tz = _meeting(page, url)
    block = _blocks(page, url)[0]
    race = _race(block, url, track, day, tz)
    pool = block.select_one("[data-pool]")
    as_of = text_of(block, ["time.as-of"], attr="datetime")
    rows = []
    for row in block.select("tr.odds-row") or block.select("table.odds tbody tr"):
        where = f"{SITE} page {url} race {race.race_number}"
        number = required(to_int(row.get("data-program") or text_of(row, ["td.pgm"]), SITE, url, "program number"),
                          SITE, url, "program number")
        shown = text_of(row, ["td.win-odds"])
        odds = parse_decimal_odds(shown, where) if shown else None
        rows.append(OddsRow(race.race_number, number, odds and odds.decimal, bool(odds and odds.scratched)))
    return OddsBoard(race, pool.get("data-pool") if pool else "win",
                     from_iso(as_of, tz).utc if as_of else None, rows)


def _placing(text: str | None, where: str) -> tuple[int | None, str, bool]:
    """"1", "1 DH", "DNF", "SCR", "DQ" -> (position, status, dead heat)."""
    raw = (text or "").strip().upper()
    match = re.fullmatch(r"(\d+)\s*(DH)?", raw)
    if match:
        return int(match.group(1)), "finished", bool(match.group(2))
    statuses = {"DNF": "dnf", "PU": "dnf", "UR": "dnf", "FELL": "dnf", "SCR": "scratched", "DQ": "disqualified"}
    if raw in statuses:
        return None, statuses[raw], False
    raise UnrecognisedValue(text, "placing", ["1", "1 DH", *statuses], where)


def _result(row: Tag, race: int, url: str) -> ResultRow:
    where = f"{SITE} page {url} race {race}"
    position, status, dead_heat = _placing(text_of(row, ["td.pos"]), where)
    runner = _runner(row, race, url)
    margin, time_text, odds = text_of(row, ["td.margin"]), text_of(row, ["td.time"]), text_of(row, ["td.odds"])
    return ResultRow(
        race_number=race, horse_number=runner.horse_number, horse_name=runner.horse_name, finish_position=position,
        status=status, dead_heat=dead_heat, horse_id=runner.horse_id, post_position=runner.post_position,
        jockey=runner.jockey, trainer=runner.trainer, weight_lbs=runner.weight_lbs,
        margin_lengths=optional(parse_margin, margin, SITE, url),
        finish_time_s=optional(parse_finish_time, time_text, SITE, url),
        final_odds=parse_decimal_odds(odds, where).decimal if odds else None,
    )


def _dividends(block: Tag, race: int, url: str) -> list[DividendRow]:
    base = block.select_one("table.dividends caption.base")
    stake = to_money(base.get("data-stake", "2"), SITE, url, "stake") if base else Decimal(2)
    currency = base.get("data-currency", "USD") if base else "USD"
    out = []
    for row in block.select("tr.dividend"):
        pool = row.get("data-pool") or (text_of(row, ["td.pool"]) or "").lower().replace(" ", "_")
        if pool not in POOLS:
            raise UnrecognisedValue(pool, "pool", sorted(POOLS), f"{SITE} page {url} race {race}")
        combination = required(text_of(row, ["td.combination"]), SITE, url, f"race {race} {pool} combination")
        payout = required(text_of(row, ["td.payout"]), SITE, url, f"race {race} {pool} payout")
        out.append(DividendRow(race, pool, combination, to_money(payout, SITE, url, f"race {race} {pool} payout"), stake,
                               currency))
    return out


def parse_results(text: str, url: str) -> Results:
    page = soup(text)
    _, track, day, tz = _meeting(page, url)
    races, results, dividends = [], [], []
    for block in _blocks(page, url):
        race = _race(block, url, track, day, tz)
        races.append(race)
        rows = block.select("tr.finisher") or block.select("table.results tbody tr")
        if not rows:
            raise MissingField(SITE, url, f"race {race.race_number} results", ["tr.finisher", "table.results tr"])
        results += [_result(row, race.race_number, url) for row in rows]
        dividends += _dividends(block, race.race_number, url)
    return Results(races, results, dividends)
