"""The gate on the real database: a bad CSV row is quarantined with its reason, the good rows load; a file with a
missing column fails with an error naming the file and column and writes nothing."""
import csv
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingestion.errors import SourceSchemaError
from ingestion.gated_load import load_history_window
from ingestion.sources import get_source
from quality.gate import GateFailure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources" / "kaggle_hk"
CSV_DATE = "1997-05-18"  # + 4,123 days = the race date below
RACE_DATE = date(2008, 8, 31)  # a Sunday before the real Kaggle history (2008-09-15 on): no other module loads it


def header(name: str) -> list[str]:
    with open(FIXTURES / name, newline="") as handle:
        return next(csv.reader(handle))


def write_kaggle_dir(tmp: Path, *, bad_odds: str = "abc", drop_column: str | None = None, bad_runners: int = 1) -> Path:
    """One 12-runner race in the Kaggle layout; the last `bad_runners` runners' win_odds is `bad_odds`."""
    race_cols, run_cols = header("races.csv"), header("runs.csv")
    race = dict.fromkeys(race_cols, "")
    race.update(race_id="500", date=CSV_DATE, venue="ST", race_no="3", config="A", surface="0", distance="1200",
                going="GOOD", horse_ratings="60-40", prize="800000.0", race_class="4",
                win_combination1="1", win_dividend1="45.0", place_combination1="1", place_dividend1="17.5",
                place_combination2="2", place_dividend2="21.0", place_combination3="3", place_dividend3="30.5")
    runs = []
    for n in range(1, 13):
        run = dict.fromkeys(run_cols, "")
        run.update(race_id="500", horse_no=str(n), horse_id=str(9000 + n), result=str(n), won="1.0" if n == 1 else "0.0",
                   lengths_behind=str((n - 1) * 0.5), horse_age="4", actual_weight="126", declared_weight="1100.0",
                   draw=str(n), finish_time=str(70 + n / 10), win_odds="4.5" if n == 1 else str(5 + n),
                   trainer_id=str(100 + n), jockey_id=str(200 + n))
        runs.append(run)
    for run in runs[len(runs) - bad_runners:]:
        run["win_odds"] = bad_odds
    for name, cols, rows in (("races.csv", race_cols, [race]), ("runs.csv", run_cols, runs)):
        keep = [c for c in cols if c != drop_column]
        with open(tmp / name, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=keep, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    return tmp


def counts(engine, schema: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {schema}.{t} WHERE _source = 'kaggle_hk' "
                                        "AND _partition = :d"), {"d": RACE_DATE}).scalar_one()
                for t in ("races", "runners", "dividends")}


def test_bad_row_is_quarantined_with_reason_and_good_rows_load(engine, tmp_path):
    source = get_source("kaggle_hk", data_dir=write_kaggle_dir(tmp_path))
    for _ in range(2):  # twice: a re-run must not duplicate published or quarantined rows
        report = load_history_window(engine, [source], RACE_DATE, RACE_DATE, run_id="test-quarantine")
    assert counts(engine, "raw") == {"races": 1, "runners": 11, "dividends": 4}
    assert counts(engine, "quarantine") == {"races": 0, "runners": 1, "dividends": 0}
    assert report.quarantined("runners") == 1
    with engine.connect() as conn:
        record, reasons = conn.execute(sa.text(
            "SELECT record, reasons FROM quarantine.runners WHERE _source = 'kaggle_hk' AND _partition = :d"),
            {"d": RACE_DATE}).one()
        logged = conn.execute(sa.text(
            "SELECT unexpected FROM ops.data_quality_log WHERE source = 'kaggle_hk' AND run_id = 'test-quarantine' "
            "AND expectation = :e"), {"e": "runners.final_odds_ge_1"}).scalar_one()
    assert reasons == ["runners.final_odds_ge_1"]
    assert record["win_odds"] == "abc" and record["horse_no"] == "12"
    assert logged == 1


def test_missing_column_names_file_and_column_and_writes_nothing(engine, tmp_path):
    with engine.begin() as conn:
        for t in ("races", "runners", "dividends"):
            conn.execute(sa.text(f"DELETE FROM raw.{t} WHERE _source = 'kaggle_hk' AND _partition = :d"),
                         {"d": RACE_DATE})
    source = get_source("kaggle_hk", data_dir=write_kaggle_dir(tmp_path, drop_column="win_odds"))
    with pytest.raises(SourceSchemaError) as err:
        load_history_window(engine, [source], RACE_DATE, RACE_DATE, run_id="test-missing")
    assert "runs.csv" in str(err.value) and "win_odds" in str(err.value)
    assert counts(engine, "raw") == {"races": 0, "runners": 0, "dividends": 0}


def test_critical_batch_failure_publishes_nothing_but_records_why(engine, tmp_path):
    """3 of 12 runners bad: below the 90 % valid floor, so the batch is refused; the published partition stays."""
    (tmp_path / "good").mkdir()
    good = get_source("kaggle_hk", data_dir=write_kaggle_dir(tmp_path / "good", bad_runners=0))
    load_history_window(engine, [good], RACE_DATE, RACE_DATE, run_id="test-good")
    assert counts(engine, "raw") == {"races": 1, "runners": 12, "dividends": 4}
    (tmp_path / "bad").mkdir()
    bad = get_source("kaggle_hk", data_dir=write_kaggle_dir(tmp_path / "bad", bad_runners=3))
    with pytest.raises(GateFailure) as err:
        load_history_window(engine, [bad], RACE_DATE, RACE_DATE, run_id="test-bad")
    assert "'runners'" in str(err.value) and "runners.valid_share_ge_0_9" in str(err.value)
    assert counts(engine, "raw") == {"races": 1, "runners": 12, "dividends": 4}  # the previous load, untouched
    assert counts(engine, "quarantine") == {"races": 0, "runners": 3, "dividends": 0}
    with engine.connect() as conn:
        logged = conn.execute(sa.text(
            "SELECT success FROM ops.data_quality_log WHERE source = 'kaggle_hk' AND run_id = 'test-bad' "
            "AND expectation = 'runners.valid_share_ge_0_9'")).scalar_one()
    assert logged is False
