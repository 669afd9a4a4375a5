"""HTML for the demo site's card, odds and results pages, shaped like a US chart site (Equibase-style blocks).

Kept deliberately plain but *realistic enough to parse for real*: distances as US cards print them ("1 1/16 Miles"),
post times local with the zone (a ``<time datetime>`` with offset plus "1:04 PM EDT"), purses with "$" and commas,
scratches marked "SCR". Stable class names and ``data-`` attributes are what the ``demo`` parser reads.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from html import escape
from zoneinfo import ZoneInfo

import pandas as pd

from ingestion.racecards.demo_site.data import Meeting

_MILES = {Fraction(0): "", Fraction(1, 16): "1/16", Fraction(1, 8): "1/8", Fraction(3, 16): "3/16",
          Fraction(1, 4): "1/4", Fraction(5, 16): "5/16", Fraction(3, 8): "3/8", Fraction(1, 2): "1/2",
          Fraction(5, 8): "5/8", Fraction(3, 4): "3/4", Fraction(7, 8): "7/8"}
POOL_NAMES = {"win": "Win", "place": "Place", "show": "Show", "exacta": "Exacta", "trifecta": "Trifecta",
              "superfecta": "Superfecta", "quinella": "Quinella", "daily_double": "Daily Double"}


def distance_text(furlongs: float) -> str:
    """5.5 -> "5 1/2 Furlongs", 8 -> "1 Mile", 8.5 -> "1 1/16 Miles" (US cards switch to miles at a mile)."""
    f = Fraction(str(furlongs))
    if f < 8:
        whole, rest = divmod(f, 1)
        return f"{whole}{' ' + str(rest) if rest else ''} Furlongs"
    miles = f / 8
    whole, rest = divmod(miles, 1)
    return f"{whole}{' ' + _MILES[rest] if rest else ''} Mile{'s' if miles > 1 else ''}"


def _local(stamp: datetime, tz: str) -> datetime:
    return stamp.astimezone(ZoneInfo(tz))


def _clock(stamp: datetime, tz: str) -> str:
    local = _local(stamp, tz)
    return f"{local:%I:%M %p %Z}".lstrip("0")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
            f"<body>\n{body}</body></html>\n")


def _header(m: Meeting, kind: str) -> str:
    t = m.track
    return (f'<div class="card-header" data-track="{t.code}" data-date="{m.day.isoformat()}" data-tz="{t.tz}">\n'
            f'<h1><span class="track-name">{escape(t.name)}</span> <span class="page-kind">{kind}</span></h1>\n'
            f'<p><span class="race-date">{m.day:%A, %B %d, %Y}</span> · local times, '
            f'<span class="timezone">{t.tz}</span></p></div>\n')


def _race_info(race: pd.Series, tz: str) -> str:
    post = race["post_time"].to_pydatetime()
    return (f'<h2 class="race-title">Race <span class="race-number">{race["race_number"]}</span></h2>\n'
            '<div class="race-info"><span class="post-time">Post Time: '
            f'<time datetime="{_local(post, tz).isoformat()}">'
            f'{_clock(post, tz)}</time></span> | <span class="distance">{distance_text(race["distance"])}</span> | '
            f'<span class="surface">{race["surface"].title()}</span> | '
            f'<span class="going">{race["going"].title()}</span>'
            f' | <span class="race-type" data-class="{race["race_class"]}">{race["race_type"].title()}</span> | '
            f'<span class="purse">Purse: ${race["purse"]:,}</span></div>\n')


def card_page(m: Meeting, now: datetime) -> str:
    blocks = []
    for _, race in m.races.iterrows():
        post = race["post_time"].to_pydatetime()
        rows = []
        for _, r in m.runners[m.runners["race_id"] == race["race_id"]].iterrows():
            jockey, replaced = m.jockey_shown(r, post, now)
            scratched = m.scratch_shown(r, post, now)
            change = f' <span class="jockey-change">(replaces {escape(replaced)})</span>' if replaced else ""
            rows.append(
                f'<tr class="runner{" scratched" if scratched else ""}" data-program="{r["horse_number"]}">'
                f'<td class="pgm">{r["horse_number"]}</td><td class="pp">{r["post_position"]}</td>'
                f'<td class="horse"><a href="/horses/{r["horse_id"]}">{escape(r["horse_name"])}</a></td>'
                f'<td class="age">{r["horse_age"]}</td>'
                f'<td class="jockey"><span class="name">{escape(jockey)}</span>{change}</td>'
                f'<td class="trainer">{escape(r["trainer_name"])}</td><td class="weight">{r["weight_lbs"]}</td>'
                f'<td class="ml">{escape(r["morning_line"])}</td>'
                f'<td class="scr">{"SCR" if scratched else ""}</td></tr>')
        blocks.append(
            f'<div class="race-block" id="race-{race["race_number"]}" data-race-number="{race["race_number"]}">\n'
            + _race_info(race, m.track.tz)
            + '<table class="entries"><thead><tr><th>Pgm</th><th>PP</th><th>Horse</th><th>Age</th><th>Jockey</th>'
              '<th>Trainer</th><th>Wgt</th><th>M/L</th><th></th></tr></thead><tbody>\n'
            + "\n".join(rows) + "\n</tbody></table></div>\n")
    return _page(f"{m.track.name} entries {m.day.isoformat()}", _header(m, "Entries") + "".join(blocks))


def odds_page(m: Meeting, race_number: int, now: datetime) -> str | None:
    races = m.races[m.races["race_number"] == race_number]
    if races.empty:
        return None
    race = races.iloc[0]
    post = race["post_time"].to_pydatetime()
    rows = []
    for _, r in m.runners[m.runners["race_id"] == race["race_id"]].iterrows():
        scratched = m.scratch_shown(r, post, now)
        odds = None if scratched else m.live_odds(r, post, now)
        shown = "SCR" if scratched else ("" if odds is None else f"{odds:.2f}")
        rows.append(f'<tr class="odds-row" data-program="{r["horse_number"]}"><td class="pgm">{r["horse_number"]}'
                    f'</td><td class="horse">{escape(r["horse_name"])}</td><td class="win-odds">{shown}</td></tr>')
    status = "closed" if now >= post else "open"
    body = (_header(m, "Live Odds")
            + f'<div class="race-block" data-race-number="{race_number}">\n' + _race_info(race, m.track.tz)
            + f'<div class="pool" data-pool="win" data-status="{status}">WIN pool · decimal odds · as of '
              f'<time class="as-of" datetime="{_local(now, m.track.tz).isoformat()}">{_clock(now, m.track.tz)}</time>'
              '</div>\n<table class="odds"><thead><tr><th>Pgm</th><th>Horse</th><th>Win</th></tr></thead><tbody>\n'
            + "\n".join(rows) + "\n</tbody></table></div>\n")
    return _page(f"{m.track.name} race {race_number} odds", body)


def _position(r: pd.Series, dead_heat: bool) -> str:
    if r["status"] == "scratched":
        return "SCR"
    if pd.isna(r["finish_position"]):
        return "DNF"
    return f'{int(r["finish_position"])}{" DH" if dead_heat else ""}'


def _time(seconds: float) -> str:
    minutes, rest = divmod(round(seconds * 100), 6000)
    return f"{minutes}:{Decimal(rest).scaleb(-2):05.2f}" if minutes else f"{Decimal(rest).scaleb(-2):.2f}"


def results_page(m: Meeting) -> str:
    blocks = []
    for _, race in m.races.iterrows():
        runners = m.runners[m.runners["race_id"] == race["race_id"]].copy()
        runners["_order"] = runners["finish_position"].fillna(99).astype(int)
        counts = runners["finish_position"].value_counts()
        rows = []
        for _, r in runners.sort_values(["_order", "horse_number"], kind="stable").iterrows():
            finished = r["status"] == "finished"
            dead_heat = finished and counts.get(r["finish_position"], 0) > 1
            margin = f"{r['margin_lengths']:.2f}" if finished else ""
            time = _time(r["finish_time_s"]) if finished else ""
            odds = "" if r["final_odds"] is None else f"{r['final_odds']:.2f}"
            rows.append(
                f'<tr class="finisher" data-program="{r["horse_number"]}"><td class="pos">{_position(r, dead_heat)}'
                f'</td><td class="pgm">{r["horse_number"]}</td><td class="pp">{r["post_position"]}</td>'
                f'<td class="horse"><a href="/horses/{r["horse_id"]}">{escape(r["horse_name"])}</a></td>'
                f'<td class="jockey">{escape(r["jockey_name"])}</td><td class="trainer">{escape(r["trainer_name"])}'
                f'</td><td class="weight">{r["weight_lbs"]}</td>'
                f'<td class="margin">{margin}</td><td class="time">{time}</td><td class="odds">{odds}</td></tr>')
        divs = [f'<tr class="dividend" data-pool="{d["pool"]}"><td class="pool">{POOL_NAMES.get(d["pool"], d["pool"])}'
                f'</td><td class="combination">{d["combination"]}</td>'
                f'<td class="payout">${d["dividend"]:,.2f}</td></tr>'
                for _, d in m.dividends[m.dividends["race_id"] == race["race_id"]].iterrows()]
        blocks.append(
            f'<div class="race-block" id="race-{race["race_number"]}" data-race-number="{race["race_number"]}">\n'
            + _race_info(race, m.track.tz)
            + '<table class="results"><thead><tr><th>Fin</th><th>Pgm</th><th>PP</th><th>Horse</th><th>Jockey</th>'
              '<th>Trainer</th><th>Wgt</th><th>Lengths behind</th><th>Time</th><th>Odds</th></tr></thead><tbody>\n'
            + "\n".join(rows) + '\n</tbody></table>\n<table class="dividends"><caption class="base" data-stake="2" '
              'data-currency="USD">$2.00 base</caption><tbody>\n' + "\n".join(divs) + "\n</tbody></table></div>\n")
    return _page(f"{m.track.name} results {m.day.isoformat()}", _header(m, "Results") + "".join(blocks))
