"""Arbitrage stakes: the cent stakes that make a market's worst case as good as possible, within each book's limit.

Why the worst case over scenarios: an arbitrage guarantees only what its stakes return in the result that pays least,
and that result is not always "one leg wins". A whole-number spread can push both legs, a quarter line can half-win
one leg and half-lose the other. So a plan is judged on a payoff matrix — return per unit stake of every leg
(columns) in every result that matters (rows), built by :mod:`backtests.betting.scenarios` — and the guaranteed return is the
minimum over its rows of the *cent-rounded* stakes. A one-winner market (moneyline, racing win) is the diagonal case.

Choosing the stakes: the best real split w (fractions of the total) maximizes min over scenarios of Σ wᵢ·payoffᵢ.
Book limits then cap the total: a book may take at most its limit, so the plan is scaled down until no book is over
(the book that sets the scale is *binding*); every leg shrinks with it, since stakes on the other books alone would
no longer cover every result. Only then is the total rounded to cents and split: by handing out cents one at a time
(one-winner markets; provably optimal for a max-min of increasing returns), or exactly on the two-leg line markets
(the worst case is concave in the first leg's stake, so the best cent stake is next to the real optimum).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from backtests.betting.odds import OddsError, validate_decimal
from backtests.betting.scenarios import ScenarioError, as_decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
MAX_ROUNDING_RETRIES = 50


def to_decimal(value: object) -> Decimal:
    """A validated decimal price as Decimal (floats via their shortest repr).

    A finite float or Decimal above 1 is converted directly: the exact-rational check of :func:`validate_decimal`
    gives the same verdict on it and costs more than the staking of a market. Anything else takes that check and
    fails (or passes) exactly as it says.
    """
    number = Decimal(repr(float(value))) if isinstance(value, float) else value if type(value) is Decimal else None
    if number is not None and number.is_finite() and number > 1:
        return number
    validate_decimal(value)
    return as_decimal(value, "price")


def _cents(value: Fraction | Decimal, rounding: str = ROUND_FLOOR) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    return max(exact.quantize(CENT, rounding=rounding), ZERO)


def _book_room(stakes: Sequence[Decimal], bookmakers: Sequence[str], caps: Mapping[str, Decimal], leg: int) -> bool:
    book = bookmakers[leg]
    return book not in caps or sum(s for s, b in zip(stakes, bookmakers) if b == book) + CENT <= caps[book]


def optimal_stakes(decimal_odds: Sequence[object], total_stake: Decimal, bookmakers: Sequence[str] | None = None,
                   caps: Mapping[str, Decimal] | None = None) -> list[Decimal]:
    """Split total_stake over a one-winner market so the smallest return is as large as possible (to the cent).

    Handing cents one at a time to the leg that currently returns least maximizes the worst-case return. Rather
    than start from zero, start where that process passes at a return level m0 just below the ideal — every leg at
    the smallest cent stake returning ≥ m0 — which leaves only a few cents to hand out. A leg whose book is at its
    cap (``caps`` by bookmaker) gets no more cents.
    """
    odds = [to_decimal(price) for price in decimal_odds]
    total = Decimal(total_stake)
    if total <= 0 or total != total.quantize(CENT):
        raise ValueError(f"total stake must be a positive whole number of cents, got {total_stake!r}")
    if len(odds) < 2:
        raise OddsError(list(decimal_odds), "staking needs at least two outcomes")
    books, caps = list(bookmakers or [str(i) for i in range(len(odds))]), dict(caps or {})
    level = max(total - CENT * len(odds), ZERO) / sum(1 / price for price in odds)
    stakes = [(level / price).quantize(CENT, rounding=ROUND_CEILING) for price in odds]
    for _ in range(int((total - sum(stakes)) / CENT)):
        open_legs = [i for i in range(len(odds)) if _book_room(stakes, books, caps, i)]
        if not open_legs:
            raise ValueError(f"book limits {caps} cannot take a total of {total}")
        stakes[min(open_legs, key=lambda i: (stakes[i] * odds[i], -odds[i]))] += CENT
    return stakes


def one_winner_odds(payoffs: Sequence[Sequence[Decimal]]) -> list[Decimal] | None:
    """The legs' prices when exactly one leg pays in each scenario and each leg pays in one (else None)."""
    legs = len(payoffs[0]) if payoffs else 0
    paying = [[j for j, value in enumerate(row) if value != 0] for row in payoffs]
    if len(payoffs) != legs or any(len(p) != 1 for p in paying) or sorted(p[0] for p in paying) != list(range(legs)):
        return None
    odds = [ZERO] * legs
    for row, (leg,) in zip(payoffs, paying):
        odds[leg] = row[leg]
    return odds


def _two_leg_share(payoffs: Sequence[Sequence[Decimal]]) -> Fraction:
    """The first leg's share x ∈ [0, 1] maximizing min over rows of a·x + b·(1 − x), exactly (at a breakpoint)."""
    rows = [(Fraction(a), Fraction(b)) for a, b in payoffs]
    candidates = {Fraction(0), Fraction(1)}
    for i, (a1, b1) in enumerate(rows):
        for a2, b2 in rows[i + 1:]:
            slope = (a1 - b1) - (a2 - b2)
            if slope != 0 and 0 <= (x := (b2 - b1) / slope) <= 1:
                candidates.add(x)
    return max(sorted(candidates), key=lambda x: sorted(a * x + b * (1 - x) for a, b in rows))


def scenario_returns(stakes: Sequence[Decimal], payoffs: Sequence[Sequence[Decimal]]) -> list[Decimal]:
    return [sum((stake * value for stake, value in zip(stakes, row)), ZERO) for row in payoffs]


def _two_leg_stakes(payoffs, total: Decimal, share: Fraction, low: Decimal, high: Decimal) -> list[Decimal]:
    """Best cent stake of leg one in [low, high] (the worst case is concave in it, so next to the real optimum)."""
    ideal = min(max(Fraction(total) * share, Fraction(low)), Fraction(high))
    options = {min(max(_cents(ideal, rounding), low), high) for rounding in (ROUND_FLOOR, ROUND_CEILING)}
    best = max(sorted(options), key=lambda first: sorted(scenario_returns([first, total - first], payoffs)))
    return [best, total - best]


@dataclass(frozen=True)
class StakePlan:
    """Cent stakes for one opportunity and what they guarantee: the worst case over the market's scenarios.

    ``returns`` is what each leg pays if it wins outright; ``scenario_returns`` what all legs together return in each
    scenario (rows of the payoff matrix), whose minimum is ``guaranteed_return``.
    """

    stakes: list[Decimal]
    returns: list[Decimal]
    total_stake: Decimal
    guaranteed_return: Decimal
    profit: Decimal
    profit_pct: Decimal
    binding_bookmaker: str | None
    scenario_returns: list[Decimal]


def _scaled_total(total: Decimal, odds: Sequence[Decimal] | None, share: Fraction | None,
                  bookmakers: Sequence[str] | None,
                  max_stakes: Mapping[str, object] | None) -> tuple[Decimal, str | None, dict[str, Decimal]]:
    """The largest cent total ≤ ``total`` at which no book's share exceeds its limit, and the binding book.

    Each leg's share of the total is that of the best real split: ∝ 1/price on a one-winner market (``odds``), else
    ``share`` and 1 − ``share`` of a two-leg line. Only worked out when there are limits (exact fractions are slow).
    """
    if not max_stakes or not bookmakers:
        return total, None, {}
    if odds is not None:
        inverse = [1 / Fraction(price) for price in odds]
        weights = [x / sum(inverse) for x in inverse]
    else:
        weights = [share, 1 - share]
    caps = {book: _cents(Decimal(str(limit))) for book, limit in max_stakes.items() if book in bookmakers}
    best, binding = Fraction(total), None
    for book, cap in caps.items():
        share = sum((w for w, b in zip(weights, bookmakers) if b == book), Fraction(0))
        if share > 0 and Fraction(cap) / share < best:
            best, binding = Fraction(cap) / share, book
    return _cents(best), binding, caps


def _split(odds, payoffs, total, bookmakers, caps, share):
    books = list(bookmakers or [str(i) for i in range(len(payoffs[0]))])
    if odds is not None:
        return optimal_stakes(odds, total, books, caps)
    cap_of = [caps.get(book, total) for book in books]
    if books[0] == books[1]:
        return _two_leg_stakes(payoffs, total, share, ZERO, total)
    return _two_leg_stakes(payoffs, total, share, max(total - cap_of[1], ZERO), min(total, cap_of[0]))


def _fits(stakes, bookmakers, caps) -> bool:
    books = bookmakers or []
    return all(sum(s for s, b in zip(stakes, books) if b == book) <= cap for book, cap in caps.items())


def plan_stakes(decimal_odds: Sequence[object], total_stake: Decimal, bookmakers: Sequence[str] | None = None,
                max_stakes: Mapping[str, object] | None = None,
                payoffs: Sequence[Sequence[Decimal]] | None = None) -> StakePlan:
    """The plan for up to ``total_stake``: the best split, scaled to the binding book limit, rounded to cents.

    ``payoffs`` (scenarios × legs, per unit stake) defaults to a one-winner market of ``decimal_odds``. A limit of 0
    (or one too small for a cent on every leg) gives a plan that stakes nothing: zero stakes, total and profit.
    """
    prices = [to_decimal(price) for price in decimal_odds]
    total = Decimal(total_stake)
    if total <= 0 or total != total.quantize(CENT):
        raise ValueError(f"total stake must be a positive whole number of cents, got {total_stake!r}")
    # identical scenarios (margins 4 and 5 on a 3.5 line) settle alike: one row each is enough for a minimum
    matrix = list(dict.fromkeys(tuple(row) for row in payoffs)) if payoffs is not None else [
        tuple(price if i == j else ZERO for j, price in enumerate(prices)) for i, price in enumerate(prices)]
    odds = one_winner_odds(matrix)
    if odds is None and len(prices) != 2:
        raise ScenarioError(f"a market of {len(prices)} legs that is not one-winner cannot be staked")
    share = None if odds is not None else _two_leg_share(matrix)
    scaled, binding, caps = _scaled_total(total, odds, share, bookmakers, max_stakes)
    stakes = [ZERO] * len(prices)
    for _ in range(MAX_ROUNDING_RETRIES):  # rounding may put a book a cent over its limit: one cent less, again
        if scaled < CENT * len(prices):
            break
        try:
            stakes = _split(odds, matrix, scaled, bookmakers, caps, share)
        except ValueError:
            stakes = [ZERO] * len(prices)
        if _fits(stakes, bookmakers, caps) and any(stakes):
            break
        scaled, stakes = scaled - CENT, [ZERO] * len(prices)
    staked = sum(stakes, ZERO)
    outcomes = scenario_returns(stakes, matrix)
    guaranteed = min(outcomes)
    profit = guaranteed - staked
    pct = (profit / staked * 100).quantize(Decimal("0.0001")) if staked else ZERO
    return StakePlan(stakes, [s * p for s, p in zip(stakes, prices)], staked, guaranteed, profit, pct, binding,
                     outcomes)
