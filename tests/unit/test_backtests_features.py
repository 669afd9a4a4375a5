"""Prior-only features against a brute-force count, and their blindness to same-day and later results."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtests.features import DEBUT_WARMUP_DAYS, add_features, prior_counts


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame({
        "race_key": [f"r{i // 6}" for i in range(n)],
        "race_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.repeat(rng.integers(0, 300, n // 6), 6), "D"),
        "horse_key": rng.choice([f"h{i}" for i in range(200)], n), "jockey_key": rng.choice(["j1", "j2", "j3"], n),
        "trainer_key": rng.choice(["t1", "t2", None], n), "is_start": rng.random(n) < 0.95,
        "final_odds": rng.uniform(1.5, 30, n), "is_wet": rng.random(n) < 0.3,
        "surface": rng.choice(["dirt", "turf"], n), "going": rng.choice(["fast", "muddy", "soft"], n),
    })
    frame["won"] = frame["is_start"] & (rng.random(n) < 0.15)
    return frame


def test_prior_counts_match_brute_force():
    f = _frame()
    day = f["race_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    wins = f["won"].to_numpy(float)
    career, recent = prior_counts(f["horse_key"], day, wins), prior_counts(f["jockey_key"], day, wins, 30)
    for i in np.random.default_rng(0).choice(len(f), 200, replace=False):
        same, earlier = f["horse_key"] == f.at[i, "horse_key"], f["race_date"] < f.at[i, "race_date"]
        assert career[i] == f.loc[same & earlier, "won"].sum()
        jockey = (f["jockey_key"] == f.at[i, "jockey_key"]) & earlier & (
            f["race_date"] >= f.at[i, "race_date"] - pd.Timedelta(days=30))
        assert recent[i] == f.loc[jockey, "won"].sum()
    assert np.isnan(prior_counts(f["trainer_key"], day, wins)[f["trainer_key"].isna().to_numpy()]).all()


def test_features_ignore_the_same_day_and_everything_later():
    f = _frame()
    base = add_features(f)
    cut = pd.Timestamp("2024-06-01")
    changed = f.copy()
    later_or_same = changed["race_date"] >= cut
    changed.loc[later_or_same, "won"] = ~changed.loc[later_or_same, "won"] & changed.loc[later_or_same, "is_start"]
    after = add_features(changed)
    columns = [c for c in base.columns if c not in f.columns]
    on_cut_or_before = base["race_date"] <= cut
    pd.testing.assert_frame_equal(base.loc[on_cut_or_before, columns], after.loc[on_cut_or_before, columns])
    assert not base.loc[base["race_date"] > cut + pd.Timedelta(days=1), "horse_wins"].equals(
        after.loc[after["race_date"] > cut + pd.Timedelta(days=1), "horse_wins"])


def test_debut_needs_a_warm_up_and_rates_are_nan_without_history():
    g = add_features(_frame())
    first_day = g["race_date"].min()
    assert not g.loc[g["race_date"] < first_day + pd.Timedelta(days=DEBUT_WARMUP_DAYS), "is_debut"].any()
    late = g["race_date"] >= first_day + pd.Timedelta(days=DEBUT_WARMUP_DAYS)
    assert (g.loc[late, "is_debut"] == (g.loc[late, "horse_starts"] == 0)).all()
    no_wet = g["horse_wet_starts"] == 0
    assert g.loc[no_wet, "horse_wet_win_rate"].isna().all()
    with_wet = g["horse_wet_starts"] > 0
    assert g.loc[with_wet, "horse_wet_win_rate"].to_numpy() == pytest.approx(
        (g.loc[with_wet, "horse_wet_wins"] / g.loc[with_wet, "horse_wet_starts"]).to_numpy())
