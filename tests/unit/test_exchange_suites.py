"""The exchange suites as data and their staging: names that travel into quarantine reasons, columns that exist,
and derived columns that are null exactly where a rule must not apply (GX skips nulls)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingestion.exchange.schema import EXCHANGE_TABLES
from ingestion.exchange.store import frames_of
from quality.gx_runner import build_gx_suite
from quality.suites_exchange import DERIVED, EXCHANGE_SUITES, stage_exchange_frames
from tests.exchange_records import day_two, epoch_market, romford_five_traps, sheffield_place, sheffield_win

NOW = datetime(2026, 3, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("table", list(EXCHANGE_TABLES))
def test_suites_name_their_table_and_read_real_columns(table):
    suite = EXCHANGE_SUITES[table]
    names = [e.name for e in suite.expectations]
    assert len(names) == len(set(names)) and all(n.startswith(f"{table}.") for n in names)
    assert all(set(e.columns) <= set(EXCHANGE_TABLES[table]) | set(DERIVED) for e in suite.expectations)
    specs = [e for e in suite.expectations if e.gx_type is not None]
    assert [e.meta["name"] for e in build_gx_suite(table, specs).expectations] == [s.name for s in specs]


def test_rule_names_are_stable():
    prices = {e.name for e in EXCHANGE_SUITES["exchange_prices"].expectations}
    assert {"exchange_prices.back_1_price_between_1_01_1000", "exchange_prices.lay_1_price_ge_back_1_price",
            "exchange_prices.back_1_size_ge_0", "exchange_prices.traded_volume_ge_0",
            "exchange_prices.unique_market_id_selection_id_snapshot_kind_snapshot_at"} <= prices
    markets = EXCHANGE_SUITES["exchange_markets"]
    assert markets["exchange_markets.settled_win_winners_ge_number_of_winners"].severity == "critical"
    assert markets["exchange_markets.settled_win_possible_dead_heat"].severity == "warning"
    assert markets["exchange_markets.greyhound_runners_between_6_8"].severity == "warning"


def test_derived_columns_apply_only_where_their_rule_does():
    records = [sheffield_win(), sheffield_place(), romford_five_traps(), *day_two(), epoch_market()]
    markets = stage_exchange_frames(frames_of(records), NOW)["exchange_markets"].set_index("market_id")
    # WIN and CLOSED only: the PLACE market and the open one are not judged on winners
    assert markets["winner_excess"].dropna().to_dict() == {
        "1.300000001": 0, "1.300000003": 0, "1.300000005": -1, "1.300000006": 1, "1.300000009": 0}
    assert markets["greyhound_runners"].dropna().to_dict() == {"1.300000001": 6, "1.300000002": 6, "1.300000003": 5}
    assert markets["market_time_plausible"].to_dict()["1.300000009"] is False
    prices = stage_exchange_frames(frames_of([sheffield_win()]), NOW)["exchange_prices"]
    crossed = prices[(prices["selection_id"] == 503) & (prices["offset_seconds"] == -300)]
    assert crossed["lay_1_minus_back_1"].astype(float).round(6).tolist() == [-0.2]
