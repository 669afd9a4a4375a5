"""Stakes: flat, percentage of bankroll, fractional Kelly; with min/max bet, a bankroll guard and exchange commission.

A stake that depends on the bankroll depends on every earlier result, so it cannot be a column operation. It is
resolved in **one pass over the bets sorted by decision time**, with settlements interleaved: before a bet is sized,
every bet whose result is known by then (settle time ≤ decision time) is paid out. The bankroll a stake is sized
from is the *cash available* (starting bankroll + settled P&L − stakes still running), so two bets on races that
overlap cannot spend the same money, and a bet the cash cannot cover is skipped (stake 0), as is one below
``min_bet`` (it is never rounded up: a strategy whose sizing says "tiny" should not be forced to bet more).
``max_bet`` caps a stake. Flat staking is checked in closed form first (cash before every bet ≥ the stake) and only
falls back to the loop when the guard would bite.

Exchange commission is charged on net winnings per bet: a winning bet's profit is multiplied by 1 − commission.
Kelly sizes on that same net profit, b = (o − 1)(1 − commission): at 5 % commission p = 0.5 at 2.04 is a losing bet
(EV −0.6 %) and gets no stake, though on the gross odds it looks like a 2 % edge. :func:`kelly_fraction` is the one
Kelly in the project (value signals, backtests and the live strategy monitor all size with it), and
:func:`stakes_from_bankroll` is the one sizing rule for stakes that do not compound (the monitor's triggers).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

METHODS = ("flat", "percentage", "kelly")


@dataclass(frozen=True)
class Staking:
    method: str = "percentage"
    flat_stake: float = 10.0
    percentage: float = 0.02
    kelly_multiplier: float = 0.25
    min_bet: float = 0.0
    max_bet: float | None = None
    commission: float = 0.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown staking method {self.method!r}; choose one of {', '.join(METHODS)}")
        if not (0 < self.percentage <= 1 and 0 < self.kelly_multiplier <= 1 and self.flat_stake > 0):
            raise ValueError("percentage and kelly_multiplier must be in (0, 1], flat_stake positive")
        if not 0 <= self.commission < 1 or self.min_bet < 0 or (self.max_bet is not None and self.max_bet <= 0):
            raise ValueError("commission must be in [0, 1), min_bet ≥ 0, max_bet positive")

    def as_dict(self) -> dict:
        return asdict(self)


def kelly_fraction(probability, decimal_odds, multiplier: float = 1.0, commission=0.0) -> np.ndarray:
    """Share of bankroll that maximises expected log growth, times ``multiplier`` (0.25 = quarter Kelly); never
    negative. A win pays the net profit b = (o − 1)(1 − commission) per unit, so f* = p − (1 − p)/b; a bet with no
    net edge (p·(1 + b) ≤ 1) or odds ≤ 1 stakes 0; an unknown probability (NaN) gives NaN (no figure to show).
    ``commission`` is one rate or an array of rates aligned with the bets.
    """
    probability = np.asarray(probability, dtype=float)
    net_profit = (np.asarray(decimal_odds, dtype=float) - 1) * (1 - commission)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(net_profit > 0, probability - (1 - probability) / net_profit, probability * 0)
    return np.clip(fraction, 0, None) * multiplier


def stake_fractions(staking: Staking, odds: np.ndarray, probability: np.ndarray) -> np.ndarray | None:
    """Per bet, the share of the bankroll to stake (percentage, or Kelly after commission: 0 without a
    probability); None for flat stakes."""
    if staking.method == "percentage":
        return np.full(len(odds), staking.percentage)
    if staking.method == "kelly":
        return np.nan_to_num(kelly_fraction(probability, odds, staking.kelly_multiplier, staking.commission))
    return None


def stakes_from_bankroll(staking: Staking, bankroll: float, odds: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """One stake per bet from the same bankroll (no compounding; 0 = no bet), capped at ``max_bet``; a stake below
    ``min_bet`` or of 0 is skipped. The rule :func:`resolve` applies bet by bet to the cash available."""
    odds = np.asarray(odds, dtype=float)
    fraction = stake_fractions(staking, odds, np.asarray(probability, dtype=float))
    stake = _capped(np.full(len(odds), staking.flat_stake) if fraction is None else bankroll * fraction, staking)
    return np.where((stake > 0) & (stake >= staking.min_bet), stake, 0.0)


def net_return(gross_return: np.ndarray, commission: float) -> np.ndarray:
    """Return per unit staked after commission on the winning part (a refund or loss pays no commission)."""
    gross_return = np.asarray(gross_return, dtype=float)
    profit = gross_return - 1
    return 1 + np.where(profit > 0, profit * (1 - commission), profit)


def resolve(decision_ns: np.ndarray, settle_ns: np.ndarray, odds: np.ndarray, probability: np.ndarray,
            gross_return: np.ndarray, staking: Staking, bankroll: float) -> np.ndarray:
    """Stake per bet (0 = skipped). Inputs are aligned arrays already sorted by decision time."""
    n = len(decision_ns)
    per_unit = net_return(gross_return, staking.commission)
    if staking.method == "flat":
        stake = _capped(np.full(n, staking.flat_stake), staking)
        if _flat_always_covered(decision_ns, settle_ns, stake, per_unit, bankroll, staking):
            return stake
    return _sequential(decision_ns, settle_ns, stake_fractions(staking, odds, probability), per_unit, bankroll, staking)


def _capped(stake: np.ndarray, staking: Staking) -> np.ndarray:
    return np.minimum(stake, staking.max_bet) if staking.max_bet is not None else stake


def _flat_always_covered(decision_ns, settle_ns, stake, per_unit, bankroll, staking) -> bool:
    if (stake < staking.min_bet).any():
        return False
    order = np.argsort(settle_ns, kind="stable")
    paid = np.r_[0.0, np.cumsum((stake * per_unit)[order])]
    settled_before = np.searchsorted(settle_ns[order], decision_ns, side="right")
    cash = bankroll - np.r_[0.0, np.cumsum(stake)[:-1]] + paid[settled_before]
    return bool((cash >= stake - 1e-9).all())


def _sequential(decision_ns, settle_ns, fraction, per_unit, bankroll, staking) -> np.ndarray:
    n = len(decision_ns)
    stakes = [0.0] * n
    payouts = [0.0] * n
    settle_order = np.argsort(settle_ns, kind="stable").tolist()
    settle_times = np.asarray(settle_ns)[settle_order].tolist()
    decision = np.asarray(decision_ns).tolist()
    fractions = fraction.tolist() if fraction is not None else None
    units = per_unit.tolist()
    flat = staking.flat_stake
    min_bet, max_bet = staking.min_bet, staking.max_bet if staking.max_bet is not None else float("inf")
    cash, p = float(bankroll), 0
    for i in range(n):
        t = decision[i]
        while p < n and settle_times[p] <= t:
            cash += payouts[settle_order[p]]
            p += 1
        stake = flat if fractions is None else cash * fractions[i]
        if stake > max_bet:
            stake = max_bet
        if stake <= 0 or stake < min_bet or stake > cash + 1e-9:
            continue
        cash -= stake
        stakes[i] = stake
        payouts[i] = stake * units[i]
    return np.asarray(stakes)
