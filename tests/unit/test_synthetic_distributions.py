"""The demo default (2 years x 5 tracks) looks like US racing and keeps the schema's conventions.

Generated once per module. How long generation takes is measured by ``make bench`` (the backfill benchmark), not
asserted here: a wall-clock bound is flaky on a loaded 2-core box.
"""
from __future__ import annotations

from datetime import date, time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from ingestion.schema import DIVIDENDS, RACES, RUNNERS
from ingestion.sources.synthetic import SyntheticSource
from ingestion.sources.synthetic.model import MORNING_LINES
from paddock.canonical import STATUSES

TAKEOUT = 0.17


@pytest.fixture(scope="module")
def demo():
    return SyntheticSource().read(date(2024, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="module")
def runners(demo):
    batch = demo
    frame = batch.runners.merge(batch.races[["race_id", "track_code", "surface", "going"]], on="race_id")
    return frame.assign(odds=frame.final_odds.astype(float), won=frame.finish_position.eq(1).fillna(False))


def test_size(demo):
    batch = demo
    assert 15_000 <= len(batch.races) <= 20_000 and 140_000 <= len(batch.runners) <= 180_000


def test_schema_columns_keys_and_types(demo):
    batch = demo
    assert list(batch.races.columns) == list(RACES) and list(batch.runners.columns) == list(RUNNERS)
    assert list(batch.dividends.columns) == list(DIVIDENDS)
    assert batch.races.race_id.str.fullmatch(r"(BEL|CD|SA|DMR|AQU)-202[45]\d{4}-(0[1-9]|1[0-2])").all()
    assert batch.races.race_id.is_unique
    assert not batch.runners.duplicated(["race_id", "horse_number"]).any()
    assert not batch.dividends.duplicated(["race_id", "pool", "combination"]).any()
    assert batch.runners.horse_id.str.fullmatch(r"SYN-H\d{7}").all()
    assert isinstance(batch.races.purse.iloc[0], Decimal) and set(batch.races.currency) == {"USD"}
    assert set(batch.runners.status) <= set(STATUSES)


def test_cards_and_fields(demo):
    races = demo.races
    per_card = races.groupby(["track_code", "race_date"]).size()
    assert per_card.min() == 8 and per_card.max() == 12
    weekdays = races.groupby("track_code").race_date.apply(lambda d: sorted(set(x.weekday() for x in d))).to_dict()
    assert weekdays == {"BEL": [3, 4, 5, 6], "CD": [2, 4, 5, 6], "SA": [4, 5, 6], "DMR": [3, 4, 5, 6],
                        "AQU": [3, 5, 6]}
    assert races.distance.between(5, 12).all() and set(races.distance_unit) == {"f"}
    entries = demo.runners.groupby("race_id").size()
    assert entries.min() == 5 and entries.max() == 14 and 8 < entries.mean() < 10
    starters = demo.runners[demo.runners.status != "scratched"].groupby("race_id").size()
    assert starters.min() >= 5


def test_going_words_belong_to_their_surface(demo):
    races = demo.races
    goings = races.groupby("surface").going.apply(set).to_dict()
    assert goings == {"dirt": {"fast", "good", "muddy", "sloppy", "wet fast"},
                      "turf": {"firm", "good", "yielding", "soft"}, "synthetic": {"fast"}}


def test_post_times_are_utc_from_local_first_post(demo):
    races = demo.races
    assert str(races.post_time.dt.tz) == "UTC"
    bel = races[(races.track_code == "BEL") & (races.race_number == 1)]
    local = bel.post_time.dt.tz_convert(ZoneInfo("America/New_York")).dt.time
    assert local.between(clock(13, 0), clock(13, 4)).all()  # summer and winter alike: DST handled


def test_one_winner_per_race_except_rare_dead_heats(demo):
    runners = demo.runners
    winners = runners[runners.finish_position == 1].groupby("race_id").size()
    assert set(winners.index) == set(demo.races.race_id)
    assert set(winners.unique()) == {1, 2}
    dead_heats = winners[winners == 2].index
    assert 0.001 < len(dead_heats) / len(winners) < 0.01
    after = runners[runners.race_id.isin(dead_heats) & runners.finish_position.notna()]
    assert (after.groupby("race_id").finish_position.apply(lambda p: sorted(p)[:3]) == pd.Series(
        [[1, 1, 3]] * len(dead_heats), index=dead_heats).sort_index()).all()


def test_incidents(runners):
    scratched, dnf = runners[runners.status == "scratched"], runners[runners.status == "dnf"]
    assert 0.02 < len(scratched) / len(runners) < 0.04 and 0.002 < len(dnf) / len(runners) < 0.01
    assert scratched.final_odds.isna().all() and scratched.finish_position.isna().all()
    assert dnf.final_odds.notna().all() and dnf.finish_position.isna().all() and dnf.margin_lengths.isna().all()


def test_margins_and_times_grow_with_position(demo, runners):
    done = runners[runners.status == "finished"].sort_values(["race_id", "finish_position"])
    assert (done[done.finish_position == 1].margin_lengths == 0).all()
    assert (done.groupby("race_id").margin_lengths.diff().dropna() >= 0).all()
    assert (done.groupby("race_id").finish_time_s.diff().dropna() >= 0).all()
    winners = done[done.finish_position == 1].merge(demo.races[["race_id", "distance"]], on="race_id")
    assert 68 < winners[winners.distance == 6].finish_time_s.mean() < 72  # 6 f in about 1:10


def test_tote_odds_takeout_and_breakage(runners):
    odds = runners.dropna(subset=["final_odds"])
    assert odds.odds.min() >= 1.05
    assert all(Decimal(o) * 20 % 1 == 0 for o in odds.final_odds.head(5000))  # 5-cent steps
    overround = odds.groupby("race_id").odds.apply(lambda o: (1 / o).sum())
    assert abs(overround.mean() - 1 / (1 - TAKEOUT)) < 0.015  # 1.205 plus a little breakage


def test_favourite_longshot_bias(runners):
    odds = runners.dropna(subset=["final_odds"])
    roi = lambda g: (g.won * g.odds).mean() - 1  # noqa: E731
    favourites = odds.loc[odds.groupby("race_id").odds.idxmin()]
    assert 0.28 < favourites.won.mean() < 0.40
    assert roi(odds[odds.odds <= 3]) > roi(odds[odds.odds.between(10, 20)]) > roi(odds[odds.odds > 50])
    assert roi(odds[odds.odds > 50]) < -0.3


def test_morning_line_text_and_its_unparseable_rate(runners):
    allowed = {text for text, _ in MORNING_LINES} | {"N/A"}
    assert set(runners.morning_line) <= allowed
    assert 0.001 < (runners.morning_line == "N/A").mean() < 0.004
    assert runners.morning_line.isin(["5-2", "7-2", "EVEN", "9-5", "20-1"]).sum() > 10_000


def test_dividends_are_consistent_with_the_result(demo, runners):
    div = demo.dividends
    assert set(div.pool) == {"win", "place", "show", "exacta", "trifecta", "superfecta"}
    assert set(div.stake_unit) == {2} and set(div.currency) == {"USD"}
    assert (div.dividend.astype(float) >= 2.10).all()
    placed = runners[runners.finish_position <= 4].assign(number=lambda f: f.horse_number.astype(str))
    solo = placed[~placed.race_id.isin(placed[placed.finish_position == 1].race_id.loc[
        lambda s: s.duplicated()])]
    win = div[div.pool == "win"].merge(solo[solo.finish_position == 1], left_on=["race_id", "combination"],
                                       right_on=["race_id", "number"])
    assert len(win) > 18_000 and (win.dividend == win.final_odds * 2).all()  # a sole winner pays 2 x its odds
    order = solo.sort_values(["race_id", "finish_position"]).groupby("race_id").number.apply("-".join)
    for pool, k in (("exacta", 2), ("trifecta", 3), ("superfecta", 4)):
        got = div[div.pool == pool].set_index("race_id").combination
        expected = order.loc[got.index.intersection(order.index)].map(lambda s: "-".join(s.split("-")[:k]))
        assert (got.loc[expected.index] == expected).all()
    show = div[div.pool == "show"].groupby("race_id").size()
    assert show.value_counts().index[0] == 3


def test_horses_have_careers(runners):
    starts = runners.groupby("horse_id").size()
    assert starts.median() >= 8 and starts.max() <= 40
    assert runners.horse_age.between(2, 9).all()
