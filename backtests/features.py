"""Prior-only features of a runners frame: what a bettor could know the morning of the race, and nothing else.

Every count here uses races dated *strictly before* the row's race date, never the same day: a trainer with runners
in races 3 and 7 must not see race 3's result when race 7 is decided under a per-day feature build, and the rule
costs little (one day's results). Computation is vectorized: outcomes are first summed per (entity, day), a
cumulative sum per entity then gives "everything before this day" by subtracting the day's own total, and
windowed counts ("wins in the last 30 days") come from a ``searchsorted`` on the same sorted (entity, day) keys.
No loop over races, so ten years of runners take a couple of seconds.

Outcome columns are read here, and only here, on the way in; the engine drops them from the frame the strategy
sees. ``tests/unit/test_backtests_engine.py`` permutes future outcomes and checks that no feature, and no decision,
moves. Rates are NaN when there is nothing to divide by, so a rule such as ``horse_wet_win_rate >= 0.3`` is false for
a horse that never ran on a wet track (the seed's "0 when no races" would be indistinguishable from "ran and lost").

The frame must be in the history's full range: features for a backtest window are computed on the whole frame
(history before the window included), which is how a window starting in 2025 knows about 2024 form. A horse's
first row in the frame is only a debut if the frame had been running for ``DEBUT_WARMUP_DAYS`` by then (otherwise
every horse would "debut" in the first weeks of a frame); backtests should start some months after the frame does
(``engine.run_prepared`` takes the window separately for that reason).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

RECENT_DAYS = 30
DEBUT_WARMUP_DAYS = 120  # longer than nearly every gap between two starts of a horse in training
RATE_WINDOW_DAYS = 365
WET_DIRT_GOINGS = ("muddy", "sloppy")
# Log-strength a wet specialist is assumed to gain on wet dirt in the likelihood ratio below: the synthetic source
# plants +0.8 strength, which seen through the market's prices and the day's form is worth about e^1.0 in win odds
# (its specialists win 2.2 times their market share on wet dirt); the ratio separates best near this value.
WET_EDGE_LOG_STRENGTH = 1.0

FEATURES = {
    "horse_starts": "the horse's earlier starts in the frame",
    "horse_wins": "the horse's earlier wins",
    "horse_win_rate": "horse_wins / horse_starts (NaN without starts)",
    "is_debut": f"no earlier start in the frame, and the frame began at least {DEBUT_WARMUP_DAYS} days earlier",
    "days_since_last_run": "days since the horse's previous start (NaN on debut)",
    "horse_wet_starts": "earlier starts on wet going (is_wet)",
    "horse_wet_wins": "earlier wins on wet going",
    "horse_wet_win_rate": "horse_wet_wins / horse_wet_starts (NaN without wet starts)",
    "horse_dry_win_rate": "win rate in earlier starts on going that is not wet (NaN without)",
    "horse_wet_dirt_starts": "earlier starts on wet dirt (muddy or sloppy)",
    "horse_wet_dirt_wins": "earlier wins on wet dirt",
    "horse_wet_dirt_win_rate": "horse_wet_dirt_wins / horse_wet_dirt_starts (NaN without)",
    "horse_wet_dirt_ae": "wet-dirt wins / Σ market probability of those starts (NaN without)",
    "horse_wet_dirt_llr": ("Σ over earlier wet-dirt finishes of log P(finishing order | the horse "
                           f"e^{WET_EDGE_LOG_STRENGTH} stronger than its odds) / P(order | as strong as its odds), "
                           "Plackett-Luce on 1/odds (0 without such finishes)"),
    "jockey_starts": f"the jockey's rides in the {RATE_WINDOW_DAYS} days before the race date",
    "jockey_win_rate": f"the jockey's win rate over those {RATE_WINDOW_DAYS} days",
    "trainer_starts": f"the trainer's runners in the {RATE_WINDOW_DAYS} days before the race date",
    "trainer_win_rate": f"the trainer's win rate over those {RATE_WINDOW_DAYS} days",
    "trainer_recent_wins": f"the trainer's wins in the {RECENT_DAYS} days before the race date",
    "trainer_debut_starts": "the trainer's earlier debutants (runners with is_debut)",
    "trainer_debut_wins": "how many of those won",
    "trainer_debut_win_rate": "trainer_debut_wins / trainer_debut_starts (NaN without)",
    "trainer_debut_ae": "actual / expected wins of the trainer's earlier debutants (market probability as expected)",
    "is_wet_dirt": f"race on dirt with going in {WET_DIRT_GOINGS} (race context, not an outcome)",
}


def key_codes(keys) -> np.ndarray:
    """Integer codes of a key column (-1 where missing); factorizing strings is the slow part, so do it once."""
    if isinstance(keys, np.ndarray) and keys.dtype.kind == "i":
        return keys
    return pd.factorize(keys, use_na_sentinel=True)[0]


class PriorSums:
    """Sums over "same key, earlier day" for many value columns, sorting the (key, day) pairs only once.

    Rows are grouped by (key, day); a running total over the sorted groups minus the total at the key's first group
    is "everything this key did before this day", and a ``searchsorted`` for day − window gives windowed sums.
    Day offsets start above ``MAX_WINDOW`` so that "day − window" never reaches into the previous key's block.
    """

    MAX_WINDOW = 3660

    def __init__(self, keys, day: np.ndarray) -> None:
        self.codes = key_codes(keys)
        day = np.asarray(day, dtype=np.int64)
        offset = day - (int(day.min()) if len(day) else 0) + self.MAX_WINDOW + 1
        span = int(offset.max()) + 1 if len(day) else 1
        composite = self.codes.astype(np.int64) * span + offset
        order = np.argsort(composite, kind="stable")
        ordered = composite[order]
        first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
        self.groups = ordered[first]
        self.inverse = np.empty(len(composite), dtype=np.int64)
        self.inverse[order] = np.cumsum(first) - 1
        self.first_of_key = np.searchsorted(self.groups, self.groups // span * span)
        self._starts: dict[int, np.ndarray] = {}

    def sum(self, values: np.ndarray, window: int | None = None) -> np.ndarray:
        per_group = np.bincount(self.inverse, weights=np.asarray(values, dtype=float), minlength=len(self.groups))
        before = np.cumsum(per_group) - per_group  # running total over all groups, excluding the group itself
        if window:
            if window > self.MAX_WINDOW:
                raise ValueError(f"window longer than {self.MAX_WINDOW} days")
            if window not in self._starts:  # first group on or after day − window (always the same key)
                self._starts[window] = np.searchsorted(self.groups, self.groups - window)
            prior = before - before[self._starts[window]]
        else:
            prior = before - before[self.first_of_key]
        result = prior[self.inverse]
        result[self.codes < 0] = np.nan
        return result


def prior_counts(keys, day: np.ndarray, values: np.ndarray, window: int | None = None) -> np.ndarray:
    """Per row, the sum of ``values`` over rows with the same key on days strictly before the row's day.

    With ``window`` only days in [day − window, day − 1] count. Rows without a key get NaN.
    """
    return PriorSums(keys, day).sum(values, window)


def _rate(wins: np.ndarray, starts: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(starts > 0, wins / starts, np.nan)


def add_features(runners: pd.DataFrame) -> pd.DataFrame:
    """The runners frame with the :data:`FEATURES` columns added (a copy; input untouched)."""
    frame = runners.copy(deep=False)  # new columns only: the caller's frame is never modified
    day = (pd.to_datetime(frame["race_date"]).to_numpy().astype("datetime64[D]").astype(np.int64))
    start = (frame["is_start"] if "is_start" in frame else frame["final_odds"].notna()).to_numpy(dtype=bool)
    won = frame["won"].fillna(False).to_numpy(dtype=bool) & start
    wet = frame["is_wet"].fillna(False).to_numpy(dtype=bool)
    wet_dirt = (frame["surface"].eq("dirt") & frame["going"].str.lower().isin(WET_DIRT_GOINGS)).to_numpy()
    frame["is_wet_dirt"] = wet_dirt
    start_f, won_f = start.astype(float), won.astype(float)
    # The market's probability of each past start (1/odds normalised in its race): "expected" in actual/expected.
    implied = np.where(start & (frame["final_odds"].to_numpy(float) > 1), 1 / frame["final_odds"].to_numpy(float), 0)
    race = key_codes(frame["race_key"])
    with np.errstate(invalid="ignore", divide="ignore"):
        market_p = np.nan_to_num(implied / np.bincount(race, weights=implied)[race])

    horse = PriorSums(frame["horse_key"], day)
    frame["horse_starts"] = horse.sum(start_f)
    frame["horse_wins"] = horse.sum(won_f)
    frame["horse_win_rate"] = _rate(frame["horse_wins"].to_numpy(), frame["horse_starts"].to_numpy())
    frame["is_debut"] = (frame["horse_starts"].to_numpy() == 0) & (day >= day.min() + DEBUT_WARMUP_DAYS)
    frame["days_since_last_run"] = day - _previous_start_day(horse.codes, day, start)
    frame["horse_wet_starts"] = horse.sum(start_f * wet)
    frame["horse_wet_wins"] = horse.sum(won_f * wet)
    frame["horse_wet_win_rate"] = _rate(frame["horse_wet_wins"].to_numpy(), frame["horse_wet_starts"].to_numpy())
    dry_starts = frame["horse_starts"].to_numpy() - frame["horse_wet_starts"].to_numpy()
    dry_wins = frame["horse_wins"].to_numpy() - frame["horse_wet_wins"].to_numpy()
    frame["horse_dry_win_rate"] = _rate(dry_wins, dry_starts)
    frame["horse_wet_dirt_starts"] = horse.sum(start_f * wet_dirt)
    frame["horse_wet_dirt_wins"] = horse.sum(won_f * wet_dirt)
    frame["horse_wet_dirt_win_rate"] = _rate(frame["horse_wet_dirt_wins"].to_numpy(),
                                             frame["horse_wet_dirt_starts"].to_numpy())
    frame["horse_wet_dirt_ae"] = _rate(frame["horse_wet_dirt_wins"].to_numpy(),
                                       horse.sum(market_p * wet_dirt))
    # A frame without finishing positions (hand-built ones) carries no wet-dirt evidence: the sums stay 0.
    finish = frame["finish_position"].to_numpy(float) if "finish_position" in frame else np.full(len(frame), np.nan)
    llr = np.zeros(len(frame))
    wet_runs = np.flatnonzero(wet_dirt & start & (implied > 0) & ~np.isnan(finish))
    llr[wet_runs] = order_log_likelihood_ratio(race[wet_runs], finish[wet_runs], implied[wet_runs],
                                               WET_EDGE_LOG_STRENGTH)
    frame["horse_wet_dirt_llr"] = horse.sum(llr)

    for kind in ("jockey", "trainer"):
        sums = PriorSums(frame[f"{kind}_key"], day)
        starts, wins = sums.sum(start_f, RATE_WINDOW_DAYS), sums.sum(won_f, RATE_WINDOW_DAYS)
        frame[f"{kind}_starts"], frame[f"{kind}_win_rate"] = starts, _rate(wins, starts)
    trainer = PriorSums(frame["trainer_key"], day)
    frame["trainer_recent_wins"] = trainer.sum(won_f, RECENT_DAYS)
    debut = frame["is_debut"].to_numpy() & start
    frame["trainer_debut_starts"] = trainer.sum(debut.astype(float))
    frame["trainer_debut_wins"] = trainer.sum((debut & won).astype(float))
    frame["trainer_debut_win_rate"] = _rate(frame["trainer_debut_wins"].to_numpy(),
                                            frame["trainer_debut_starts"].to_numpy())
    frame["trainer_debut_ae"] = _rate(frame["trainer_debut_wins"].to_numpy(),
                                      trainer.sum(market_p * debut))
    return frame


def order_log_likelihood_ratio(race: np.ndarray, position: np.ndarray, strength: np.ndarray,
                                delta: float) -> np.ndarray:
    """Per finisher, how much likelier its race's finishing order is if it ran ``e^delta`` times its strength.

    Why the whole order and not wins: a specialist meets wet dirt two or three times in a career, and a win-only
    count wastes every start it did not win; under Plackett-Luce (the winner drawn in proportion to strength, then
    the next among the rest, ...) a fourth place from 20-1 is evidence too. For a runner finishing p-th,
    log LR = δ − Σ_{k ≤ p} log(1 + (e^δ − 1)·s / D_k), with D_k the strength still unplaced at stage k, so the
    ratio is at most δ per start: several strong runs are needed before a horse stands out from the 95 % without
    the edge. Rows are the finishers of whole races (``race`` codes, 1-based ``position``, ``strength`` = 1/odds);
    vectorized over stages (at most the field size), not over races.
    """
    order = np.lexsort((position, race))
    r, s = race[order], strength[order]
    first = np.r_[True, r[1:] != r[:-1]] if len(r) else np.zeros(0, bool)
    start_at = np.maximum.accumulate(np.where(first, np.arange(len(r)), 0))  # each row's race's first row
    end_at = np.r_[np.flatnonzero(first)[1:], len(r)][np.cumsum(first) - 1]
    tail = np.cumsum(s[::-1])[::-1]
    unplaced = tail - np.r_[tail, 0.0][end_at]  # D at the stage this row is placed: its strength and all behind
    rank = np.arange(len(r)) - start_at + 1
    grow = np.expm1(delta)
    result = np.full(len(r), float(delta))
    for stage in range(int(rank.max()) if len(r) else 0):
        at = rank > stage
        result[at] -= np.log1p(grow * s[at] / unplaced[start_at[at] + stage])
    out = np.empty(len(r))
    out[order] = result
    return out


def _previous_start_day(keys: pd.Series, day: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Day of the key's latest start strictly before each row's day (NaN if none), by a sorted-array lookup."""
    codes = key_codes(keys)
    span = int(day.max()) + 2
    composite = codes.astype(np.int64) * span + day + 1
    started = np.sort(composite[start & (codes >= 0)])
    if not len(started):  # nobody has started yet (race cards ahead of any history): no previous start anywhere
        return np.full(len(day), np.nan)
    started = started[np.r_[True, started[1:] != started[:-1]]]
    position = np.searchsorted(started, composite, side="left") - 1  # last start key strictly below this day
    found = position >= 0
    previous = started[np.maximum(position, 0)]
    same_key = found & (previous // span == codes)
    return np.where(same_key & (codes >= 0), (previous % span) - 1, np.nan)
