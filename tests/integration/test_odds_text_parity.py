"""Odds text means the same in SQL and Python: the dbt macro ``odds_text_to_decimal`` and ``backtests.betting.odds`` (scalar
and vectorized) on one table of strings (tests/odds_text_cases.py), the macro compiled by dbt and run in the session's
embedded PostgreSQL."""
from __future__ import annotations

import json
import math
import os
import subprocess
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.betting.odds import OddsError, parse_odds_text, parse_odds_text_series, to_price
from paddock.dbt_prep import DBT_DIR, dbt_executable
from tests.odds_text_cases import ODDS_TEXT_CASES

TEXTS = [text for text, _ in ODDS_TEXT_CASES]
EXPECTED = [expected for _, expected in ODDS_TEXT_CASES]


def python_price(text: str) -> Decimal | None:
    try:
        return to_price(parse_odds_text(text))
    except OddsError:
        return None


def test_python_converter_reads_the_table():
    assert [python_price(text) for text in TEXTS] == EXPECTED


def test_vectorized_converter_reads_the_table_and_nulls():
    result = parse_odds_text_series(pd.Series([*TEXTS, None], index=range(10, 11 + len(TEXTS))))
    assert list(result.index) == list(range(10, 11 + len(TEXTS)))
    assert [None if math.isnan(v) else Decimal(str(v)) for v in result] == [*EXPECTED, None]


def _compiled_macro(target: str) -> str:
    """The macro as dbt compiles it, applied to a column ``odds_text``."""
    cmd = [dbt_executable(), "compile", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target-path", target, "--log-path", target, "--quiet", "--output", "json",
           "--inline", "select {{ odds_text_to_decimal('odds_text') }} as odds"]
    done = subprocess.run(cmd, cwd=DBT_DIR, env=os.environ.copy(), capture_output=True, text=True)
    assert done.returncode == 0, f"dbt compile failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    return json.loads(done.stdout[done.stdout.index("{"):])["compiled"]


@pytest.mark.integration
def test_dbt_macro_reads_the_table_exactly_like_python(engine, tmp_path):
    compiled = _compiled_macro(str(tmp_path))
    sql = (f"WITH cases AS (SELECT odds_text, n FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS c(odds_text, n))"
           f" SELECT odds FROM ({compiled.replace('select', 'select n,', 1)} FROM cases) q ORDER BY n")
    with engine.connect() as conn:
        sql_prices = [row[0] for row in conn.execute(sa.text(sql), {"texts": TEXTS})]
    assert sql_prices == EXPECTED
    assert sql_prices == [python_price(text) for text in TEXTS]
