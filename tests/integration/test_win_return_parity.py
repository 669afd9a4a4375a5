"""``marts.fct_runners`` (dbt) and ``frames.runners_from_batch`` (pandas) give every runner the same win return.

One synthetic meeting, edited into the two shapes where a per-horse and a per-race fallback to the final odds differ,
is gated and loaded into the session's embedded PostgreSQL under a source of its own, and ``dbt build`` builds
``fct_runners`` over that race date. The rule both sides follow: a race with a win dividend pays its winners their
dividend (0 for a winner without one), a race with no win dividend at all falls back to the final odds.

- race 1, a dead heat for first whose second winner has no win dividend: that winner returns 0, not its final odds;
- race 2, no win dividend at all: its winner returns its final odds.

Afterwards the database is put back: relations the build created are dropped, and if ``fct_runners`` already existed
(other modules built it) the loaded rows are deleted from raw and the window is rebuilt without them.
"""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from backtests.frames import runners_from_batch
from ingestion.gated_load import load_history_window
from ingestion.schema import RawBatch
from ingestion.sources.base import HistoricalSource
from ingestion.sources.synthetic import SyntheticSource
from tests.dbt_build import dbt_build as run_build

pytestmark = pytest.mark.integration

SOURCE, DAY = "win_parity", date(2021, 9, 2)  # a race date and a source no other module loads


class EditedMeeting(HistoricalSource):
    name = SOURCE

    def __init__(self, batch: RawBatch) -> None:
        self.batch = batch

    def available_dates(self) -> list[date]:
        return [DAY]

    def read(self, start: date, end: date) -> RawBatch:
        return self.batch


def edited_meeting() -> tuple[RawBatch, str, str]:
    """BEL's card of DAY with race 1 turned into a dead heat (runner-up joins the winner, no dividend of its own)
    and race 2 stripped of its win dividend; (batch, race 1 id, race 2 id)."""
    batch = SyntheticSource(seed=3, start=DAY, end=DAY, tracks=("BEL",)).read(DAY, DAY)
    runners, dividends = batch.runners.copy(), batch.dividends.copy()
    dead_heat, no_win_pool = batch.races["race_id"].iloc[:2]
    race = runners["race_id"] == dead_heat
    winner = runners.index[race & (runners["finish_position"] == 1)][0]
    second = runners.index[race & (runners["finish_position"] == 2)][0]
    runners.loc[second, ["finish_position", "margin_lengths", "finish_time_s"]] = (
        1, runners.at[winner, "margin_lengths"], runners.at[winner, "finish_time_s"])
    win_pool = dividends["pool"] == "win"
    assert (win_pool & (dividends["race_id"] == dead_heat)).sum() == 1  # the first winner's dividend only
    dividends = dividends[~(win_pool & (dividends["race_id"] == no_win_pool))]
    return RawBatch(batch.races, runners, dividends), dead_heat, no_win_pool


def dbt_build(target: str) -> None:
    window = json.dumps({"min_date": DAY.isoformat(), "max_date": DAY.isoformat()})
    run_build(target, "--select", "+fct_runners", "--indirect-selection", "cautious", "--vars", window)


def relations(engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname IN ('staging', 'marts')")).all())


@pytest.fixture(scope="module")
def both(runtime_env, engine, tmp_path_factory):
    """(fct_runners rows of the meeting, the pandas frame of the same batch, dead-heat race key, no-win-pool key)."""
    batch, dead_heat, no_win_pool = edited_meeting()
    report = load_history_window(engine, [EditedMeeting(batch)], DAY, DAY, run_id="test-win-return-parity")
    assert report.quarantined("runners") == report.quarantined("dividends") == 0
    target = str(tmp_path_factory.mktemp("dbt-win-parity"))
    before = relations(engine)
    dbt_build(target)
    created = relations(engine) - before
    with engine.connect() as conn:
        sql = pd.read_sql(sa.text("SELECT race_key, horse_number, final_odds, won, win_payout, win_bet_return "
                                  "FROM marts.fct_runners WHERE source = :s"), conn, params={"s": SOURCE})
    yield sql, runners_from_batch(batch, source=SOURCE), f"{SOURCE}:{dead_heat}", f"{SOURCE}:{no_win_pool}"
    with engine.begin() as conn:
        for schema, name, kind in sorted(created, key=lambda r: r[2] != "v"):  # views first
            conn.execute(sa.text(f'DROP {"VIEW" if kind == "v" else "TABLE"} IF EXISTS "{schema}"."{name}" CASCADE'))
        for schema in ("raw", "quarantine"):
            for table in ("races", "runners", "dividends"):
                conn.execute(sa.text(f"DELETE FROM {schema}.{table} WHERE _source = :s"), {"s": SOURCE})
    if ("marts", "fct_runners", "r") in before:
        dbt_build(target)  # the window again, now without the meeting: the existing fact drops its rows


def test_sql_and_python_give_every_runner_the_same_win_return(both):
    sql, frame, _, _ = both
    key = ["race_key", "horse_number"]
    sql = sql.assign(horse_number=sql["horse_number"].astype(int)).set_index(key).sort_index()
    py = frame.assign(horse_number=frame["horse_number"].astype(int)).set_index(key).sort_index()
    assert len(sql) == len(py) > 50
    assert sql.index.equals(py.index)
    for column in ("final_odds", "win_payout", "win_bet_return"):
        pd.testing.assert_series_equal(sql[column].astype(float), py[column].astype(float), check_names=False)


def test_dead_heater_without_a_dividend_returns_nothing_and_a_race_without_a_win_pool_pays_final_odds(both):
    sql, _, dead_heat, no_win_pool = both
    winners = sql[sql["won"]].set_index("race_key")
    heat = winners.loc[[dead_heat]]
    paid, unpaid = heat[heat["win_payout"].notna()], heat[heat["win_payout"].isna()]
    assert len(paid) == len(unpaid) == 1
    assert float(paid["win_bet_return"].iloc[0]) == float(paid["win_payout"].iloc[0]) > 1
    assert float(unpaid["win_bet_return"].iloc[0]) == 0.0 < float(unpaid["final_odds"].iloc[0])
    sole = winners.loc[no_win_pool]
    assert sole["win_payout"] is None or pd.isna(sole["win_payout"])
    assert float(sole["win_bet_return"]) == float(sole["final_odds"]) > 1
