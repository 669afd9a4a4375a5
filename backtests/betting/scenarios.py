"""What one sports bet returns for a final result, and every result that matters for a market's lines.

Why one module: the arbitrage scanner decides "guaranteed profit" and the backtest engine books a bet's P&L, and both
must read a line exactly as the bookmaker settles it — a push on a whole-number spread returns the stake, a quarter
line is half the stake on each neighbouring line, a three-way moneyline loses both team bets on a draw. Two copies
of those rules drift apart (the scanner once reported Bears −3 / Packers +3 at 2.08 as a certain 104 on 100: a
3-point margin pushes both bets and returns 100). So :func:`settle` is the only settlement of lines in the tree, and
:func:`scenarios` lists the results worth trying so that a worst case over them is the true worst case.

Conventions. A :class:`Selection` names its ``side``: ``home``/``away``/``draw`` on ``h2h`` and spreads (the
handicap ``point`` is the one quoted on that side), ``over``/``under`` on totals. On ``team_totals`` the points
counted are the ``team``'s (``home``/``away``) or, with no team, ``Result.total``. Returns are per unit stake,
``Decimal``: win = price, lose = 0, push = 1, half-win = (1 + price) / 2, half-loss = 1/2, void = 1. A two-way
moneyline (no draw quoted) refunds a tie; a three-way one pays only the draw on a tie.

Scores are whole numbers, so the results that matter for a set of lines are the integers just below, on and just
above each line (a quarter line contributes both of its halves): between two neighbouring lines every result returns
the same, so these integers visit every distinct outcome of the market.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Integral

import numpy as np

H2H_MARKETS = frozenset({"h2h"})
SPREAD_MARKETS = frozenset({"spreads", "alternate_spreads"})
TOTAL_MARKETS = frozenset({"totals", "alternate_totals", "team_totals", "alternate_team_totals"})
LINE_MARKETS = H2H_MARKETS | SPREAD_MARKETS | TOTAL_MARKETS
SIDES = {"h2h": ("home", "away", "draw"), "spread": ("home", "away"), "total": ("over", "under")}
ZERO, ONE, QUARTER = Decimal(0), Decimal(1), Decimal("0.25")


class ScenarioError(ValueError):
    """A market, side or result this module cannot settle; the message names the offending value."""


def as_decimal(value: object, name: str = "value") -> Decimal:
    """A finite Decimal from Decimal, int, str or float (floats via their shortest repr: 2.15 is 2.15)."""
    try:
        if type(value) is Decimal:  # already one (the common case, kept cheap: no abstract-class checks)
            number = value
        elif isinstance(value, float):  # numpy floats too: their repr is not the number's
            number = Decimal(repr(float(value)))
        else:
            number = Decimal(int(value) if isinstance(value, Integral) else value)
    except (ArithmeticError, ValueError, TypeError):
        raise ScenarioError(f"{name} {value!r} is not a number") from None
    if not number.is_finite():
        raise ScenarioError(f"{name} {value!r} is not a finite number")
    return number


@dataclass(frozen=True)
class Result:
    """A final result: both scores, or only the points a totals line is on (``total``); ``void`` refunds all bets."""

    home_score: Decimal | int | None = None
    away_score: Decimal | int | None = None
    total: Decimal | int | None = None
    void: bool = False

    @classmethod
    def from_margin(cls, margin: object) -> Result:
        """A result known only by its home margin (enough for moneylines and spreads)."""
        value = as_decimal(margin, "margin")
        return cls(max(value, ZERO), max(-value, ZERO))

    def margin(self) -> Decimal:
        if self.home_score is None or self.away_score is None:
            raise ScenarioError(f"{self} has no home and away score; a moneyline or spread needs both")
        return as_decimal(self.home_score, "home_score") - as_decimal(self.away_score, "away_score")

    def points(self, team: str | None = None) -> Decimal:
        """The points a totals line is on: one team's score, ``total`` if given, else both scores added."""
        if team is not None:
            score = {"home": self.home_score, "away": self.away_score}.get(team, "unknown")
            if score is None or score == "unknown":
                raise ScenarioError(f"{self} has no score for team {team!r}")
            return as_decimal(score, f"{team}_score")
        if self.total is not None:
            return as_decimal(self.total, "total")
        return self.margin() + 2 * as_decimal(self.away_score, "away_score")


@dataclass(frozen=True)
class Selection:
    """One outcome of a market: its side, its line (``point``) and, on team totals, whose points count."""

    side: str
    point: Decimal | float | None = None
    team: str | None = None


def _kind(market: str) -> str:
    if market in H2H_MARKETS:
        return "h2h"
    if market in SPREAD_MARKETS:
        return "spread"
    if market in TOTAL_MARKETS:
        return "total"
    raise ScenarioError(f"market {market!r} is not a line market ({', '.join(sorted(LINE_MARKETS))})")


def _halves(point: object) -> tuple[Decimal, ...]:
    """A quarter line (x.25 / x.75) is half the stake on each neighbouring line; any other line is one bet."""
    line = as_decimal(point, "point")
    return (line - QUARTER, line + QUARTER) if abs(line * 4) % 2 == 1 else (line,)


def _by_edge(edge: Decimal, price: Decimal) -> Decimal:
    return price if edge > 0 else ONE if edge == 0 else ZERO


def _checked(market: str, selection: Selection) -> str:
    kind = _kind(market)
    if selection.side not in SIDES[kind]:
        raise ScenarioError(f"side {selection.side!r} is not one of {SIDES[kind]} on market {market!r}")
    if kind != "h2h" and selection.point is None:
        raise ScenarioError(f"{selection.side} on {market!r} has no point")
    return kind


def _checked_price(price: object) -> Decimal:
    odds = as_decimal(price, "price")
    if odds < 1:
        raise ScenarioError(f"price {price!r} is below 1.0")
    return odds


def settle(market: str, selection: Selection, result: Result, price: object, *, three_way: bool = False) -> Decimal:
    """Return per unit stake of ``selection`` at decimal ``price`` once ``result`` is known (see module docstring)."""
    odds = _checked_price(price)
    kind = _checked(market, selection)
    if result.void:
        return ONE
    return _settled(kind, selection, result, odds, three_way)


def _settled(kind: str, selection: Selection, result: Result, odds: Decimal, three_way: bool,
             halves: tuple[Decimal, ...] | None = None) -> Decimal:
    """:func:`settle` of a checked leg in a result that is not void (``halves`` of its point, if known already)."""
    if kind == "total":
        points = result.points(selection.team)
        sign = 1 if selection.side == "over" else -1
        parts = [_by_edge(sign * (points - line), odds) for line in halves or _halves(selection.point)]
        return sum(parts, ZERO) / len(parts)
    margin = result.margin()
    if selection.side == "draw":
        return odds if margin == 0 else ZERO
    signed = margin if selection.side == "home" else -margin
    if kind == "h2h":
        return odds if signed > 0 else ZERO if signed < 0 or three_way else ONE
    parts = [_by_edge(signed + handicap, odds) for handicap in halves or _halves(selection.point)]
    return sum(parts, ZERO) / len(parts)


def _around(lines: Iterable[Decimal], floor_at: int | None = None) -> list[int]:
    """The integers just below, on (for whole lines) and just above every line, in order."""
    values = set()
    for line in lines:
        low, high = math.floor(line), math.ceil(line)
        values.update({low - 1, low, high, high + 1})
    return sorted(v for v in values if floor_at is None or v >= floor_at)


def scenarios(market: str, selections: Sequence[Selection], *, three_way: bool = False) -> list[Result]:
    """Every result that can settle ``selections`` differently: one per distinct row of returns (and a few repeats).

    Moneylines: home win, away win and — on a three-way market — the draw. Spreads: home margins around each line
    (the zero of ``home`` at handicap h is margin −h, of ``away`` margin +h). Totals: points ≥ 0 around each line.
    A void (the event abandoned, every stake refunded) is not listed: it is a refund, never a loss.
    """
    kinds = {_checked(market, selection) for selection in selections}
    kind = kinds.pop() if kinds else _kind(market)
    if kind == "h2h":
        return list(_results_at(None, (1, 0, -1) if three_way else (1, -1)))
    if kind == "spread":
        zeros = [-h if s.side == "home" else h for s in selections for h in _halves(s.point)]
        return list(_results_at(None, tuple(_around(zeros))))
    teams = {s.team for s in selections}
    if len(teams) > 1:
        raise ScenarioError(f"team totals of different teams {sorted(map(str, teams))} are not one market")
    team = teams.pop() if teams else None
    lines = [line for s in selections for line in _halves(s.point)]
    return list(_results_at(f"{team}_score" if team else "total", tuple(_around(lines, floor_at=0))))


@functools.lru_cache(maxsize=4096)
def _results_at(field: str | None, values: tuple[int, ...]) -> tuple[Result, ...]:
    """The results with these home margins (``field`` None) or these points in ``field``. Cached: lines sit on a
    half-point grid, so a scan of thousands of markets asks for the same few lists (results are immutable)."""
    return tuple(Result.from_margin(v) if field is None else Result(**{field: v}) for v in values)


def payoffs(market: str, selections: Sequence[Selection], prices: Sequence[object], *,
            three_way: bool = False) -> list[list[Decimal]]:
    """Return per unit stake of every selection (columns) in every scenario (rows) of :func:`scenarios`."""
    if len(selections) != len(prices):
        raise ScenarioError(f"{len(selections)} selections but {len(prices)} prices")
    results = scenarios(market, selections, three_way=three_way)  # checks every selection against the market
    if not results:
        return []
    # Each leg is checked once, not once per scenario: a scan stakes thousands of markets. (The scenarios' results
    # always have the scores a line needs, so checking up front raises what settling cell by cell would.)
    kind = _kind(market)
    legs = [(kind, selection, _checked_price(price), None if kind == "h2h" else _halves(selection.point))
            for selection, price in zip(selections, prices)]
    return [[ONE if result.void else _settled(kind, selection, result, odds, three_way, halves)
             for kind, selection, odds, halves in legs]
            for result in results]


def line_returns(markets, sides, points, home_scores, away_scores, odds, three_way) -> np.ndarray:
    """Gross return per unit (float, for the backtest engine) of each row's bet, settled by :func:`settle`: h2h,
    spreads and totals alike, so a backtest books a whole-number spread's push, a quarter line's half win and a
    soccer draw exactly as the arbitrage scanner reads them. ``markets`` and ``three_way`` may be one value for all
    rows. A row that cannot be settled (an unknown side, a missing score or point, a bad price) is NaN, for the caller
    to leave out. Settled once per distinct row: a season repeats the same (line, result, price) many times."""
    n = len(odds)
    markets, flags = (np.broadcast_to(np.asarray(v, dtype=t), (n,)) for v, t in ((markets, object), (three_way, bool)))
    cache: dict[tuple, float] = {}
    gross = np.empty(n)
    for i, key in enumerate(zip(markets, np.asarray(sides), np.asarray(points, dtype=float),
                                np.asarray(home_scores, dtype=float), np.asarray(away_scores, dtype=float),
                                np.asarray(odds, dtype=float), flags)):
        if key not in cache:
            market, side, point, home, away, price, flag = key
            try:
                result = Result(as_decimal(home, "home_score"), as_decimal(away, "away_score"))
                selection = Selection(str(side), None if point != point else point)
                cache[key] = float(settle(str(market), selection, result, price, three_way=bool(flag)))
            except ScenarioError:
                cache[key] = np.nan
        gross[i] = cache[key]
    return gross


def moneyline_returns(sides, home_margins, odds, three_way) -> np.ndarray:
    """:func:`line_returns` of moneylines known only by the home margin (the NBA closing-line file): a three-way
    market pays only the draw on a tie, a two-way one refunds it; a missing margin is NaN."""
    margins = np.asarray(home_margins, dtype=float)
    return line_returns("h2h", sides, np.full(len(margins), np.nan), np.maximum(margins, 0), np.maximum(-margins, 0),
                        odds, three_way)
