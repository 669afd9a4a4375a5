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
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from backtests.value import kelly_fraction

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
    fraction = (np.full(n, staking.percentage) if staking.method == "percentage"
                else kelly_fraction(probability, odds, staking.kelly_multiplier) if staking.method == "kelly"
                else None)
    return _sequential(decision_ns, settle_ns, fraction, per_unit, bankroll, staking)


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
