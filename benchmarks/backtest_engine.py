"""Backtest engine at US scale: ~3.2M runners / ~370,000 races of synthetic history held in memory.

The frame is ten years (2016-2025) of the synthetic source's five default tracks, tiled four times with the keys
suffixed (``:c1``...), i.e. twenty independent "tracks" racing the same calendar: generating 3.2M runners directly
would take minutes and measure the generator, not the engine. Timed, each after a warm-up on a small slice:

- preparing the frame once (prior-only features, decision/outcome split, ordering): shared by every run;
- one strategy's run (the seed's JSON rule set: selection, outcome join, 2 % staking pass, metrics);
- the naive design of the horse-betting seed (a Python loop per race, field values looked up per entry from the
  horse's and trainer's earlier runs, Decimal staking) on a subset of races, extrapolated to all races, and the ratio;
- a sweep of 100 parameter sets (longshot thresholds × odds caps, and rule variants) on the prepared frame;
- the same run end to end from PostgreSQL (``backtest_end_to_end``: load from the marts + prepare + run).
"""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from backtests.engine import prepare_racing, run_prepared, sweep
from benchmarks import backtest_end_to_end
from benchmarks.sizes import pick
from tests.synthetic_history import synthetic_runners

COPIES = pick(4, 1)
HISTORY = pick((date(2016, 1, 1), date(2025, 12, 31)), (date(2024, 1, 1), date(2024, 3, 31)))
WINDOW = pick({"start": date(2017, 1, 1), "end": date(2025, 12, 31)},
              {"start": date(2024, 2, 1), "end": date(2024, 3, 31)})
RULES = {"track_condition": {"in": ["muddy", "sloppy"]}, "horse_wet_win_rate": {"gte": 0.3}, "odds": {"gte": "4:1"},
         "trainer_recent_wins": {"gte": 5}}
NAIVE_RACES = pick(3000, 50)
GOALS = {"run": 2.0, "sweep": 60.0, "ratio": 100.0}
KEYS = ("runner_key", "race_key", "horse_key", "jockey_key", "trainer_key", "track_key")


def us_scale_runners(copies: int = COPIES) -> pd.DataFrame:
    base = synthetic_runners(*HISTORY, seed=7)
    parts = [base]
    for copy in range(1, copies):
        part = base.copy()
        for key in KEYS:
            part[key] = part[key] + f":c{copy}"
        part["track_code"] = part["track_code"] + f"{copy}"
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["post_time", "race_key"], kind="stable", ignore_index=True)


def naive_history(runners: pd.DataFrame, races: list[str]) -> tuple[dict, dict, dict]:
    """Per-race entries and per-horse / per-trainer histories for the sampled races (built untimed)."""
    entries = runners[runners["race_key"].isin(set(races))]
    horses = runners[runners["horse_key"].isin(set(entries["horse_key"]))]
    trainers = runners[runners["trainer_key"].isin(set(entries["trainer_key"]))]
    return ({k: g for k, g in entries.groupby("race_key", sort=False)},
            {k: g[["race_date", "won", "is_wet", "is_start"]] for k, g in horses.groupby("horse_key", sort=False)},
            {k: g[["race_date", "won"]] for k, g in trainers.groupby("trainer_key", sort=False)})


def naive_loop(history: tuple[dict, dict, dict], races: list[str]) -> tuple[int, Decimal]:
    """The seed's design: per race, per entry, compute each rule's field from that horse's/trainer's history.

    Generous to the baseline: histories are pre-grouped in memory (the seed issues ORM queries per entry).
    """
    by_race, by_horse, by_trainer = history
    bankroll, bets = Decimal("1000"), 0
    for race_key in races:
        race = by_race[race_key]
        for entry in race.itertuples(index=False):
            if entry.going not in ("muddy", "sloppy") or not entry.final_odds or entry.final_odds != entry.final_odds:
                continue
            horse = by_horse[entry.horse_key]
            wet = horse[(horse["race_date"] < entry.race_date) & horse["is_wet"] & horse["is_start"]]
            if wet.empty or wet["won"].sum() / len(wet) < 0.3 or entry.final_odds < 5.0:
                continue
            trainer = by_trainer[entry.trainer_key]
            recent = trainer[(trainer["race_date"] < entry.race_date)
                             & (trainer["race_date"] >= entry.race_date - pd.Timedelta(days=30))]
            if recent["won"].sum() < 5:
                continue
            stake = (bankroll * Decimal("0.02")).quantize(Decimal("0.01"))
            bankroll += (stake * Decimal(str(entry.final_odds)) if entry.won else 0) - stake
            bets += 1
    return bets, bankroll


def run() -> list[tuple[str, str, str, str]]:
    runners = us_scale_runners()
    races = runners["race_key"].nunique()
    prepare_racing(runners.head(20_000))  # warm-up: imports and pandas code paths
    started = time.perf_counter()
    prepared = prepare_racing(runners)
    prepare_s = time.perf_counter() - started

    run_prepared("rule_based", prepared, {"rules": RULES}, **WINDOW)  # warm-up (window cache, code paths)
    started = time.perf_counter()
    result = run_prepared("rule_based", prepared, {"rules": RULES}, **WINDOW)
    run_s = time.perf_counter() - started

    window = runners[runners["race_date"] >= pd.Timestamp(WINDOW["start"])]
    sample = window["race_key"].drop_duplicates().sample(NAIVE_RACES, random_state=1).tolist()
    history = naive_history(runners, sample)
    started = time.perf_counter()
    naive_loop(history, sample)
    naive_s = (time.perf_counter() - started) * window["race_key"].nunique() / NAIVE_RACES

    grid = [{"min_odds": float(m), "max_odds": float(m * c)} for m in np.linspace(5, 50, 10) for c in (2, 3, 4, 5, 8)]
    grid = [("longshot_flat", p) for p in grid] + [
        ("rule_based", {"rules": {**RULES, "horse_wet_win_rate": {"gte": float(r)}, "odds": {"gte": float(o)}}})
        for r in (0.1, 0.2, 0.3, 0.4, 0.5) for o in (2, 3, 4, 5, 6, 8, 10, 12, 15, 20)]
    started = time.perf_counter()
    for name, params in grid:
        sweep(name, [params], prepared, **WINDOW)
    sweep_s = time.perf_counter() - started

    del prepared
    end_to_end = backtest_end_to_end.run(runners, WINDOW, RULES, naive_s, result.metrics["bets"])
    label = f"{len(runners):,} runners / {races:,} races"
    return end_to_end + [
        (f"Backtest prepare (features + split), {label}", f"{prepare_s:.2f}", "s", "once per frame, shared by runs"),
        (f"Backtest one strategy (rule_based, {result.metrics['bets']:,} bets), {label}", f"{run_s:.2f}", "s",
         f"goal ≤ {GOALS['run']:g} s ({run_s / GOALS['run']:.2f}× goal); with prepare {prepare_s + run_s:.1f} s"),
        (f"Naive per-race loop (seed design), {NAIVE_RACES:,} races extrapolated to all", f"{naive_s:.0f}", "s",
         f"engine is {naive_s / run_s:,.0f}× faster (goal ≥ {GOALS['ratio']:g}×); "
         f"{naive_s / (prepare_s + run_s):,.0f}× including prepare"),
        (f"Backtest sweep: {len(grid)} parameter sets, {label}", f"{sweep_s:.1f}", "s",
         f"goal ≤ {GOALS['sweep']:g} s ({sweep_s / GOALS['sweep']:.2f}× goal)"),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
