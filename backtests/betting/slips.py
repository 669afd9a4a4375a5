"""Bet-slip notation: how a placed bet is written down, read into a ticket the settlement core can pay.

``bet_type`` is a pool the warehouse holds dividends for (``POOLS``) or an alias (perfecta, tri, super, ...), with an
optional ``_box`` / ``_key`` suffix; ``selections`` is ``3`` · ``3-7-1`` (straight, in finishing order) ·
``3,7,1 box`` · ``3 key 7,9,1`` (banker(s) first) · ``3/7,9/1,2,5`` (one standout list per leg), horses 1-99.
Each parser raises a plain ``ValueError`` saying what is wrong.

Part of the betting core rather than of the ledger file reader (``ingestion.ledger``) because two sides read it: the
reader, to validate a row and store its canonical text, and the portfolio (``backtests.live.portfolio``), to turn the
stored text back into the ticket it settles; the betting core may not import ``ingestion``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backtests.betting import tickets
from backtests.betting.pools import POOL_RULES, POOLS

BET_TYPES = POOLS  # every warehouse pool has a settlement rule (POOL_RULES)
ALIASES = {"perfecta": "exacta", "tri": "trifecta", "triple": "trifecta", "super": "superfecta",
           "first_four": "first4", "first_4": "first4", "qp": "quinella_place", "place_quinella": "quinella_place",
           "quin": "quinella"}
MAX_COMBINATIONS = 50_000  # a 15-horse first4 box is 1,365; beyond this a row is a typo, not a ticket
MAX_HORSE = 99

_HORSE = re.compile(r"^\d{1,2}$")
_LIST_SPLIT = re.compile(r"[,\s\-]+")
_KEY = re.compile(r"^(.+?)\s+(?:key|with)\s+(.+)$", re.IGNORECASE)
_BOX = re.compile(r"^(.+?)\s+box$", re.IGNORECASE)


def cell_text(value: object) -> str:
    """A cell as stripped text ('' for None): what every ledger field parser starts from."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.strip()


@dataclass(frozen=True)
class LedgerBet:
    """A parsed bet. ``selections`` is canonical (re-parsing it gives the same ticket); money and odds are Decimal."""

    row: int
    bet_id: str
    placed_at: datetime
    race_id: str
    bet_type: str
    form: str
    selections: str
    combinations: int
    stake: Decimal
    odds_taken: Decimal | None = None
    odds_text: str | None = None
    bookmaker: str | None = None

    def ticket(self) -> tickets.Ticket:
        return parse_selections(self.bet_type, self.selections)[0]


def parse_bet_type(value: object) -> tuple[str, str | None]:
    """(pool, form hint) from "Trifecta", "exacta box", "superfecta-key", "perfecta"; ValueError when unknown."""
    word = re.sub(r"[\s\-]+", "_", cell_text(value).lower())
    hint = None
    for suffix in ("box", "key"):
        if word.endswith("_" + suffix):
            word, hint = word[: -len(suffix) - 1], suffix
    pool = ALIASES.get(word, word)
    if pool not in BET_TYPES:
        raise ValueError(f"unknown bet type; use one of {', '.join(BET_TYPES)} (optionally with _box or _key)")
    return pool, hint


def _horses(text: str) -> list[int]:
    parts = [p for p in _LIST_SPLIT.split(text.strip()) if p]
    if not parts:
        raise ValueError("no horse numbers")
    horses = []
    for part in parts:
        if not _HORSE.match(part) or not 1 <= int(part) <= MAX_HORSE:
            raise ValueError(f"{part!r} is not a horse number (1-{MAX_HORSE})")
        horses.append(int(part))
    if len(set(horses)) != len(horses):
        raise ValueError("a horse is listed twice")
    return horses


def _canonical(ticket: tickets.Ticket, bankers: list[int] | None = None) -> str:
    if ticket.form == "box":
        return ",".join(map(str, sorted(ticket.positions[0] if ticket.ordered else ticket.others))) + " box"
    if ticket.form == "key":
        others = sorted((ticket.positions[-1] if ticket.ordered else ticket.others - ticket.bankers))
        return "-".join(map(str, bankers or sorted(ticket.bankers))) + " key " + ",".join(map(str, others))
    if ticket.form == "positional":
        return "/".join(",".join(map(str, sorted(leg))) for leg in ticket.positions)
    combination = next(ticket.combinations())
    return "-".join(map(str, combination))


def parse_selections(pool: str, value: object, hint: str | None = None) -> tuple[tickets.Ticket, str]:
    """(ticket, canonical text) for the selections of a ``pool`` bet; ValueError saying what is wrong."""
    text = cell_text(value)
    rule = POOL_RULES[pool]
    box_match, key_match = _BOX.match(text), _KEY.match(text)
    if box_match or (hint == "box" and not key_match and "/" not in text):
        horses = _horses(box_match.group(1) if box_match else text)
        if len(horses) < rule.legs:
            raise ValueError(f"a {pool} box needs at least {rule.legs} horses")
        ticket = tickets.box(pool, horses)
    elif key_match:
        bankers, others = _horses(key_match.group(1)), _horses(key_match.group(2))
        if len(bankers) >= rule.legs:
            raise ValueError(f"a {pool} key takes fewer than {rule.legs} banker(s)")
        if set(bankers) & set(others):
            raise ValueError("a banker is also listed with the others")
        if len(bankers) + len(others) < rule.legs:
            raise ValueError(f"a {pool} key needs {rule.legs} horses in all")
        ticket = tickets.key(pool, bankers, others)
        return ticket, _canonical(ticket, bankers)
    elif hint == "key":
        raise ValueError("a key bet is written 'banker key others', e.g. '3 key 1,7,9'")
    elif "/" in text:
        if not rule.ordered:
            raise ValueError(f"{pool} is unordered: list the horses, or use 'box' or 'key'")
        legs = [_horses(leg) for leg in text.split("/")]
        if len(legs) != rule.legs:
            raise ValueError(f"{pool} takes {rule.legs} leg(s), got {len(legs)}")
        field_horses = sorted({h for leg in legs for h in leg})
        ticket = tickets.positional(pool, legs, field_horses)
        if all(len(leg) == 1 for leg in legs):
            ticket = tickets.straight(pool, [leg[0] for leg in legs])
    else:
        horses = _horses(text)
        if len(horses) != rule.legs:
            raise ValueError(f"a straight {pool} takes {rule.legs} horse(s), got {len(horses)}; "
                             "add 'box' or use 'key' for more")
        ticket = tickets.straight(pool, horses)
    count = ticket.count()
    if count == 0:
        raise ValueError("the selections make no valid combination")
    if count > MAX_COMBINATIONS:
        raise ValueError(f"{count:,} combinations (more than {MAX_COMBINATIONS:,})")
    return ticket, _canonical(ticket)
