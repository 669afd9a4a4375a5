"""The tiers a snapshot can be stored with and the tiers dbt accepts are one list (issue 13: tote tiers were stored
that ``stg_odds_snapshots`` rejected, and the failing test silenced every odds mart)."""
from pathlib import Path

import yaml

from ingestion.odds_api.tiers import STORED_FETCH_TIERS, TIER_INTERVAL_MINUTES, TIERS, TOTE_TIERS, fetch_tier
from ingestion.racecards.tote_odds import tote_tier

YML = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/odds/stg_odds_snapshots.yml"


def fetch_tier_test() -> dict:
    model = yaml.safe_load(YML.read_text())["models"][0]
    column = next(c for c in model["columns"] if c["name"] == "fetch_tier")
    return next(t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t)


def test_dbt_accepts_exactly_the_stored_tiers():
    assert sorted(fetch_tier_test()["arguments"]["values"]) == sorted(STORED_FETCH_TIERS)
    assert sorted(STORED_FETCH_TIERS) == sorted(["opening", "early", "sharp", "pregame", "closing", "live",
                                                 "racing_closing", "racing_final"])


def test_every_tier_the_code_can_produce_is_a_stored_tier():
    produced = {fetch_tier(h) for h in (-1.0, 0.0, 2.9, 3.0, 11.9, 12.0, 23.9, 24.0, 71.9, 72.0, 500.0)}
    produced |= {tote_tier(m)[0] for m in (0.5, 10.0, 10.5, 120.0)}
    assert produced == set(STORED_FETCH_TIERS)
    assert set(TIER_INTERVAL_MINUTES) == {name for name, _ in TIERS}
    assert {name for name, _, _ in TOTE_TIERS} <= set(STORED_FETCH_TIERS)


def test_an_unknown_tier_warns_instead_of_blocking_the_odds_marts():
    assert fetch_tier_test()["config"]["severity"] == "warn"
