"""Matched Betfair Exchange bets settled the way the exchange settles them: non-runners, dead heats, commission.

Why its own module: an exchange market is not a bookmaker line (:mod:`backtests.betting.scenarios`) nor a tote pool
(:mod:`backtests.betting.tickets`). Its bets are matched at different times against a field that shrinks, one
customer's bets are netted per market before the exchange takes its cut, and the backtests must book exactly what
Betfair would have paid — flumine, the reference backtester, books P&L before commission and reduces place-market
prices with the win-market rule. The rules, with their sources:

1. **Non-runners** (Betfair Exchange Rules, horse racing, "Betfair Non-Runner Rule"; support answers 408 and 406).
   Bets on a REMOVED runner are void: stake returned, no P&L. Bets on the other runners matched *before* the
   removal (``matched_at < removal_date``) are reduced by the removed runner's reduction factor R
   (``adjustmentFactor``, a percentage); bets matched at or after it are not. Several removals apply one after the
   other, in removal order ("these might be further reduced if another horse is subsequently declared a non-runner").
   - WIN markets: the *traded price* is reduced, new price = price − price × R / 100 (rule 13.7: "a traded price of
     8.0 would become 6.0" for R = 25 %; answer 408: 8.6 at 16.2 % becomes 7.21). Reduction factors below 2.5 % are
     not applied in win markets: answer 406 lists "all reduction factors will be applied (2.5 % or less included)"
     as a place-market difference; the boundary (2.5 itself applies) follows the rules' wording for lay offers kept
     in play, reduced in win markets "providing the relevant non-runner has a reduction factor of at least 2.5 %",
     and flumine's ``WIN_MINIMUM_ADJUSTMENT_FACTOR = 2.5``.
   - PLACE (and OTHER_PLACE) markets: the *potential winnings* are reduced, new price = 1 + (price − 1)(1 − R/100)
     (answer 406: 8.0 at 25 % becomes 6.25, not 6.0), and every reduction factor applies, 2.5 % or less included.
   - Each reduced price is rounded to the cent (half up, as answer 408 rounds 1.3932 to 1.39) and never goes below
     the exchange's minimum price 1.01 (flumine's ``_calculate_reduction_factor`` does the same: ``round(…, 2)``,
     ``max(…, 1.01)``). A lay bet's price is reduced like the back bet it matched, so its liability shrinks too.
   - Other market types (EACH_WAY applies place terms to the reduced win price) are refused when a reduction would
     apply, rather than settled by a guess.

2. **Dead heats** (Betfair Exchange Rules, General Rules, "Dead Heat Rule"; support answer 403). When more runners
   are WINNERs than the market's ``numberOfWinners``, a bet on a dead-heater has its stake reduced to stake × places
   left for its group / runners in its group; the reduced stake wins at the traded (reduced) price and the rest of
   the stake is lost (paid to the layers). "Places left" counts the places not already taken by runners finishing
   strictly ahead: in a 3-place market with one outright winner and four runners dead-heating for second, each of
   the four is settled on 2/4 of its stake (Betdaq's worded example; Betfair's answer 403 gives the same formula,
   "stake × no. of payouts / no. of tied runners"), and the outright winner on all of it. Betfair's stream marks
   every dead-heater WINNER without saying who tied with whom, so when that is ambiguous (more winners than places
   in a market with more than one place) the runners' official finishing ``position`` (equal = dead heat) must be
   given. Lay bets mirror back bets: whatever the backer wins, the layer loses.

3. **Commission** (support answer 413): "Betfair charges Commission only on your net winnings on a market":
   commission = net winnings × market base rate × (1 − discount rate), charged once per market on the sum of the
   customer's P&L there, and nothing when that sum is ≤ 0 — never per bet (so :func:`backtests.betting.staking`'s
   per-bet ``net_return`` agrees only when a market holds one bet). Rounded to the cent, half up.

4. **BSP bets** are matched at the reconciled starting price and settle like any other: the caller passes the BSP as
   ``price`` and the reconciliation time (the off) as ``matched_at``, so removals before the off do not reduce them
   and a late non-runner does (support: "we apply the non runner's reduction factor to the original SP odds").

Money is Decimal in and out; each bet's profit is rounded to the cent once (half up, symmetric for back and lay).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
MIN_PRICE = Decimal("1.01")
WIN_MINIMUM_REDUCTION = Decimal("2.5")  # percent: smaller reduction factors are not applied in win markets
WIN_MARKETS = frozenset({"WIN"})
PLACE_MARKETS = frozenset({"PLACE", "OTHER_PLACE"})
VOID_STATUSES = frozenset({"REMOVED", "REMOVED_VACANT"})
RUNNER_STATUSES = VOID_STATUSES | {"WINNER", "LOSER", "PLACED"}
ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)


class ExchangeSettlementError(ValueError):
    """A bet or market this module cannot settle; the message names the offending value."""


def _utc_aware(value: datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ExchangeSettlementError(f"{name} {value!r} is not timezone-aware")


@dataclass(frozen=True)
class MatchedBet:
    """One matched bet. ``size`` is the backer's stake on both sides: a lay of size s at price p risks s × (p − 1)."""

    side: str
    selection_id: int
    price: Decimal
    size: Decimal
    matched_at: datetime
    market_id: str
    is_bsp: bool = False

    def __post_init__(self) -> None:
        if self.side not in ("back", "lay"):
            raise ExchangeSettlementError(f"side {self.side!r} is neither 'back' nor 'lay'")
        if not isinstance(self.price, Decimal) or not isinstance(self.size, Decimal):
            raise ExchangeSettlementError(f"price {self.price!r} and size {self.size!r} must be Decimal")
        if self.price < MIN_PRICE or self.size <= 0:
            raise ExchangeSettlementError(f"price {self.price} below {MIN_PRICE} or size {self.size} not positive")
        _utc_aware(self.matched_at, "matched_at")

    @property
    def liability(self) -> Decimal:
        return self.size if self.side == "back" else self.size * (self.price - ONE)


@dataclass(frozen=True)
class SettledRunner:
    """A runner's final state from the market definition; ``position`` only where dead heats need it (rule 2)."""

    selection_id: int
    status: str
    adjustment_factor: Decimal | None = None
    removal_date: datetime | None = None
    position: int | None = None

    def __post_init__(self) -> None:
        if self.status not in RUNNER_STATUSES:
            raise ExchangeSettlementError(f"runner {self.selection_id} status {self.status!r} is not settled "
                                          f"({', '.join(sorted(RUNNER_STATUSES))})")
        if self.status in VOID_STATUSES and self.removal_date is None:
            raise ExchangeSettlementError(f"removed runner {self.selection_id} has no removal_date")
        _utc_aware(self.removal_date, "removal_date")


@dataclass(frozen=True)
class SettledMarket:
    market_id: str
    market_type: str
    number_of_winners: int
    market_base_rate: Decimal  # percent, e.g. 5
    runners: tuple[SettledRunner, ...]

    def __post_init__(self) -> None:
        ids = [runner.selection_id for runner in self.runners]
        if len(set(ids)) != len(ids):
            raise ExchangeSettlementError(f"market {self.market_id} lists a runner twice: {ids}")
        if self.number_of_winners < 1:
            raise ExchangeSettlementError(f"market {self.market_id} has {self.number_of_winners} winners")
        if any(r.status == "PLACED" for r in self.runners):
            raise ExchangeSettlementError(f"market {self.market_id}: PLACED runners belong to EACH_WAY markets, "
                                          "which this module does not settle")


@dataclass(frozen=True)
class BetSettlement:
    bet: MatchedBet
    status: str  # won | lost | void | dead_heat
    effective_price: Decimal  # after the reductions of rule 1
    winning_fraction: Fraction  # share of the stake settled as winning: 1, 0 or places left / runners sharing
    profit: Decimal


@dataclass(frozen=True)
class MarketSettlement:
    market_id: str
    bets: tuple[BetSettlement, ...]
    gross_profit: Decimal  # before commission
    commission: Decimal
    net_profit: Decimal  # after commission


def reduce_price(price: Decimal, market_type: str, reduction_factors: Iterable[Decimal]) -> Decimal:
    """The price after each reduction factor (percent) in turn, by rule 1 for the market type."""
    for factor in reduction_factors:
        if market_type in WIN_MARKETS:
            if factor < WIN_MINIMUM_REDUCTION:
                continue
            price = price * (HUNDRED - factor) / HUNDRED
        elif market_type in PLACE_MARKETS:
            price = ONE + (price - ONE) * (HUNDRED - factor) / HUNDRED
        else:
            raise ExchangeSettlementError(f"no reduction-factor rule for market type {market_type!r}")
        price = max(price.quantize(CENT, rounding=ROUND_HALF_UP), MIN_PRICE)
    return price


def reductions_for(bet: MatchedBet, market: SettledMarket) -> list[Decimal]:
    """Reduction factors of the runners removed after ``bet`` was matched, in removal order (its own runner aside)."""
    removed = sorted((r for r in market.runners if r.status in VOID_STATUSES and r.selection_id != bet.selection_id
                      and r.adjustment_factor and bet.matched_at < r.removal_date), key=lambda r: r.removal_date)
    return [Decimal(r.adjustment_factor) for r in removed]


def winning_fractions(market: SettledMarket) -> dict[int, Fraction]:
    """Share of a stake that wins on each runner that ran: 1 or 0, or places left / runners sharing (rule 2).

    Exact fractions, not Decimals: 18.43 at 13.5 on a three-way dead heat is 64.505 exactly, which a rounded 1/3
    would turn into 64.50 instead of 64.51."""
    winners = [r for r in market.runners if r.status == "WINNER"]
    fractions = {r.selection_id: Fraction(0) for r in market.runners if r.status not in VOID_STATUSES}
    places = market.number_of_winners
    if len(winners) <= places:
        fractions.update({r.selection_id: Fraction(1) for r in winners})
        return fractions
    if places == 1:  # every winner shares the one place: no positions needed
        fractions.update({r.selection_id: Fraction(1, len(winners)) for r in winners})
        return fractions
    if any(r.position is None for r in winners):
        raise ExchangeSettlementError(
            f"market {market.market_id}: {len(winners)} winners for {places} places; give every winner's "
            "official position to tell the dead heat apart from the outright placings")
    left = places
    for position in sorted({r.position for r in winners}):
        group = [r for r in winners if r.position == position]
        if left == 0:
            raise ExchangeSettlementError(f"market {market.market_id}: winner(s) at position {position} "
                                          f"after all {places} places were taken")
        share = Fraction(1) if len(group) <= left else Fraction(left, len(group))
        fractions.update({r.selection_id: share for r in group})
        left = max(left - len(group), 0)
    return fractions


def commission_on(gross_profit: Decimal, market_base_rate: Decimal, discount: Decimal = ZERO) -> Decimal:
    """Rule 3: net market winnings × base rate (percent) × (1 − discount), nothing on a market lost overall."""
    if not ZERO <= discount <= ONE:
        raise ExchangeSettlementError(f"discount {discount} is not a fraction between 0 and 1")
    if gross_profit <= 0:
        return ZERO
    return (gross_profit * market_base_rate / HUNDRED * (ONE - discount)).quantize(CENT, rounding=ROUND_HALF_UP)


def settle_bet(bet: MatchedBet, market: SettledMarket, fractions: dict[int, Fraction] | None = None) -> BetSettlement:
    """One bet by rules 1, 2 and 4 (``fractions`` from :func:`winning_fractions`, computed once per market)."""
    if bet.market_id != market.market_id:
        raise ExchangeSettlementError(f"bet on market {bet.market_id} settled against {market.market_id}")
    fractions = winning_fractions(market) if fractions is None else fractions
    runner = next((r for r in market.runners if r.selection_id == bet.selection_id), None)
    if runner is None:
        raise ExchangeSettlementError(f"selection {bet.selection_id} is not a runner of {market.market_id}")
    if runner.status in VOID_STATUSES:
        return BetSettlement(bet, "void", bet.price, Fraction(0), ZERO)
    price = reduce_price(bet.price, market.market_type, reductions_for(bet, market))
    share = fractions[bet.selection_id]
    # the reduced stake s × k/m returns s × k/m × price, the whole stake s is gone: s × (k × price − m) / m
    backer = bet.size * (share.numerator * price - share.denominator) / share.denominator
    profit = (backer if bet.side == "back" else -backer).quantize(CENT, rounding=ROUND_HALF_UP)
    status = "lost" if share == 0 else "won" if share == 1 else "dead_heat"
    return BetSettlement(bet, status, price, share, profit)


def settle_exchange_market(bets: Sequence[MatchedBet], market: SettledMarket, *,
                           discount: Decimal = ZERO) -> MarketSettlement:
    """One customer's matched bets on one market, settled bet by bet, with commission on the market's net (rule 3)."""
    fractions = winning_fractions(market)
    settled = tuple(settle_bet(bet, market, fractions) for bet in bets)
    gross = sum((s.profit for s in settled), ZERO)
    commission = commission_on(gross, Decimal(market.market_base_rate), discount)
    return MarketSettlement(market.market_id, settled, gross, commission, gross - commission)
