"""The numbers behind one synthetic exchange market: when it updates, where each runner's book sits, what trades.

Everything here is numpy over (update, runner) for one market, drawn from the market's own random generator in a
fixed order, so a market is the same whatever else is generated beside it. ``exchange_market`` turns these frames
into stream messages.

Pre-off, a runner's *mid price* is its BSP times a move that passes through three anchors: the first update
(T-60 min), T-10 min and the last pre-off update. The move between T-10 and the off is the runner's story
(``RunnerSpec.move``): ``steam`` shortens it by 23-39 %, ``drift`` lengthens it by 25-50 %, ``flat`` keeps it within
about 12 %; a Brownian bridge adds wiggle between anchors. The best back is the ladder price at or below the mid,
the best lay one tick above (two for some longer-priced runners), so back < lay always. Steam is the planted edge,
so its definition is enforced on the prices a reader sees: a steamer's best back at the last pre-off update is at
most 0.8 x its best back at T-10 min; anybody else's is more than 0.8 x.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backtests.betting.price_ladder import PRICES, TICKS, floor_index

STEAM_RATIO = 0.8  # a steamer's last pre-off best back <= STEAM_RATIO x its best back at T-10 min
DEPTH = 3  # ladder levels shown each side (PRO files carry more; ADVANCED shows three)
T10 = -600


@dataclass
class Frames:
    """One market's updates: offsets (s from marketTime), book position, sizes, trades and projected BSP."""

    offset_s: np.ndarray  # (k,) float seconds
    back: np.ndarray  # (k, n) ladder index of the best back, -1 = no book (removed runner)
    gap: np.ndarray  # (k, n) ticks from best back to best lay
    table: np.ndarray  # (n, 2, TICKS) pence resting at each price, back side then lay side, when first shown
    churn: np.ndarray  # (k, n) level (0 = best) whose size changes at this update, -1 = none
    churn_lay: np.ndarray  # (k, n) bool: the churned level is on the lay side
    churn_factor: np.ndarray  # (k, n) multiplies the churned level's size
    traded: np.ndarray  # (k, n) pence matched at this update (0 = none)
    trade_lay: np.ndarray  # (k, n) bool: the trade was at the lay price (else at the back price)
    spn: np.ndarray | None = None  # (k, n) projected BSP, NaN = not published at this update
    spf: np.ndarray | None = None


def pre_off_offsets(rng: np.random.Generator, off_delay_s: int) -> np.ndarray:
    """Every 60 s from T-60 min to T-6 min, then every 5 or 10 s from T-5 min until just before the actual off."""
    late = [-300.0]
    while late[-1] + 10 < off_delay_s:
        late.append(late[-1] + (5.0 if rng.random() < 0.25 else 10.0))
    return np.concatenate([np.arange(-3600.0, -300.0, 60.0), late])


def _bridge(rng: np.random.Generator, t: np.ndarray, n: int, anchors: list[int], sd_per_s: float) -> np.ndarray:
    """Random walk pinned to 0 at the ``anchors`` rows (a Brownian bridge on each segment)."""
    steps = rng.standard_normal((len(t), n)) * (sd_per_s * np.sqrt(np.diff(t, prepend=t[0])))[:, None]
    walk = np.cumsum(steps, axis=0)
    pinned = np.empty_like(walk)
    for a, b in zip(anchors[:-1], anchors[1:]):
        x = ((t[a:b + 1] - t[a]) / (t[b] - t[a]))[:, None]
        pinned[a:b + 1] = walk[a:b + 1] - (walk[a] + (walk[b] - walk[a]) * x)
    return pinned


def _anchor_moves(rng: np.random.Generator, moves: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-price offsets from BSP at T-60, T-10 and the last pre-off update, per runner."""
    n = len(moves)
    u, z = rng.random(n), rng.standard_normal((3, n))
    steam = np.array([m == "steam" for m in moves])
    drift = np.array([m == "drift" for m in moves])
    a10 = np.where(steam, np.log(1.3) + u * np.log(1.25), np.clip(z[0] * 0.05, -0.12, 0.12))
    a10 = np.where(drift, -(np.log(1.25) + u * np.log(1.2)), a10)
    a60 = np.where(steam | drift, a10 + z[1] * 0.08, z[1] * 0.12)
    last = np.clip(z[2] * 0.01, -0.025, 0.025)
    return a60, a10, last


def _enforce_moves(back: np.ndarray, gap: np.ndarray, k10: int, moves: list[str]) -> None:
    """Nudge the T-10 best back by whole ticks until the steam rule on ladder prices says what ``moves`` says."""
    for i, move in enumerate(moves):
        if back[-1, i] < 0:
            continue
        if move == "steam":
            while PRICES[back[-1, i]] > STEAM_RATIO * PRICES[back[k10, i]] and back[k10, i] + gap[k10, i] < TICKS - 1:
                back[k10, i] += 1
        else:
            while PRICES[back[-1, i]] <= STEAM_RATIO * PRICES[back[k10, i]]:
                back[k10, i] -= 1


def pre_off(rng: np.random.Generator, offsets: np.ndarray, bsp_log: np.ndarray, moves: list[str],
            pending: np.ndarray, weights: np.ndarray, matched: float) -> Frames:
    """Frames from the first update to the last pre-off one.

    ``bsp_log``: log price each runner converges to (its BSP; a removed runner's pre-removal price).
    ``pending``: (k, n) share of the field still to be removed at each update; an active runner's price is longer by
    1 / (1 - pending) until those runners go (Betfair's reduction factors in reverse). A removed runner's own column
    is NaN from its removal update on: its book goes (best back -1).
    ``weights``: each runner's share of the money; ``matched``: pence traded in the market by the off.
    """
    k, n = len(offsets), len(bsp_log)
    k10 = int(np.flatnonzero(offsets == T10)[0])
    a60, a10, last = _anchor_moves(rng, moves)
    anchors = [0, k10, k - 1]
    shape = np.empty((k, n))
    for (ra, va), (rb, vb) in zip(zip(anchors, (a60, a10, last)), zip(anchors[1:], (a10, last))):
        x = ((offsets[ra:rb + 1] - offsets[ra]) / (offsets[rb] - offsets[ra]))[:, None]
        shape[ra:rb + 1] = va + (vb - va) * x
    gone = np.isnan(pending)
    log_mid = bsp_log + shape + _bridge(rng, offsets, n, anchors, 0.0005) - np.log1p(-np.nan_to_num(pending))
    gap = np.where(rng.random(n) < np.where(bsp_log > np.log(10), 0.35, 0.1), 2, 1)
    gap = np.broadcast_to(gap, (k, n)).copy()
    back = np.minimum(floor_index(np.exp(log_mid)), TICKS - 1 - gap)
    _enforce_moves(back, gap, k10, moves)
    back[gone] = -1
    late = offsets >= -300
    frac = 0.03 + 0.97 * ((offsets - offsets[0]) / max(offsets[-1] - offsets[0], 1.0)) ** 3
    volume = np.diff(frac, prepend=0.0) * matched
    chance = np.clip(np.where(late, 0.1, 0.03)[:, None] + np.where(late, 1.0, 0.5)[:, None] * weights, 0.01, 1)
    chance[0] = 1
    trades = (rng.random((k, n)) < chance) & ~gone
    traded = np.where(trades, np.rint(volume[:, None] * weights / chance * rng.lognormal(0, 0.4, (k, n))), 0)
    frames = Frames(offsets, back, gap, *_book_sizes(rng, k, weights, matched, np.where(late, 0.15, 0.05)),
                    traded.astype(np.int64), rng.random((k, n)) < 0.5)
    moved = np.vstack([np.ones((1, n), bool), back[1:] != back[:-1]])
    quiet = ~(moved | (frames.churn >= 0) | (traded > 0)).any(axis=1)
    frames.churn[quiet, int(np.argmax(np.where(gone.any(axis=0), -1, weights)))] = 0  # every update says something
    frames.spn, frames.spf = _projected_sp(rng, offsets, np.exp(bsp_log), gone)
    return frames


def _book_sizes(rng: np.random.Generator, k: int, weights: np.ndarray, matched: float, churn_rate) -> tuple:
    """Money resting at each price (so a level keeps its size when the book moves past it) and, per update, one
    level whose size changes with probability ``churn_rate`` (fresh orders and cancellations)."""
    n = len(weights)
    top = matched * 0.01 * (0.2 + 2 * weights)  # pence at a level: favourites carry more money
    table = np.maximum(np.rint(top[:, None, None] * rng.lognormal(0.3, 0.6, (n, 2, TICKS))), 100).astype(np.int64)
    churn = np.where(rng.random((k, n)) < np.broadcast_to(churn_rate, (n, k)).T, rng.integers(0, DEPTH, (k, n)), -1)
    return table, churn, rng.random((k, n)) < 0.5, rng.lognormal(0, 0.5, (k, n))


def _projected_sp(rng: np.random.Generator, offsets: np.ndarray, bsp: np.ndarray, gone: np.ndarray):
    """spn/spf every 30 s in the last five minutes, converging on the BSP."""
    k, n = len(offsets), len(bsp)
    bucket = np.floor(offsets / 30)
    show = (offsets >= -300) & np.concatenate([[True], bucket[1:] != bucket[:-1]])
    spread = np.clip(-offsets / 300, 0, 1)[:, None]
    near = bsp * np.exp(rng.standard_normal((k, n)) * (0.04 * spread + 0.004))
    far = bsp * np.exp(rng.standard_normal((k, n)) * (0.07 * spread + 0.01))
    hide = ~show[:, None] | gone
    return (np.where(hide, np.nan, np.clip(np.round(near, 2), 1.01, 1000)),
            np.where(hide, np.nan, np.clip(np.round(far, 2), 1.01, 1000)))


def in_play(rng: np.random.Generator, start_s: float, race_s: float, p: np.ndarray, final: np.ndarray,
            weights: np.ndarray, matched: float, active: np.ndarray) -> Frames:
    """Frames about every 10 s while the race is run: each runner's chance moves from ``p`` to ``final`` (1 for a
    sole winner, 1/n each after an n-way dead heat, 0 for a loser), with a mid-race flurry for some losers (the
    in-running low a loser can trade at)."""
    k, n = max(int(race_s // 10), 3), len(p)
    x = (np.arange(1, k + 1) / k)[:, None]
    bump = np.where(rng.random(n) < 0.3, rng.uniform(0.1, 0.5, n), 0.0) * np.sin(np.pi * np.minimum(x * 1.3, 1))
    chance = np.clip(p + (final - p) * x ** 2 + np.where(final > 0, 0, bump), 0.001, 0.995)
    gap = np.broadcast_to(rng.integers(1, 3, n), (k, n)).copy()
    gap[-1] = 1
    back = np.minimum(floor_index(1 / chance), TICKS - 1 - gap)
    back[-1] = np.where(final > 0, floor_index(1 / final.clip(1e-9)), TICKS - 2)
    back[:, ~active] = -1
    offsets = start_s + race_s / k * np.arange(1, k + 1)
    traded = np.rint(matched * 0.15 / k * weights * rng.lognormal(0, 0.5, (k, n))).astype(np.int64)
    traded[:, ~active] = 0
    trade_lay = np.zeros((k, n), bool)
    trade_lay[-1] = final == 0  # losers' last trade at 1000
    return Frames(offsets, back, gap, *_book_sizes(rng, k, weights, matched * 0.3, 0.3), traded, trade_lay)
