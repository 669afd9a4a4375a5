"""Days since a horse's last start when nobody in the frame has started yet (upcoming race cards ahead of any history).

The strategy monitor appends card rows (``is_start`` false) to the history window; on a warehouse whose history is
empty that frame has no start at all, and the lookup indexed an empty array (the simulated race day's failed
``strategy_monitor_sensor`` tick). Expected values are by hand: no earlier start means NaN; with one, the gap in days.
"""
import numpy as np
import pandas as pd

from backtests.features import _previous_start_day


def test_no_start_anywhere_gives_no_previous_start():
    keys = pd.Series(["a", "b", "a"])
    out = _previous_start_day(keys, np.array([10, 10, 11]), np.array([False, False, False]))
    assert np.isnan(out).all() and len(out) == 3


def test_previous_start_is_the_latest_strictly_earlier_day_of_the_same_key():
    keys = pd.Series(["a", "a", "b", "a"])
    out = _previous_start_day(keys, np.array([3, 7, 7, 9]), np.array([True, True, False, False]))
    assert np.isnan(out[0]) and out[1] == 3 and np.isnan(out[2]) and out[3] == 7
