"""The demo race-card site shows the synthetic history's own horses, jockeys and trainers, race for race.

``marts.race_cards`` joins a demo card to the ``synthetic`` history by horse id and people's names; this holds the
generator side of that promise: a meeting on the site is exactly the rows the history source (default tracks, a window
like ``paddock run``'s, ending the day before "today") loads for that track and day.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingestion.racecards.demo_site import day_batch
from ingestion.sources.synthetic import SyntheticSource
from ingestion.sources.synthetic.source import DEFAULT_TRACKS

SEED = 7
TODAY = date(2026, 6, 21)
HISTORY = SyntheticSource(seed=SEED, start=date(2025, 1, 1), end=date(2026, 6, 20), tracks=DEFAULT_TRACKS)


@pytest.mark.parametrize("day", [date(2026, 6, 20), date(2025, 11, 22)])
def test_demo_meetings_are_the_history_rows_of_that_day(day):
    history = HISTORY.read(day, day)
    compared = 0
    for track in DEFAULT_TRACKS:
        demo = day_batch(SEED, track, day)
        for name, frame in demo.frames().items():
            expected = history.frames()[name]
            expected = expected[expected["race_id"].str.startswith(f"{track}-")].reset_index(drop=True)
            pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected)
        compared += len(demo.runners)
    assert compared == len(history.runners) > 300  # every history runner of the day is on some demo card


def test_todays_demo_cast_has_history_behind_it():
    """Today's runners are mostly horses that already ran in the window, ridden and trained by its people."""
    window = HISTORY.read(date(2026, 1, 1), date(2026, 6, 20)).runners
    for track in ("BEL", "SA"):
        runners = day_batch(SEED, track, TODAY).runners
        assert len(runners) > 50
        assert runners["horse_id"].isin(window["horse_id"]).mean() >= 0.8
        assert runners["jockey_id"].isin(window["jockey_id"]).all()
        assert runners["trainer_id"].isin(window["trainer_id"]).all()
