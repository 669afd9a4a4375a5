"""All of the real Hong Kong history through the gate into raw and on to the marts, with exact counts.

Needs ../shared/data (present in CI, absent from a user's clone: then skipped with the reason). Every count is scoped
to this module's loads (their run ids): other modules write rows of the same sources (test_gate_quarantine).
"""
from datetime import date

import pytest
import sqlalchemy as sa

from ingestion.gated_load import load_history_window
from ingestion.sources import get_source
from tests.conftest import shared_path

pytestmark = pytest.mark.shared
KAGGLE = "_source = 'kaggle_hk' AND _run_id = 'real-kaggle'"
HKJC = "_source = 'hkjc' AND _run_id = 'real-hkjc'"


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


@pytest.fixture(scope="module")
def hk_loaded(engine):
    kaggle = get_source("kaggle_hk", data_dir=shared_path("kaggle-hk"))
    hkjc = get_source("hkjc", data_dir=shared_path("hkjc-results"))
    load_history_window(engine, [kaggle], date(2008, 9, 15), date(2016, 12, 11), run_id="real-kaggle")
    load_history_window(engine, [hkjc], date(2017, 1, 1), date(2019, 12, 31), run_id="real-hkjc")
    return engine


def test_kaggle_hk_loads_every_race_and_run(hk_loaded):
    e = hk_loaded
    assert count(e, f"SELECT count(*) FROM raw.races WHERE {KAGGLE}") == 6349
    assert count(e, f"SELECT count(*) FROM raw.runners WHERE {KAGGLE}") == 79447
    assert count(e, f"SELECT count(*) FROM quarantine.runners WHERE {KAGGLE}") == 0
    # the calendar is restored: race 0 of the csv is Sha Tin race 1 of 2008-09-15
    assert count(e, f"SELECT min(race_date)::text FROM raw.races WHERE {KAGGLE}") == "2008-09-15"
    assert count(e, f"SELECT max(race_date)::text FROM raw.races WHERE {KAGGLE}") == "2016-12-11"


def test_hkjc_loads_every_meeting_race_and_runner(hk_loaded):
    e = hk_loaded
    assert count(e, f"SELECT count(DISTINCT (race_date, track_code)) FROM raw.races WHERE {HKJC}") == 260
    assert count(e, f"SELECT count(*) FROM raw.races WHERE {HKJC}") == 2399
    assert count(e, f"SELECT count(*) FROM raw.runners WHERE {HKJC}") == 29141
    pools = count(e, f"SELECT string_agg(DISTINCT pool, ',' ORDER BY pool) FROM raw.dividends WHERE {HKJC}")
    assert pools == "first4,place,quartet,quinella,quinella_place,tierce,trio,win"
