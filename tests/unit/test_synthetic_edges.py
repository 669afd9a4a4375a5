"""The planted edges are real in the generated rows and invisible in the odds; the CSV export matches a read.

These are the "known answers" later analyses and backtests are checked against, so they are asserted on the rows a
user would see (results and odds), with the hidden attributes used only to pick the horses.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingestion.sources.synthetic import PLANTED_EDGES, SyntheticSource, write_seed_csvs
from ingestion.sources.synthetic.model import DEBUT_TRAINER_ID


@pytest.fixture(scope="module")
def source():
    return SyntheticSource()


@pytest.fixture(scope="module")
def starts(source):
    batch = source.read(source.start, source.end)
    frame = batch.runners[batch.runners.status != "scratched"].merge(
        batch.races[["race_id", "surface", "going"]], on="race_id")
    horses = source.population()[["horse_id", "wet_specialist", "debut_date"]]
    frame = frame.merge(horses, on="horse_id", how="left")
    return frame.assign(odds=frame.final_odds.astype(float), won=frame.finish_position.eq(1).fillna(False),
                        wet=frame.surface.eq("dirt") & frame.going.isin(["muddy", "sloppy"]))


def summary(g: pd.DataFrame) -> dict[str, float]:
    return {"n": len(g), "win": g.won.mean(), "implied": (1 / g.odds).mean(), "roi": (g.won * g.odds).mean() - 1}


def test_planted_edges_are_documented():
    assert set(PLANTED_EDGES) == {"wet_specialists", "first_time_starters"}
    assert "muddy" in PLANTED_EDGES["wet_specialists"]["when"]
    assert DEBUT_TRAINER_ID == "SYN-T007" and "SYN-T007" in PLANTED_EDGES["first_time_starters"]["who"]


def test_population_names_the_specialists(source, starts):
    pop = source.population()
    assert pop.horse_id.is_unique and starts.horse_id.isin(pop.horse_id).all()
    share = pop.wet_specialist.mean()
    assert 0.04 < share < 0.06


def test_wet_specialists_win_far_more_on_wet_dirt_than_otherwise(starts):
    spec = starts[starts.wet_specialist]
    wet, dry = summary(spec[spec.wet]), summary(spec[~spec.wet])
    assert wet["n"] >= 500 and dry["n"] >= 5000
    assert wet["win"] > 1.8 * dry["win"]
    assert wet["roi"] > 0.3  # backing them on wet dirt pays ...
    assert wet["implied"] < 1.2 * dry["implied"]  # ... because the public barely prices it


def test_other_horses_have_no_wet_edge(starts):
    rest = starts[~starts.wet_specialist]
    wet, dry = summary(rest[rest.wet]), summary(rest[~rest.wet])
    assert 0.8 < wet["win"] / dry["win"] < 1.2 and wet["roi"] < 0


def test_planted_trainer_debutants_outrun_their_odds(starts):
    debut = starts[starts.race_date == starts.debut_date]
    planted, others = summary(debut[debut.trainer_id == DEBUT_TRAINER_ID]), \
        summary(debut[debut.trainer_id != DEBUT_TRAINER_ID])
    assert planted["n"] >= 100
    assert planted["win"] > 1.8 * planted["implied"] and planted["roi"] > 0.3
    assert others["win"] < others["implied"] and others["roi"] < 0
    later = starts[(starts.trainer_id == DEBUT_TRAINER_ID) & (starts.race_date != starts.debut_date)]
    assert summary(later)["roi"] < 0  # only the debut is special


def test_write_seed_csvs_matches_a_read(tmp_path):
    start, end = date(2024, 6, 1), date(2024, 6, 9)
    paths = write_seed_csvs(tmp_path, start, end, seed=7)
    assert sorted(paths) == sorted(["races.csv", "entries.csv", "results.csv", "dividends.csv", "horses.csv",
                                    "jockeys.csv", "trainers.csv"])
    batch = SyntheticSource(start=start, end=end).read(start, end)
    races = pd.read_csv(paths["races.csv"])
    assert list(races.columns) == ["race_id", "race_date", "track_code", "race_number", "post_time", "distance_f",
                                   "surface", "going", "race_class", "race_type", "purse_usd"]
    assert list(races.race_id) == list(batch.races.race_id)
    assert races.post_time.iloc[0] == batch.races.post_time.iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    entries, results = pd.read_csv(paths["entries.csv"]), pd.read_csv(paths["results.csv"])
    assert len(entries) == len(results) == len(batch.runners)
    assert entries.scratched.sum() == (batch.runners.status == "scratched").sum()
    assert len(pd.read_csv(paths["dividends.csv"])) == len(batch.dividends)
    horses = pd.read_csv(paths["horses.csv"])
    assert set(horses.horse_id) == set(batch.runners.horse_id)
    assert "wet_specialist" not in horses.columns  # the answers stay out of the data
    assert set(pd.read_csv(paths["trainers.csv"]).trainer_id) >= set(batch.runners.trainer_id)
