"""Betfair WIN markets for the synthetic source's US races: same runners, same result, exchange prices.

Each race of a ``RawBatch`` becomes one market: venue = the track's ``Track.name`` ("Belmont Park", so a market is
matched to its track by name and to its race by marketTime = post_time), runner name = the horse's name,
sortPriority = horse (saddle-cloth) number, selection id = 10,000,000 + the digits of ``horse_id`` (stable across
markets, as Betfair's are). The synthetic winner is the WINNER (both, after a dead heat), runners that did not
finish are LOSERs, scratched horses are REMOVED 20-50 minutes before the off with an adjustment factor from their
morning line. The tote's final odds carry a 17 % takeout and a favourite-longshot bias; the exchange prices the same
public opinion without them: chance ~ (1/final_odds) ** ``FLB_UNDO`` normalised over the field (1.15 is the
exponent that calibrates best on seed 7's two years), BSP ~ 1/chance (``exchange_edge.bsp_from_chances``).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ingestion.schema import RawBatch
from ingestion.sources.synthetic import exchange_edge as edge
from ingestion.sources.synthetic.exchange_market import MarketSpec, RunnerSpec
from ingestion.sources.synthetic.model import MORNING_LINES
from ingestion.sources.synthetic.tracks import epoch_day, get_track

FLB_UNDO = 1.15
STREAM = 7_000  # tags this module's random streams
_ML = dict(MORNING_LINES)


def market_id(day: int, slot: int, race_number: int) -> str:
    """Betfair-shaped ids, stable per (day, venue slot, race): horse slots are track indexes, greyhounds 50+."""
    return f"1.{100_000_000 + day * 2000 + slot * 20 + race_number}"


def event_id(day: int, slot: int) -> str:
    return str(30_000_000 + day * 100 + slot)


def event_name(short: str, d: date) -> str:
    suffix = "th" if 10 <= d.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    return f"{short} {d.day}{suffix} {d:%b}"


def _ml_chance(text: str) -> float:
    odds_to_one = 1.0 if text == "EVEN" else _ML.get(text, 20.0)
    return 1 / (1 + odds_to_one)


def _runners(rng: np.random.Generator, rows: dict[str, np.ndarray]) -> tuple[RunnerSpec, ...]:
    scratched = rows["status"] == "scratched"
    strength = np.where(scratched, 0.0, np.nan_to_num(1 / rows["odds"]) ** FLB_UNDO)
    chance = strength / strength.sum()
    bsp = edge.bsp_from_chances(rng, chance)
    won = rows["position"] == 1
    moves = edge.assign_moves(rng, bsp, won)
    ml = np.array([_ml_chance(t) for t in rows["morning_line"]])
    share = np.clip(ml / ml.sum(), 0.005, 0.5)
    gone_at = -rng.uniform(1200, 3000, len(ml))
    out = []
    for i, (horse, name, number) in enumerate(zip(rows["horse_id"], rows["horse_name"], rows["horse_number"])):
        sid = 10_000_000 + int(horse[5:])
        if scratched[i]:
            out.append(RunnerSpec(sid, name, int(number), "REMOVED", share=float(share[i]),
                                  removed_at_s=float(gone_at[i])))
        else:
            out.append(RunnerSpec(sid, name, int(number), "WINNER" if won[i] else "LOSER", float(bsp[i]), moves[i]))
    return tuple(out)


def _by_race(runners: pd.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """Each race's runners in horse-number order, as plain arrays (pandas per race was the slow part)."""
    r = runners.sort_values(["race_id", "horse_number"], kind="stable")
    cols = {"race_id": r["race_id"].to_numpy(), "status": r["status"].to_numpy(),
            "odds": np.array([np.nan if o is None else float(o) for o in r["final_odds"]]),
            "position": r["finish_position"].fillna(0).to_numpy(int), "morning_line": r["morning_line"].to_numpy(),
            "horse_id": r["horse_id"].to_numpy(), "horse_name": r["horse_name"].to_numpy(),
            "horse_number": r["horse_number"].to_numpy(), "finish_time_s": r["finish_time_s"].to_numpy(float)}
    cuts = np.flatnonzero(cols["race_id"][1:] != cols["race_id"][:-1]) + 1
    starts, ends = np.concatenate([[0], cuts]), np.concatenate([cuts, [len(r)]])
    return {cols["race_id"][a]: {c: v[a:b] for c, v in cols.items()} for a, b in zip(starts.tolist(), ends.tolist())}


def horse_markets(batch: RawBatch, seed: int) -> list[MarketSpec]:
    """One WIN market per synthetic race, in race order."""
    if batch.races.empty:
        return []
    by_race = _by_race(batch.runners)
    first_post = batch.races.groupby(["race_date", "track_code"])["post_time"].transform("min")
    specs = []
    for race, opened in zip(batch.races.itertuples(index=False), first_post):
        track, day = get_track(race.track_code), epoch_day(race.race_date)
        key = (seed, STREAM, day, track.index, int(race.race_number))
        rng = np.random.default_rng([*key, 1])
        rows = by_race[race.race_id]
        runners = _runners(rng, rows)
        finish = np.nanmin(rows["finish_time_s"]) if np.isfinite(rows["finish_time_s"]).any() else 75.0
        specs.append(MarketSpec(
            market_id=market_id(day, track.index, int(race.race_number)), event_id=event_id(day, track.index),
            event_type_id="7", event_name=event_name(f"{track.code.title()} (US)", race.race_date),
            market_name=f"R{race.race_number} {race.distance:g}f {race.race_class}", venue=track.name,
            country_code="US", timezone=track.tz, market_time=race.post_time.to_pydatetime(),
            open_date=opened.to_pydatetime(), runners=runners, key=key, turn_in_play=True,
            adjustment_factors=True, off_delay_s=int(rng.integers(0, 120)), race_s=float(finish),
            matched=float(np.round(30_000 * rng.lognormal(0, 0.5), 2))))
    return specs
