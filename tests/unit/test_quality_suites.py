"""The suites as data and the GX wrapper: names, GX compatibility, Decimal handling, cheap imports."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ingestion.schema import RAW_TABLES
from quality.gx_runner import ExpectationOutcome, build_gx_suite, validate
from quality.suites import SUITES, between, get_suite, not_null, unique

PROJECT = Path(__file__).resolve().parents[2]


def test_every_table_has_a_suite_with_unique_prefixed_names():
    assert set(SUITES) == set(RAW_TABLES)
    for table, suite in SUITES.items():
        names = [e.name for e in suite.expectations]
        assert len(names) == len(set(names))
        assert all(n.startswith(f"{table}.") for n in names)
        assert {e.severity for e in suite.expectations} <= {"critical", "warning"}
        assert {e.level for e in suite.expectations} <= {"row", "batch"}
        assert all(set(e.columns) <= set(RAW_TABLES[table]) for e in suite.expectations)
        assert {f"{table}.valid_share_ge_0_9", f"{table}.row_count_ge_1"} <= set(names)


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_specs_build_real_gx_suites(table):
    specs = [e for e in get_suite(table).expectations if e.gx_type is not None]
    suite = build_gx_suite(table, specs)
    assert [e.meta["name"] for e in suite.expectations] == [s.name for s in specs]


def test_unknown_suite_names_the_known_ones():
    with pytest.raises(KeyError, match="races, runners, dividends"):
        get_suite("odds")


def test_validate_returns_outcomes_in_spec_order_with_original_values():
    df = pd.DataFrame({
        "odds": pd.Series([Decimal("1.01"), Decimal("1.00"), None, Decimal("0.5")], dtype=object),
        "k": ["a", "b", "b", None],
    }).set_axis(["w", "x", "y", "z"])  # positions, not labels, come back
    specs = [between("t", "odds", 1.01), not_null("t", "k"), unique("t", "k")]
    odds, k, uniq = validate(df, specs)
    assert isinstance(odds, ExpectationOutcome)
    assert (odds.name, odds.success, odds.evaluated, odds.unexpected_count) == ("t.odds_ge_1_01", False, 4, 2)
    assert odds.unexpected_index == (1, 3) and odds.unexpected_sample == (Decimal("1.00"), Decimal("0.5"))
    assert (k.unexpected_index, k.unexpected_sample) == ((3,), (None,))
    assert uniq.unexpected_index == (1, 2) and uniq.level == "batch"  # GX flags every member of a duplicate group


def test_gate_computed_rules_are_not_sent_to_gx():
    with pytest.raises(ValueError, match="valid_share"):
        validate(pd.DataFrame({"a": [1]}), get_suite("races").batch_level())


def test_importing_quality_does_not_import_great_expectations():
    code = "import sys, quality.gate, quality.suites; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=True)


def test_gx_is_quiet(capfd):
    """No progress bars or analytics chatter in run logs."""
    df = pd.DataFrame({"x": range(2000)})
    validate(df, [between("t", "x", 0), unique("t", "x"), not_null("t", "x")])
    out, err = capfd.readouterr()
    assert out == "" and err == ""
