"""Normalize The Odds API payloads into tidy DataFrames: events, one row per priced outcome, and scores.

Prices arrive in whichever ``oddsFormat`` was requested; both forms are kept (``price_american`` whole number,
``price_decimal`` Decimal at 4 dp), converted by ``backtests.betting.odds`` - the project's one odds converter - so downstream
code never converts again. Timestamps become tz-aware UTC. A payload whose *structure* is broken (not a list, an event
without its id or teams, bookmakers or outcomes that are not lists, an outcome without a name) raises ParseError
naming the field and the event. A defect in one *price* does not: books quote 1.0 on suspended lines, and losing a
whole sport's poll to one such outcome would be far worse than the bad price. The row keeps what could be read
(``price_decimal`` 1.0000, ``price_american`` null when no American form exists) and the odds gate
(``quality.suites_odds``) quarantines it with its reason while the rest of the poll loads. ``description`` is the
outcome's subject where the market has one (the team of ``team_totals``, the player of a prop): without it, team A
Over 24.5 and team B Under 24.5 would look like the two sides of one line.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from backtests.betting.odds import OddsError, decimal_from_american, to_price, whole_american
from ingestion.errors import ParseError

EVENT_COLUMNS = ["id", "sport_key", "sport_title", "commence_time", "home_team", "away_team"]
ODDS_COLUMNS = [
    "event_id", "bookmaker", "bookmaker_title", "market", "outcome", "description", "point", "price_american",
    "price_decimal", "bookmaker_last_update", "market_last_update",
]
SCORE_COLUMNS = [
    "event_id", "sport_key", "commence_time", "home_team", "away_team", "completed", "home_score", "away_score",
    "scores", "last_update",
]


def _req(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or obj.get(key) is None:
        raise ParseError(None if not isinstance(obj, Mapping) else obj.get(key), key, where)
    return obj[key]


def _list(obj: Mapping, key: str, where: str) -> list:
    value = _req(obj, key, where)
    if not isinstance(value, list):
        raise ParseError(type(value).__name__, key, where)
    return value


def _utc(value: Any, field: str, where: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ParseError(value, field, where) from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _dec(value: Any, field: str, where: str) -> Decimal:
    """A finite Decimal (JSON allows NaN and Infinity, which no price or point can be)."""
    if isinstance(value, bool):
        raise ParseError(value, field, where)
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ParseError(value, field, where) from exc
    if not result.is_finite():
        raise ParseError(value, field, where)
    return result


def _items(obj: Any, key: str) -> list:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, list) else []


def infer_odds_format(payload: list) -> str:
    """'american' when every price is a whole number of magnitude ≥ 100, else 'decimal'.

    Malformed parts are skipped here: ``parse_odds`` reaches them next and raises ParseError naming the field.
    """
    for event in payload if isinstance(payload, list) else []:
        for book in _items(event, "bookmakers"):
            for market in _items(book, "markets"):
                for outcome in _items(market, "outcomes"):
                    try:
                        price = _dec(outcome.get("price"), "price", "") if isinstance(outcome, Mapping) else None
                    except ParseError:
                        continue
                    if price is not None and (price != price.to_integral_value() or abs(price) < 100):
                        return "decimal"
    return "american"


PRICE_LIMIT = 10**9  # far beyond any price (the gate stops American at ±10000); keeps absurd numbers out of the maths


def _prices(raw: Any, odds_format: str) -> tuple[int | None, Decimal | None]:
    """(American, decimal) of one outcome's price; None where that form cannot be read or does not exist.

    Never raises: an unreadable price is a defect of that price, which the odds gate quarantines (``not_null``,
    ``price_decimal_ge_1_01``, ``price_american_not_within_100``) instead of failing the whole fetch."""
    try:
        value = _dec(raw, "price", "")
    except ParseError:
        return None, None
    if not -PRICE_LIMIT < value < PRICE_LIMIT:
        return None, None
    if odds_format == "american":
        if value % 1 != 0:
            return None, None
        try:
            return int(value), to_price(decimal_from_american(int(value)))
        except OddsError:  # |a| < 100: no decimal form; the American value itself shows the defect
            return int(value), None
    try:
        return whole_american(value), to_price(value)
    except OddsError:  # decimal ≤ 1 (1.0 on a suspended line): no American form
        return None, to_price(value)


def _event_row(event: Any, i: int) -> dict:
    where = f"event[{i}]"
    _req(event, "id", where)
    where = f"event {event['id']}"
    return {
        "id": str(event["id"]), "sport_key": _text(event, "sport_key", where), "sport_title": event.get("sport_title"),
        "commence_time": _utc(_req(event, "commence_time", where), "commence_time", where),
        "home_team": _text(event, "home_team", where), "away_team": _text(event, "away_team", where),
    }


def _text(obj: Mapping, key: str, where: str) -> str:
    value = _req(obj, key, where)
    if not isinstance(value, str):  # names and keys are strings; a list here would even break the scores lookup
        raise ParseError(value, key, where)
    return value


def parse_events(payload: list) -> pd.DataFrame:
    """One row per event of an /odds, /scores or /events payload."""
    if not isinstance(payload, list):
        raise ParseError(type(payload).__name__, "payload (expected a list of events)")
    return pd.DataFrame([_event_row(e, i) for i, e in enumerate(payload)], columns=EVENT_COLUMNS)


def _description(outcome: Mapping, where: str) -> str | None:
    value = outcome.get("description")
    if value is not None and not isinstance(value, str):
        raise ParseError(value, "description", where)
    return value


def _cached(cache: dict, raw: Any, convert: Callable[[Any], Any]) -> Any:
    """``convert(raw)`` once per distinct raw value of a payload: a poll repeats a few hundred prices, lines and
    timestamps over thousands of outcomes. Keyed by type too (``True == 1 == 1.0`` as keys, but not as prices), and
    by text where equal values print differently (``Decimal('3.0')`` and ``Decimal('3')``, ``-0.0`` and ``0.0``)."""
    kind = type(raw)
    try:
        key = (kind, str(raw)) if kind is Decimal or (kind is float and raw == 0) else (kind, raw)
        hit = cache.get(key, _MISS)
    except TypeError:  # unhashable junk (a list, an object): converted every time, as it raises or is rejected
        return convert(raw)
    if hit is _MISS:
        hit = cache[key] = convert(raw)
    return hit


_MISS = object()
_PRICES: dict[str, dict] = {}  # odds format -> raw price key -> (American, decimal): prices are a small universe
_PRICES_KEPT = 100_000


def parse_odds(payload: list, odds_format: str | None = None, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (event, bookmaker, market, outcome, description); ``point`` is Decimal for spreads/totals, None
    for h2h; prices that cannot be read come through as nulls (or 1.0) for the gate to quarantine.

    Built as column lists, each distinct point and timestamp converted once per payload and each distinct price once
    per process (``_cached``, a bounded memo): the per-outcome dict and Fraction maths were most of the odds
    ingest's time (benchmarks/odds_ingest.py)."""
    events = parse_events(payload) if events is None else events  # the event-level fields validated first
    fmt = odds_format or infer_odds_format(payload)
    cols: dict[str, list] = {c: [] for c in ODDS_COLUMNS}
    (event_ids, books, titles, markets, names, descriptions, points, americans, decimals, book_times,
     market_times) = (cols[c] for c in ODDS_COLUMNS)
    prices = _PRICES.setdefault(fmt, {})
    if len(prices) > _PRICES_KEPT:  # a process-wide memo of prices, bounded: junk values must not grow it forever
        prices.clear()
    lines: dict = {}
    price_of = lambda v: _prices(v, fmt)  # noqa: E731
    times: dict = {}
    for event, event_id in zip(payload, events["id"]):
        for b, book in enumerate(_list(event, "bookmakers", f"event {event_id}")):
            key = _req(book, "key", f"event {event_id} bookmaker[{b}]")
            bwhere = f"event {event_id} bookmaker {key}"
            title = book.get("title")
            book_update = _cached(times, book.get("last_update"), lambda v: _utc(v, "last_update", bwhere))
            for market in _list(book, "markets", bwhere):
                mkey = _req(market, "key", bwhere)
                mwhere = f"{bwhere} market {mkey}"
                market_update = _cached(times, market.get("last_update"), lambda v: _utc(v, "last_update", mwhere))
                market_update = market_update or book_update
                point_of = lambda v: _dec(v, "point", mwhere)  # noqa: E731 (names the market in its error)
                for outcome in _list(market, "outcomes", mwhere):
                    name = outcome.get("name") if type(outcome) is dict else None  # JSON objects decode as dicts
                    names.append(_req(outcome, "name", mwhere) if name is None else name)
                    american, decimal_price = _cached(prices, outcome.get("price"), price_of)
                    americans.append(american)
                    decimals.append(decimal_price)
                    descriptions.append(_description(outcome, mwhere))
                    point = outcome.get("point")
                    points.append(None if point is None else _cached(lines, point, point_of))
                event_ids.extend([event_id] * (len(names) - len(event_ids)))
                n = len(names) - len(books)
                books.extend([key] * n)
                titles.extend([title] * n)
                markets.extend([mkey] * n)
                book_times.extend([book_update] * n)
                market_times.extend([market_update] * n)
    frame = pd.DataFrame(cols, columns=ODDS_COLUMNS)
    frame["price_american"] = frame["price_american"].astype("Int64")  # null where a price has no American form
    frame["point"] = frame["point"].astype(object).where(frame["point"].notna(), None)
    return frame


def _score(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError as exc:
        raise ParseError(value, "score", where) from exc


def _team(score: Any, where: str) -> str:
    name = _req(score, "name", where)
    if not isinstance(name, str):  # a list or object cannot name a team (nor key the scores mapping)
        raise ParseError(name, "scores.name", where)
    return name


def parse_scores(payload: list) -> pd.DataFrame:
    """One row per event of a /scores payload; ``scores`` maps team → int (None before the event starts)."""
    events = parse_events(payload)
    rows = []
    for event, base in zip(payload, events.to_dict("records")):
        where = f"event {base['id']}"
        completed = event.get("completed")
        if not isinstance(completed, bool):
            raise ParseError(completed, "completed", where)
        raw_scores = event.get("scores")
        if raw_scores is not None and not isinstance(raw_scores, list):
            raise ParseError(type(raw_scores).__name__, "scores", where)
        scores = None if raw_scores is None else {
            _team(s, where): _score(s.get("score"), where) for s in raw_scores
        }
        rows.append({
            "event_id": base["id"], "sport_key": base["sport_key"], "commence_time": base["commence_time"],
            "home_team": base["home_team"], "away_team": base["away_team"], "completed": completed,
            "home_score": (scores or {}).get(base["home_team"]), "away_score": (scores or {}).get(base["away_team"]),
            "scores": scores, "last_update": _utc(event.get("last_update"), "last_update", where),
        })
    frame = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    for col in ("home_score", "away_score"):
        frame[col] = frame[col].astype("Int64")
    return frame
