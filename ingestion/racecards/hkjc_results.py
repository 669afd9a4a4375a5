"""Parser for an HKJC local results page (one race), Chinese or English: race header, results table, dividends.

Columns are found by their header text (Chinese first, English as the fallback) rather than by position, because
HKJC has added columns before. Decisions checked on the saved Sha Tin race 1 of 2026-03-01 (Chinese):

- Date and course come from "賽事日期: 01/03/2026 沙田", else from the URL's ``racedate``/``Racecourse`` query.
  The results page prints no start time: ``post_time`` is null (the card has it).
- Class "第四班" -> "4"; group races keep their text. "讓賽" (handicap) in the race name -> race_type 'handicap'.
- Placings reuse ``ingestion.sources.hkjc.source.placing_of`` (the historical HKJC loader's rules: "1 DH" keeps its
  number, WV/WX withdrawn -> scratched, DISQ -> disqualified, other text -> dnf), so the page and the JSON archive
  agree. The winner's margin "-" is 0 lengths.
- Dividends are per HK$10 (stake_unit 10, HKD). Unordered pools (quinella, quinella place, trio, first 4) are sorted;
  ordered ones keep the official order. Multi-race pools (double, treble, triple trio, six up) belong to several races
  and are left to a meeting-level parser; any other unknown pool raises.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

from bs4 import Tag

from ingestion.normalize import (
    UnrecognisedValue, from_metres, parse_decimal_odds, parse_finish_time, parse_going, parse_margin, parse_surface,
)
from ingestion.racecards._html import MissingField, clean, optional, required, soup, text_of, to_int, to_money
from ingestion.racecards.rows import DividendRow, RaceRow, ResultRow, Results
from ingestion.sources.hkjc.source import placing_of

SITE = "hkjc_results"
TZ = "Asia/Hong_Kong"
VENUES = {"沙田": "ST", "跑馬地": "HV", "SHA TIN": "ST", "HAPPY VALLEY": "HV"}
CLASS_NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}
COLUMNS = {  # field -> header texts (whitespace removed), Chinese first
    "placing": ("名次", "Pla."), "horse_number": ("馬號", "HorseNo."), "horse": ("馬名", "Horse"),
    "jockey": ("騎師", "Jockey"), "trainer": ("練馬師", "Trainer"), "weight": ("實際負磅", "Act.Wt."),
    "body_weight": ("排位體重", "Declar.HorseWt."), "draw": ("檔位", "Dr."), "margin": ("頭馬距離", "LBW"),
    "running": ("沿途走位", "RunningPosition"), "time": ("完成時間", "FinishTime"), "odds": ("獨贏賠率", "WinOdds"),
}
POOLS = {  # page name (upper-cased) -> (schema pool, ordered?)
    "獨贏": ("win", True), "位置": ("place", True), "連贏": ("quinella", False), "位置Q": ("quinella_place", False),
    "二重彩": ("forecast", True), "三重彩": ("tierce", True), "單T": ("trio", False), "四連環": ("first4", False),
    "四重彩": ("quartet", True), "WIN": ("win", True), "PLACE": ("place", True), "QUINELLA": ("quinella", False),
    "QUINELLA PLACE": ("quinella_place", False), "FORECAST": ("forecast", True), "TIERCE": ("tierce", True),
    "TRIO": ("trio", False), "FIRST 4": ("first4", False), "QUARTET": ("quartet", True),
}
MULTI_RACE_POOLS = ("孖寶", "三寶", "三T", "孖T", "六環彩", "DOUBLE", "TREBLE", "TRIPLE TRIO", "DOUBLE TRIO", "SIX UP",
                    "TRIPLE TRIO(CONSOLATION)")


def _meeting(page: Tag, url: str) -> tuple[date, str]:
    query = {k.lower(): v[0] for k, v in parse_qs(urlparse(url).query).items()}
    banner = text_of(page, ["div.raceMeeting_select span.f_fl", "div.raceMeeting_select"]) or ""
    found = re.search(r"(\d{2})/(\d{2})/(\d{4})\s*(\S+)?", banner)
    try:
        if found:
            day = date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
            venue = VENUES.get((found.group(4) or "").upper()) or query.get("racecourse")
        elif "racedate" in query:
            day, venue = datetime.strptime(query["racedate"], "%Y/%m/%d").date(), query.get("racecourse")
        else:
            raise MissingField(SITE, url, "race date", ["div.raceMeeting_select", "URL racedate="])
    except ValueError:  # 31/02/2026 or racedate=junk
        raise UnrecognisedValue(found.group(0) if found else query["racedate"], "race date",
                                ["01/03/2026 沙田", "URL racedate=2026/03/01"], f"{SITE} page {url}") from None
    return day, required(venue, SITE, url, "racecourse", ["div.raceMeeting_select", "URL Racecourse="])


def _race(page: Tag, url: str) -> RaceRow:
    day, venue = _meeting(page, url)
    tab = required(page.select_one("div.race_tab table") or None, SITE, url, "race header", ["div.race_tab table"])
    title = text_of(tab, ["thead td", "tr td"]) or ""
    number = re.search(r"第\s*(\d+)\s*場|RACE\s*(\d+)", title, re.IGNORECASE)
    if not number:
        query = {k.lower(): v[0] for k, v in parse_qs(urlparse(url).query).items()}
        number = re.match(r"(\d+)", query.get("raceno", ""))
    number = required(number, SITE, url, "race number", ["第 N 場", "URL RaceNo="])
    number = int(next(g for g in number.groups() if g))
    cells = [[clean(td.get_text(" ")) or "" for td in tr.find_all("td")] for tr in tab.select("tbody tr")]
    labelled = {row[i].rstrip(" :："): row[i + 1] for row in cells for i in range(len(row) - 1)
                if row[i].endswith(":") or row[i].endswith("：")}
    first = [row[0] for row in cells if row and row[0]]
    info = next((c for c in first if "米" in c or re.search(r"\d+M\b", c)), "")
    distance = re.search(r"(\d{3,4})\s*(?:米|M\b)", info)
    cls = re.search(r"第(.)班|Class\s*(\d)", info)
    purse = next((c for c in first if c.startswith("HK$")), None)
    name = next((c for c in first if c not in (info, purse)), None)
    going = optional(parse_going, labelled.get("場地狀況") or labelled.get("Going"), SITE, url)
    track = labelled.get("賽道") or labelled.get("Course")
    return RaceRow(
        site=SITE, url=url, track=venue, race_date=day, race_number=number, tz=TZ,
        distance=from_metres(distance.group(1)) if distance else None,
        surface=optional(parse_surface, track.split(" - ")[0] if track else None, SITE, url),
        going=going and going.word, going_scale=going and going.scale,
        purse=to_money(purse, SITE, url, "purse") if purse else None, currency="HKD",
        race_class=(CLASS_NUMERALS.get(cls.group(1), cls.group(1)) if cls.group(1) else cls.group(2)) if cls
        else (info.split(" - ")[0] or None),
        race_type="handicap" if name and ("讓賽" in name or "HANDICAP" in name.upper()) else None, race_name=name,
    )


def _results_table(page: Tag, url: str) -> tuple[Tag, dict[str, int]]:
    for table in page.select("div.performance table") or page.select("table"):
        header = table.select_one("thead tr") or table.find("tr")
        if header is None:
            continue
        titles = [re.sub(r"\s+", "", td.get_text()) for td in header.find_all(["td", "th"])]
        index = {field: titles.index(name) for field, names in COLUMNS.items() for name in names if name in titles}
        if {"placing", "horse_number", "horse"} <= index.keys():
            return table, index
    raise MissingField(SITE, url, "results table", ["div.performance table with 名次/馬號/馬名 headers"])


def _result(tds: list[Tag], col: dict[str, int], race: int, url: str) -> ResultRow:
    where = f"{SITE} page {url} race {race}"
    cell = lambda f: clean(tds[col[f]].get_text(" ")) if f in col and col[f] < len(tds) else None  # noqa: E731
    number = required(cell("horse_number"), SITE, url, f"race {race} horse number")
    horse = required(cell("horse"), SITE, url, f"race {race} horse name")
    name, brand = re.match(r"(.*?)\s*(?:\((\w+)\))?$", horse).groups()
    link = tds[col["horse"]].select_one("a[href*=horseid]")
    linked = re.search(r"horseid=([\w-]+)", link["href"], re.IGNORECASE) if link else None
    horse_id = linked.group(1) if linked else brand
    placing = cell("placing")
    position, status = placing_of(placing)
    running = [int(x) for x in (cell("running") or "").split() if x.isdigit()]
    odds, margin, time_text = cell("odds"), cell("margin"), cell("time")
    finished = status == "finished"
    integer = lambda f: int(cell(f)) if (cell(f) or "").isdigit() else None  # noqa: E731
    return ResultRow(
        race_number=race, horse_number=required(to_int(number, SITE, url, f"race {race} horse number"), SITE, url,
                                                f"race {race} horse number"), horse_name=name, finish_position=position, status=status,
        dead_heat=bool(placing and "DH" in placing.upper()), horse_id=horse_id, post_position=integer("draw"),
        jockey=cell("jockey"), trainer=cell("trainer"),
        weight_lbs=Decimal(cell("weight")) if integer("weight") else None,
        horse_weight_lbs=Decimal(cell("body_weight")) if integer("body_weight") else None,
        margin_lengths=optional(parse_margin, margin, SITE, url) if finished else None,
        finish_time_s=optional(parse_finish_time, time_text, SITE, url) if finished and time_text != "---" else None,
        final_odds=parse_decimal_odds(odds, where).decimal if odds and odds != "---" else None,
        running_positions=tuple(running),
    )


def _dividends(page: Tag, race: int, url: str) -> list[DividendRow]:
    table = page.select_one("div.dividend_tab table")
    if table is None:
        return []  # results published before the dividends: a later fetch fills them in
    out, pool_name = [], None
    for tr in table.select("tbody tr"):
        cells = [clean(td.get_text(" ")) or "" for td in tr.find_all("td")]
        if len(cells) == 3:
            pool_name = cells[0].upper()
        elif len(cells) != 2 or pool_name is None:
            continue
        combination, payout = cells[-2:]
        if pool_name in MULTI_RACE_POOLS:
            continue
        if pool_name not in POOLS:
            raise UnrecognisedValue(pool_name, "pool", [*POOLS, *MULTI_RACE_POOLS], f"{SITE} page {url}")
        pool, ordered = POOLS[pool_name]
        numbers = [n.strip() for n in combination.split(",")]
        if not ordered and all(n.isdigit() for n in numbers):
            numbers = sorted(numbers, key=int)
        amount = payout.replace(",", "")
        if not re.fullmatch(r"\d+(\.\d+)?", amount):
            raise UnrecognisedValue(payout, "dividend", ["5,389.00"], f"{SITE} page {url} {pool} {combination}")
        out.append(DividendRow(race, pool, "-".join(numbers), Decimal(amount), Decimal(10), "HKD"))
    return out


def parse_results(text: str, url: str) -> Results:
    page = soup(text)
    race = _race(page, url)
    table, col = _results_table(page, url)
    rows = [tr.find_all("td") for tr in (table.select("tbody tr") or table.find_all("tr")[1:])]
    results = [_result(tds, col, race.race_number, url) for tds in rows if len(tds) > max(col.values()) // 2]
    return Results([race], results, _dividends(page, race.race_number, url))
