"""Export a synthetic range as plain CSVs (e.g. dbt seeds, a notebook, a bug report) without a database.

Layout (one header row, comma separated, ISO dates, UTC post times, blank = null):

- ``races.csv``: race_id, race_date, track_code, race_number, post_time, distance_f, surface, going, race_class,
  race_type, purse_usd
- ``entries.csv`` (the card, before the race): race_id, horse_number, post_position, horse_id, jockey_id, trainer_id,
  weight_lbs, morning_line, scratched
- ``results.csv`` (after it): race_id, horse_number, horse_id, status, finish_position, final_odds, margin_lengths,
  finish_time_s
- ``dividends.csv``: race_id, pool, combination, dividend, stake_unit, currency (per $2)
- ``horses.csv``: horse_id, horse_name, foaled, home_track, trainer_id (horses that have an entry; no hidden
  attributes - the planted edges stay for analysis to find)
- ``jockeys.csv`` / ``trainers.csv``: id, name, track
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ingestion.sources.synthetic.source import DEFAULT_TRACKS, SyntheticSource


def write_seed_csvs(out_dir: Path | str, start: date, end: date, seed: int = 7,
                    tracks: tuple[str, ...] = DEFAULT_TRACKS) -> dict[str, Path]:
    """Generate [start, end] with ``seed`` and write the seven CSVs above; returns {file name: path}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = SyntheticSource(seed=seed, start=start, end=end, tracks=tracks)
    batch = source.read(start, end)
    races = batch.races.assign(post_time=batch.races["post_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    runners = batch.runners.assign(scratched=batch.runners["status"].eq("scratched"))
    horses = source.population()
    horses = horses[horses["horse_id"].isin(set(runners["horse_id"]))]
    frames = {
        "races.csv": races.rename(columns={"distance": "distance_f", "purse": "purse_usd"})[[
            "race_id", "race_date", "track_code", "race_number", "post_time", "distance_f", "surface", "going",
            "race_class", "race_type", "purse_usd"]],
        "entries.csv": runners[["race_id", "horse_number", "post_position", "horse_id", "jockey_id", "trainer_id",
                                "weight_lbs", "morning_line", "scratched"]],
        "results.csv": runners[["race_id", "horse_number", "horse_id", "status", "finish_position", "final_odds",
                                "margin_lengths", "finish_time_s"]],
        "dividends.csv": batch.dividends[["race_id", "pool", "combination", "dividend", "stake_unit", "currency"]],
        "horses.csv": horses[["horse_id", "horse_name", "foaled", "home_track", "trainer_id"]],
        "jockeys.csv": source.people("jockey")[["jockey_id", "jockey_name", "track"]],
        "trainers.csv": source.people("trainer")[["trainer_id", "trainer_name", "track"]],
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = out / name
        frame.to_csv(paths[name], index=False)
    return paths
