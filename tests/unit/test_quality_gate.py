"""The quality gate's split of staged raw frames: exact published/quarantined rows and reasons, batch verdicts."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest

from ingestion.schema import RACES, RAW_TABLES, RUNNERS, empty_batch, empty_frame
from quality.gate import GateFailure, gate, gate_batch, raise_if_critical

DAY = dt.date(2024, 3, 1)


# ---------- builders: valid rows in the canonical raw shape; override a field to break one rule


def race_id(n: int) -> str:
    return f"ST-20240301-{n:02d}"


def race_row(n: int, **override) -> dict:
    row = dict.fromkeys(RACES)
    row.update(race_id=race_id(n), race_date=DAY, track_code="ST", race_number=n, distance=Decimal("1200"),
               distance_unit="m", surface="turf", going="good", race_class="Class 4", purse=Decimal("1000000"),
               currency="HKD", source_ref=f"row-{n}")
    row.update(override)
    return row


def runner_row(race: int, number: int, **override) -> dict:
    row = dict.fromkeys(RUNNERS)
    row.update(race_id=race_id(race), race_date=DAY, horse_number=number, post_position=number,
               horse_id=f"HK_{race}_{number}", horse_name=f"Horse {number}", weight_lbs=Decimal("126"),
               final_odds=Decimal("5.2"), finish_position=number, status="finished", finish_time_s=Decimal("70.12"))
    row.update(override)
    return row


def dividend_row(race: int, pool: str = "win", combination: str = "1", dividend=Decimal("52.5"), **override) -> dict:
    row = dict(race_id=race_id(race), race_date=DAY, pool=pool, combination=combination, dividend=dividend,
               stake_unit=Decimal("10"), currency="HKD")
    row.update(override)
    return row


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Object columns in schema order plus ``_original``, like a source's staged output."""
    data = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in RAW_TABLES[table]}
    data["_original"] = pd.Series([{"line": i} for i in range(len(rows))], dtype=object)
    return pd.DataFrame(data)


def reasons_by(result, column: str) -> dict:
    return dict(zip(result.quarantined[column], result.quarantined["reasons"]))


# ---------- row-level splits


def test_two_bad_runners_are_quarantined_with_exactly_their_reasons():
    df = frame("runners", [runner_row(1, 1), runner_row(1, 2, final_odds=Decimal("0.9")), runner_row(1, 3),
                           runner_row(1, 4, horse_id=None), runner_row(1, 5)])
    result = gate(df, "runners")

    assert result.published["horse_number"].tolist() == [1, 3, 5]
    assert reasons_by(result, "horse_number") == {2: ["runners.final_odds_ge_1"], 4: ["runners.horse_id_not_null"]}
    assert list(result.published.columns) == list(df.columns)  # _original kept for the loader
    assert list(result.quarantined.columns) == [*df.columns, "reasons"]
    assert result.quarantined.index.tolist() == [1, 3]  # caller's index labels survive
    assert result.quarantined["_original"].tolist() == [{"line": 1}, {"line": 3}]
    # 3 of 5 valid is below the 90 % floor: the split is still made, but the batch must not be published.
    assert result.critical_failure and not result.suite_success
    assert result.summary["failed_expectations"] == {
        "runners.horse_id_not_null": 1, "runners.final_odds_ge_1": 1, "runners.valid_share_ge_0_9": 2}


def test_a_row_breaking_several_rules_lists_them_all_in_suite_order():
    rows = [runner_row(1, n) for n in range(1, 11)]
    rows[4] = runner_row(1, 5, horse_id=None, final_odds=Decimal("0.99"), status="fell", post_position=0)
    result = gate(frame("runners", rows), "runners")
    assert reasons_by(result, "horse_number") == {5: [
        "runners.horse_id_not_null", "runners.post_position_between_1_40", "runners.final_odds_ge_1",
        "runners.status_in_set"]}
    assert not result.critical_failure  # 9 of 10 valid is exactly the floor


def test_decimal_boundaries_and_non_numbers():
    """1.01 as a Decimal is legal (GX would compare it with the float 1.01 and reject it); 'abc' is not a price."""
    rows = [runner_row(1, n) for n in range(1, 21)]
    rows[0]["final_odds"] = Decimal("1.01")
    rows[1]["final_odds"] = None  # a scratched runner has no price
    rows[2]["final_odds"] = "abc"
    rows[3]["finish_position"] = None
    result = gate(frame("runners", rows), "runners")
    assert reasons_by(result, "horse_number") == {3: ["runners.final_odds_ge_1"]}
    [odds] = [o for o in result.results if o.name == "runners.final_odds_ge_1"]
    assert (odds.unexpected_count, odds.unexpected_sample, odds.unexpected_index) == (1, ("abc",), (2,))


def test_races_and_dividends_rules():
    races = [race_row(n) for n in range(1, 11)] + [
        race_row(11, race_number=21), race_row(12, distance=Decimal("0")), race_row(13, surface="grass"),
        race_row(14, distance_unit="km"), race_row(15, track_code=None)]
    result = gate(frame("races", races), "races")
    assert reasons_by(result, "race_id") == {
        race_id(11): ["races.race_number_between_1_20"], race_id(12): ["races.distance_gt_0"],
        race_id(13): ["races.surface_in_set"], race_id(14): ["races.distance_unit_in_set"],
        race_id(15): ["races.track_code_not_null"]}

    dividends = [dividend_row(1, "trifecta", f"{n}-11-7") for n in range(1, 10)] + [
        dividend_row(2, "tierce", "3,11"), dividend_row(2, "jackpot", "1"), dividend_row(2, None, "2"),
        dividend_row(2, "win", "3", dividend=Decimal("0")), dividend_row(2, "place", None)]
    result = gate(frame("dividends", dividends), "dividends")
    assert result.published["combination"].tolist()[:2] == ["1-11-7", "2-11-7"]
    assert result.quarantined["reasons"].tolist() == [
        ["dividends.combination_matches_pattern"], ["dividends.pool_in_set"], ["dividends.pool_not_null"],
        ["dividends.dividend_gt_0"], ["dividends.combination_not_null"]]


# ---------- batch-level rules


def test_duplicate_keys_keep_the_first_valid_occurrence():
    rows = [runner_row(1, n) for n in range(1, 31)]
    rows.append(runner_row(1, 3, horse_id="HK_DUP"))  # second copy of horse 3: quarantined
    rows.insert(0, runner_row(1, 7, horse_id=None))  # invalid first copy of 7: does not make the valid 7 a duplicate
    result = gate(frame("runners", rows), "runners", quarantine_warnings=True)
    assert sorted(result.published["horse_number"]) == list(range(1, 31))
    assert result.published.loc[result.published["horse_number"] == 3, "horse_id"].tolist() == ["HK_1_3"]
    assert reasons_by(result, "horse_id") == {None: ["runners.horse_id_not_null"],
                                              "HK_DUP": ["runners.unique_race_id_horse_number"]}
    [unique] = [o for o in result.results if o.name == "runners.unique_race_id_horse_number"]
    assert (unique.success, unique.unexpected_count, unique.unexpected_sample) == (False, 1, ((race_id(1), 3),))
    assert result.summary["published"] == 30 and result.summary["quarantined"] == 2
    assert not result.critical_failure  # duplicates are quarantined, not fatal (30 of 32 valid is above the floor)


def test_half_bad_batch_is_a_critical_failure_naming_the_suite():
    rows = [runner_row(1, n) for n in range(1, 6)] + [runner_row(1, n, horse_id=None) for n in range(6, 11)]
    result = gate(frame("runners", rows), "runners")
    assert result.critical_failure
    with pytest.raises(GateFailure) as excinfo:
        raise_if_critical(result)
    message = str(excinfo.value)
    assert "'runners'" in message and "runners.valid_share_ge_0_9 (observed 0.5)" in message
    assert "5 of 10 rows quarantined" in message and "runners.horse_id_not_null (5 of 10 rows)" in message
    assert excinfo.value.suite == "runners"
    assert excinfo.value.failed == {"runners.horse_id_not_null": 5, "runners.valid_share_ge_0_9": 5}


def test_a_clean_batch_passes_and_raise_if_critical_returns_it():
    result = gate(frame("runners", [runner_row(1, n) for n in range(1, 13)]), "runners")
    assert raise_if_critical(result) is result
    assert result.suite_success and not result.critical_failure and result.quarantined.empty
    assert json.loads(json.dumps(result.summary)) == result.summary


# ---------- warnings


def test_warnings_are_reported_but_quarantine_only_on_request():
    rows = [runner_row(1, n) for n in range(1, 11)]
    rows[0]["weight_lbs"] = Decimal("90")
    rows[1]["finish_time_s"] = Decimal("401")
    df = frame("runners", rows)

    relaxed = gate(df, "runners")
    assert len(relaxed.published) == 10 and relaxed.quarantined.empty
    assert not relaxed.suite_success and not relaxed.critical_failure
    assert relaxed.summary["failed_expectations"] == {
        "runners.weight_lbs_between_95_200": 1, "runners.finish_time_s_between_40_400": 1}

    strict = gate(df, "runners", quarantine_warnings=True)
    assert reasons_by(strict, "horse_number") == {
        1: ["runners.weight_lbs_between_95_200"], 2: ["runners.finish_time_s_between_40_400"]}
    assert strict.critical_failure  # 8 of 10: warnings enforced count towards the floor


# ---------- referential integrity across tables


def test_gate_batch_quarantines_rows_of_unpublished_races():
    races = [race_row(n) for n in range(1, 10)] + [race_row(10, race_number=99)]  # race 10 quarantined
    runners = [runner_row(r, n) for r in range(1, 10) for n in (1, 2)]
    runners += [runner_row(10, n) for n in range(1, 6)]  # orphans of the bad race: 5 of 24, beyond the 10 % floor
    runners += [runner_row(42, 1, horse_id=None)]  # unknown race and a bad row: both reasons
    dividends = [dividend_row(1), dividend_row(10, "place", "2")]

    results = gate_batch({"races": frame("races", races), "runners": frame("runners", runners),
                          "dividends": frame("dividends", dividends)})

    assert list(results) == ["races", "runners", "dividends"]
    assert results["races"].quarantined["race_id"].tolist() == [race_id(10)]
    quarantined = results["runners"].quarantined
    assert quarantined["race_id"].tolist() == [race_id(10)] * 5 + [race_id(42)]
    assert quarantined["reasons"].tolist()[0] == ["runners.race_id_in_published_races"]
    assert quarantined["reasons"].tolist()[-1] == ["runners.horse_id_not_null", "runners.race_id_in_published_races"]
    assert len(results["runners"].published) == 18
    # orphans are the races table's failure, reported there; they do not push runners below the floor
    assert not results["runners"].critical_failure
    assert reasons_by(results["dividends"], "race_id") == {race_id(10): ["dividends.race_id_in_published_races"]}
    assert results["runners"].results[-1].name == "runners.race_id_in_published_races"


def test_gate_batch_needs_races_for_child_tables():
    with pytest.raises(ValueError, match="races"):
        gate_batch({"runners": empty_frame("runners")})
    with pytest.raises(KeyError, match="odds"):
        gate_batch({"odds": empty_frame("runners")})


# ---------- empty and odd frames


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_empty_frame_only_fails_the_row_count_warning(table):
    result = gate(empty_frame(table), table)
    assert result.published.empty and result.quarantined.empty
    assert "reasons" in result.quarantined.columns
    assert result.summary["failed_expectations"] == {f"{table}.row_count_ge_1": 0}
    assert not result.critical_failure


def test_gate_batch_of_an_empty_batch():
    results = gate_batch(empty_batch().frames())
    assert not any(r.critical_failure for r in results.values())
    assert all(r.summary["evaluated"] == 0 for r in results.values())


def test_any_index_and_inferred_dtypes():
    """Positions, not labels, identify rows: a duplicated index and int64/float64 columns change nothing."""
    rows = [runner_row(1, n) for n in range(1, 11)]
    rows[9]["finish_position"] = 0
    df = pd.DataFrame(rows, index=[7] * 10)
    df["final_odds"] = df["final_odds"].astype(float)
    result = gate(df, "runners")
    assert result.quarantined["horse_number"].tolist() == [10]
    assert result.quarantined["reasons"].tolist() == [["runners.finish_position_ge_1"]]
    assert len(result.published) == 9


def test_a_missing_column_fails_the_batch_and_quarantines_every_row():
    df = frame("runners", [runner_row(1, n) for n in range(1, 4)]).drop(columns=["status"])
    result = gate(df, "runners")
    assert result.critical_failure and result.published.empty
    assert all(r == ["runners.status_in_set"] for r in result.quarantined["reasons"])
    [status] = [o for o in result.results if o.name == "runners.status_in_set"]
    assert "status" in status.error
    assert "runners.status_in_set could not be evaluated" in str(GateFailure(result))
