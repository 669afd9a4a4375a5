"""Synthetic greyhound meetings for the exchange demo: two GB meetings a day, an Australian one most days.

GB: an afternoon and an evening meeting of 12 races, six traps, a race every 15-17 minutes; Australia: 10 races of
eight traps every 19-21 minutes on five days of the week. Each venue has a fixed kennel of 240 dogs (names
"Trap. Name", as Betfair's catalogue shows them; selection ids stable per dog), so trap and dog statistics build
up over days. A dog's chance is a softmax of its ability, a trap bias (the rails, traps 1 and 6, win a little more;
the market knows it) and the day's form; the winner is drawn from those chances, and the BSP is fair.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from ingestion.sources.synthetic import exchange_edge as edge
from ingestion.sources.synthetic.exchange_horses import event_id, event_name, market_id
from ingestion.sources.synthetic.exchange_market import MarketSpec, RunnerSpec
from ingestion.sources.synthetic.names import HORSE_SECOND
from ingestion.sources.synthetic.tracks import epoch_day, from_epoch

STREAM = 4_339
KENNEL = 240
SLOT0 = 50  # venue slots in market / event ids start here (horse tracks use 0-7)
# (venue, event-name short form, distances m, timezone, country)
GB = tuple((v, s, d, "Europe/London", "GB") for v, s, d in (
    ("Romford", "Romf", (400, 575)), ("Towcester", "Towc", (500, 725)), ("Hove", "Hove", (285, 515)),
    ("Sheffield", "Shef", (280, 500)), ("Nottingham", "Nott", (300, 500)), ("Monmore", "Monm", (264, 480)),
    ("Perry Barr", "PBarr", (275, 480)), ("Doncaster", "Donc", (275, 450)), ("Sunderland", "Sund", (261, 450)),
    ("Newcastle", "Newc", (290, 480)), ("Kinsley", "Kins", (268, 450)), ("Yarmouth", "Yarm", (277, 462))))
AU = (("The Meadows", "Meadows (AUS)", (525, 600), "Australia/Melbourne", "AU"),
      ("Sandown Park", "Sandown (AUS)", (515, 595), "Australia/Melbourne", "AU"),
      ("Wentworth Park", "Went (AUS)", (520, 720), "Australia/Sydney", "AU"),
      ("Albion Park", "Albion (AUS)", (395, 520), "Australia/Brisbane", "AU"))
VENUES = GB + AU
TRAP_BIAS = {6: np.array([0.08, 0.0, -0.03, -0.03, 0.0, 0.06]),
             8: np.array([0.10, 0.05, 0.0, -0.03, -0.05, -0.05, -0.05, 0.0])}
DOG_FIRST = ("Ballyvane", "Droimeen", "Kilcreen", "Moyvalley", "Rathbane", "Glenmore", "Coolrua", "Lisnagun",
             "Tullow", "Ardnagh", "Carrig", "Dunmore", "Fernhill", "Kilbrack", "Sliabh", "Barnane", "Clonmoy",
             "Graigue", "Inchmore", "Knockard")


@lru_cache(maxsize=32)
def kennel(seed: int, venue: int) -> tuple[tuple[str, ...], np.ndarray]:
    """(names, abilities) of a venue's dogs; dog k has selection id 40,000,000 + venue x 10,000 + k."""
    rng = np.random.default_rng([seed, STREAM, 0, venue])
    pairs = rng.choice(len(DOG_FIRST) * len(HORSE_SECOND), KENNEL, replace=False).tolist()  # no two alike
    names = tuple(f"{DOG_FIRST[p // len(HORSE_SECOND)]} {HORSE_SECOND[p % len(HORSE_SECOND)]}" for p in pairs)
    return names, rng.normal(0, 0.45, KENNEL)


def meetings(day: int) -> list[tuple[int, tuple[int, int], int, int, int]]:
    """(venue index, local first race (h, m), races, traps, minutes between races) of an epoch day."""
    afternoon = day % len(GB)
    evening = (day * 5 + 3) % len(GB)
    evening = (evening + 1) % len(GB) if evening == afternoon else evening
    out = [(afternoon, (13, 4), 12, 6, 15), (evening, (18, 12), 12, 6, 15)]
    if (day + 3) % 7 not in (0, 1):  # Australia races the other five days
        out.insert(0, (len(GB) + day % len(AU), (19, 20), 10, 8, 19))
    return out


def _race(seed: int, day: int, venue: int, number: int, traps: int, post: datetime, opened: datetime) -> MarketSpec:
    name, short, distances, tz, country = VENUES[venue]
    key = (seed, STREAM, day, venue, number)
    rng = np.random.default_rng([*key, 1])
    names, ability = kennel(seed, venue)
    dogs = rng.choice(KENNEL, traps, replace=False)
    strength = ability[dogs] + TRAP_BIAS[traps] + rng.normal(0, 0.35, traps)
    chance = np.exp(1.3 * strength)
    chance /= chance.sum()
    bsp = edge.bsp_from_chances(rng, chance)
    won = np.arange(traps) == rng.choice(traps, p=chance)
    moves = edge.assign_moves(rng, bsp, won)
    runners = tuple(
        RunnerSpec(40_000_000 + venue * 10_000 + int(dog), f"{trap}. {names[dog]}", trap,
                   "WINNER" if won[trap - 1] else "LOSER", float(bsp[trap - 1]), moves[trap - 1])
        for trap, dog in enumerate(dogs.tolist(), start=1))
    distance = distances[int(rng.random() < 0.25)]
    grade = f"A{rng.integers(1, 11)}" if country == "GB" else f"R{number}"
    return MarketSpec(
        market_id=market_id(day, SLOT0 + venue, number), event_id=event_id(day, SLOT0 + venue),
        event_type_id="4339", event_name=event_name(short, from_epoch(day)),
        market_name=f"{grade} {distance}m" + ("" if country == "GB" else f" Gr{rng.integers(4, 8)}"),
        venue=name, country_code=country, timezone=tz, market_time=post, open_date=opened, runners=runners,
        key=key, off_delay_s=int(rng.integers(0, 90)), race_s=float(rng.uniform(16, 21) * distance / 300),
        matched=float(np.round((5_000 if country == "GB" else 3_000) * rng.lognormal(0, 0.5), 2)))


def greyhound_markets(seed: int, start: date, end: date) -> list[MarketSpec]:
    """Every greyhound WIN market with a scheduled off on a day in [start, end] (local racing day), by day."""
    specs = []
    for day in range(epoch_day(start), epoch_day(end) + 1):
        d = from_epoch(day)
        for venue, (hour, minute), races, traps, spacing in meetings(day):
            rng = np.random.default_rng([seed, STREAM, day, venue])
            first = datetime(d.year, d.month, d.day, hour, minute, tzinfo=ZoneInfo(VENUES[venue][3]))
            gaps = np.concatenate([[0], spacing + rng.integers(0, 3, races - 1)]).cumsum().tolist()
            posts = [(first + timedelta(minutes=g)).astimezone(timezone.utc) for g in gaps]
            for number, post in enumerate(posts, start=1):
                specs.append(_race(seed, day, venue, number, traps, post, posts[0]))
    return specs
