"""How the loader renders values for COPY and quarantine records: exact text, so Decimals never pass through floats."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pandas as pd

from ingestion.loader import quarantine_records
from paddock.pgcopy import NULL
from tests.copy_cells import cell as _cell


def test_cells_keep_decimals_exact_and_nulls_as_copy_null():
    assert _cell(Decimal("9.70"), "numeric") == "9.70"
    assert _cell(None, "numeric") == NULL and _cell(float("nan"), "numeric") == NULL and _cell(pd.NA, "integer") == NULL
    assert _cell(7.0, "integer") == "7"
    assert _cell(date(2024, 3, 5), "date") == "2024-03-05"


def test_naive_timestamps_are_taken_as_utc():
    assert _cell(datetime(2024, 3, 5, 17, 30), "timestamptz") == "2024-03-05T17:30:00+00:00"
    aware = datetime(2024, 3, 5, 17, 30, tzinfo=timezone.utc)
    assert _cell(aware, "timestamptz") == "2024-03-05T17:30:00+00:00"


def test_quarantine_record_prefers_the_sources_original_fields():
    rows = pd.DataFrame([
        {"race_id": "ST-20081019-03", "final_odds": "abc", "_original": {"win_odds": "abc", "horse_no": "12"},
         "reasons": ["runners.final_odds_ge_1"]},
        {"race_id": "ST-20081019-03", "final_odds": Decimal("0.5"), "_original": None,
         "reasons": ["runners.final_odds_ge_1", "runners.horse_id_not_null"]},
    ])
    out = quarantine_records(rows)
    assert out["record"].tolist() == ['{"horse_no": "12", "win_odds": "abc"}',
                                      '{"final_odds": "0.5", "race_id": "ST-20081019-03"}']
    assert out["reasons"].tolist() == ['{"runners.final_odds_ge_1"}',
                                       '{"runners.final_odds_ge_1","runners.horse_id_not_null"}']
