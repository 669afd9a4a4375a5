"""The simulator's market: deterministic events, prices and scores as a function of (seed, wall-clock time).

Nothing is stored: any instant can be evaluated (live or historical), and two simulators with the same seed agree.
Each event has a fair home-win probability that drifts smoothly (a slow sine) and jumps at two "news" times; every
book prices the fair line with its own margin (2–8 % overround, Pinnacle and LowVig lowest) plus small noise that
changes every 10 minutes, which is also when its ``last_update`` moves.

Planted arbitrage: a fixed fraction (``ARB_FRACTION``) of two-way events has one retail book off-market on h2h —
it prices the favourite at 12 % less implied probability than fair (a stale line). Backing the favourite there and
the underdog at the best other book gives sum(1/decimal) ≈ 0.95–0.97 < 1. ``planted_arbitrage(event, now)`` names the
book and outcome; a detector should find exactly those events (when both sides' books are in the requested regions).
``plant(event_id, at)`` adds one more two-way event to them from ``at`` on, so a test or benchmark knows when an
opportunity appeared.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from backtests.betting.odds import decimal_from_american, to_price, whole_american

ARB_FRACTION = 0.2
ARB_SHADE = 0.88
PRICE_BUCKET = timedelta(minutes=10)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Sport:
    key: str
    title: str
    group: str
    teams: tuple[str, ...]
    per_day: int
    first_hour: float
    duration_h: float
    total: float
    spread_scale: float
    score_base: int
    score_range: int
    three_way: bool = False


@dataclass(frozen=True)
class Book:
    key: str
    title: str
    region: str
    margin: float
    retail: bool = True


SPORTS = {s.key: s for s in (
    Sport("basketball_nba", "NBA", "Basketball", ("Boston Celtics", "Miami Heat", "Denver Nuggets", "Los Angeles Lakers",
          "Golden State Warriors", "Milwaukee Bucks", "Phoenix Suns", "New York Knicks", "Dallas Mavericks",
          "Charlotte Hornets"), 4, 23.0, 2.5, 224.5, 28.0, 98, 30),
    Sport("americanfootball_nfl", "NFL", "American Football", ("Kansas City Chiefs", "Buffalo Bills",
          "Philadelphia Eagles", "Dallas Cowboys", "San Francisco 49ers", "Baltimore Ravens", "Detroit Lions",
          "Green Bay Packers"), 2, 18.0, 3.25, 44.5, 16.0, 10, 24),
    Sport("soccer_epl", "EPL", "Soccer", ("Arsenal", "Manchester City", "Liverpool", "Chelsea", "Tottenham Hotspur",
          "Newcastle United", "Aston Villa", "Brighton and Hove Albion"), 3, 12.5, 2.0, 2.5, 2.5, 0, 4, True),
    Sport("icehockey_nhl", "NHL", "Ice Hockey", ("Boston Bruins", "Toronto Maple Leafs", "Edmonton Oilers",
          "Colorado Avalanche", "Vegas Golden Knights", "New York Rangers", "Florida Panthers", "Dallas Stars"),
          3, 23.5, 2.5, 6.0, 0.0, 1, 5),
)}

BOOKS = (
    Book("pinnacle", "Pinnacle", "eu", 0.025, retail=False),
    Book("lowvig", "LowVig.ag", "us", 0.025),
    Book("betonlineag", "BetOnline.ag", "us", 0.04),
    Book("draftkings", "DraftKings", "us", 0.045),
    Book("fanduel", "FanDuel", "us", 0.045),
    Book("betmgm", "BetMGM", "us", 0.05),
    Book("williamhill_us", "Caesars", "us", 0.05),
    Book("pointsbetus", "PointsBet (US)", "us", 0.055),
    Book("bovada", "Bovada", "us", 0.06),
    Book("betrivers", "BetRivers", "us", 0.07),
)
RETAIL = tuple(b for b in BOOKS if b.retail)


def iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Market:
    def __init__(self, seed: int = 42, horizon_days: int = 5, past_days: int = 3):
        self.seed, self.horizon_days, self.past_days = seed, horizon_days, past_days
        self.plants: dict[str, datetime] = {}  # event id -> when its off-market price appears (``plant``)

    def u(self, *parts: object) -> float:
        """A uniform [0, 1) number fixed by the seed and ``parts``."""
        digest = hashlib.sha256("|".join(map(str, (self.seed, *parts))).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    # ---------- events
    def events(self, sport: Sport, now: datetime) -> list[dict]:
        """Events from ``past_days`` before to ``horizon_days`` after ``now``, ordered by start."""
        today = (now - EPOCH).days
        out = []
        for day in range(today - self.past_days, today + self.horizon_days + 1):
            for slot in range(sport.per_day):
                start = EPOCH + timedelta(days=day, hours=sport.first_hour + 1.5 * slot,
                                          minutes=5 * int(self.u("min", sport.key, day, slot) * 6))
                teams = list(sport.teams)
                home = teams.pop(int(self.u("home", sport.key, day, slot) * len(teams)))
                away = teams[int(self.u("away", sport.key, day, slot) * len(teams))]
                eid = hashlib.md5(f"{self.seed}|{sport.key}|{day}|{slot}".encode()).hexdigest()
                out.append({"id": eid, "sport_key": sport.key, "sport_title": sport.title, "commence": start,
                            "home_team": home, "away_team": away})
        return sorted(out, key=lambda e: (e["commence"], e["id"]))

    def fair_home(self, event: dict, now: datetime) -> float:
        """Fair P(home win) (of the decisive outcomes): a base, a slow drift and two jumps on news."""
        eid, hours = event["id"], (now - EPOCH).total_seconds() / 3600
        p = 0.3 + 0.45 * self.u("p0", eid)
        p += 0.04 * math.sin(2 * math.pi * hours / (30 + 20 * self.u("period", eid)) + 6.28 * self.u("phase", eid))
        for k in range(2):
            when = event["commence"] - timedelta(hours=120 * self.u("jt", eid, k))
            if now >= when:
                p += 0.07 * (self.u("jump", eid, k) - 0.5)
        return min(max(p, 0.08), 0.92)

    # ---------- prices
    def _price(self, implied: float) -> int:
        return whole_american(round(1 / implied, 6))

    def _noise(self, book: Book, eid: str, market: str, bucket: int, side: int) -> float:
        return 1 + 0.01 * (self.u("noise", book.key, eid, market, bucket, side) - 0.5)

    def plant(self, event_id: str, sport_key: str, at: datetime) -> None:
        """Make a two-way event an arbitrage from ``at`` on (three-way h2h has no planted form: its draw stays fair)."""
        if SPORTS[sport_key].three_way:
            raise ValueError(f"{sport_key} is three-way: arbitrage is planted on two-way sports only")
        self.plants[event_id] = at

    def planted_arbitrage(self, event: dict, now: datetime) -> tuple[str, str] | None:
        """(bookmaker, outcome) of the off-market h2h price of this event at ``now``, or None.

        The outcome is the current favourite, so it can flip when the fair line crosses 50 %."""
        sport = SPORTS[event["sport_key"]]
        planted_at = self.plants.get(event["id"])
        if sport.three_way or (self.u("arb", event["id"]) >= ARB_FRACTION and (planted_at is None or now < planted_at)):
            return None
        book = RETAIL[int(self.u("arbbook", event["id"]) * len(RETAIL))]
        favourite = event["home_team"] if self.fair_home(event, now) >= 0.5 else event["away_team"]
        return book.key, favourite

    def _h2h(self, sport, event, book, p, bucket, now) -> list[tuple[str, float, None]]:
        names = [event["home_team"], event["away_team"]]
        fair = [p, 1 - p]
        if sport.three_way:
            draw = 0.22 + 0.08 * self.u("draw", event["id"])
            fair = [p * (1 - draw), (1 - p) * (1 - draw), draw]
            names.append("Draw")
        implied = [f * (1 + book.margin) * self._noise(book, event["id"], "h2h", bucket, i) for i, f in enumerate(fair)]
        planted = self.planted_arbitrage(event, now)
        if planted and planted[0] == book.key:
            fav = 0 if p >= 0.5 else 1
            implied[fav] = fair[fav] * ARB_SHADE
        return [(n, x, None) for n, x in zip(names, implied)]

    def _line(self, exact: float, step: float) -> float:
        return round(exact / step) * step

    def _spreads(self, sport, event, book, p, bucket):
        if sport.key == "icehockey_nhl":
            exact, line = 0.0, (-1.5 if p >= 0.5 else 1.5)
        else:
            exact = -(p - 0.5) * sport.spread_scale
            shade = 0.5 * (int(self.u("shade", book.key, event["id"]) * 3) - 1)
            line = self._line(exact, 0.5 if sport.key != "soccer_epl" else 0.25) + shade
        cover = 0.5 + 0.03 * (exact - line) * (-1) if sport.key != "icehockey_nhl" else (0.38 if line < 0 else 0.62)
        cover = min(max(cover, 0.2), 0.8)
        sides = [(event["home_team"], cover, line), (event["away_team"], 1 - cover, -line)]
        return [(n, f * (1 + book.margin) * self._noise(book, event["id"], "spreads", bucket, i), pt)
                for i, (n, f, pt) in enumerate(sides)]

    def _totals(self, sport, event, book, now, bucket):
        hours = (now - EPOCH).total_seconds() / 3600
        exact = sport.total * (1 + 0.03 * math.sin(hours / 17 + 6.28 * self.u("tphase", event["id"])))
        line = self._line(exact, 0.5)
        over = min(max(0.5 + 0.04 * (exact - line) / max(sport.total / 50, 0.1), 0.3), 0.7)
        sides = [("Over", over, line), ("Under", 1 - over, line)]
        return [(n, f * (1 + book.margin) * self._noise(book, event["id"], "totals", bucket, i), pt)
                for i, (n, f, pt) in enumerate(sides)]

    def odds_event(self, event: dict, now: datetime, books, markets, odds_format: str) -> dict:
        """One event as The Odds API /odds renders it."""
        sport, p = SPORTS[event["sport_key"]], self.fair_home(event, now)
        bucket = int((now - EPOCH) / PRICE_BUCKET)
        rendered = []
        for book in books:
            updated = iso(EPOCH + bucket * PRICE_BUCKET + timedelta(seconds=int(59 * self.u("lu", book.key, bucket))))
            mks = []
            for market in markets:
                if market == "h2h":
                    sides = self._h2h(sport, event, book, p, bucket, now)
                elif market == "spreads":
                    sides = self._spreads(sport, event, book, p, bucket)
                else:
                    sides = self._totals(sport, event, book, now, bucket)
                outcomes = []
                for name, implied, point in sides:
                    american = self._price(implied)
                    price = american if odds_format == "american" else float(round(to_price(decimal_from_american(american)), 2))
                    outcomes.append({"name": name, "price": price, **({"point": point} if point is not None else {})})
                mks.append({"key": market, "last_update": updated, "outcomes": outcomes})
            rendered.append({"key": book.key, "title": book.title, "last_update": updated, "markets": mks})
        return {"id": event["id"], "sport_key": sport.key, "sport_title": sport.title,
                "commence_time": iso(event["commence"]), "home_team": event["home_team"],
                "away_team": event["away_team"], "bookmakers": rendered}

    # ---------- scores
    def score_event(self, event: dict, now: datetime) -> dict:
        sport = SPORTS[event["sport_key"]]
        end = event["commence"] + timedelta(hours=sport.duration_h)
        base = {"id": event["id"], "sport_key": sport.key, "sport_title": sport.title,
                "commence_time": iso(event["commence"]), "completed": now >= end,
                "home_team": event["home_team"], "away_team": event["away_team"], "scores": None, "last_update": None}
        if now < event["commence"]:
            return base
        final = [sport.score_base + int(self.u("score", event["id"], i) * sport.score_range) for i in (0, 1)]
        if final[0] == final[1] and not sport.three_way:
            final[0 if self.u("ot", event["id"]) < 0.55 else 1] += 1
        frac = min(1.0, (now - event["commence"]) / (end - event["commence"]))
        shown = final if frac >= 1 else [int(s * frac) for s in final]
        base["scores"] = [{"name": event["home_team"], "score": str(shown[0])},
                          {"name": event["away_team"], "score": str(shown[1])}]
        base["last_update"] = iso(min(now, end))
        return base
