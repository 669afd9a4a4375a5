"""The exchange loader on the session's embedded PostgreSQL: the gate's exact split of hand-made records with every
defect the exchange suites are for, idempotent reloads, and one transaction per market date.

Each test empties the exchange tables first (the dbt test module loads its own copy), so counts are global."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ingestion.exchange.store import ExchangeLoadFailure, load_markets
from tests.exchange_records import (
    BAD_PRICES, DAY1, DAY2, epoch_market, fixture_records, hamilton_win, romford_five_traps, sheffield_win,
)

pytestmark = pytest.mark.integration
TABLES = ("exchange_markets", "exchange_runners", "exchange_prices")


def clear(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(f"{s}.{t}" for s in ("raw", "quarantine") for t in TABLES)))
        conn.execute(sa.text("DELETE FROM ops.data_quality_log WHERE source = 'betfair'"))


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {f"{s}.{t}": conn.execute(sa.text(f"SELECT count(*) FROM {s}.{t}")).scalar_one()
                for s in ("raw", "quarantine") for t in TABLES}


def reasons(engine, table: str) -> list[tuple[str, str, tuple[str, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT coalesce(record ->> 'market_id', ''), "
                                    f"coalesce(record ->> 'selection_id', ''), reasons FROM quarantine.{table}")).all()
    return sorted({(m, s, tuple(r)) for m, s, r in rows})


@pytest.fixture
def loaded(engine):
    clear(engine)
    return load_markets(engine, fixture_records(), run_id="run-1")


EXPECTED = {
    "raw.exchange_markets": 6, "raw.exchange_runners": 30, "raw.exchange_prices": 75,
    "quarantine.exchange_markets": 3, "quarantine.exchange_runners": 11, "quarantine.exchange_prices": 31,
}


def test_the_gate_splits_every_defect_with_its_reason(engine, loaded):
    assert counts(engine) == EXPECTED
    assert {t: (loaded.published(t), loaded.quarantined(t)) for t in TABLES} == {
        "exchange_markets": (6, 3), "exchange_runners": (30, 11), "exchange_prices": (75, 31)}
    assert [str(d) for d in loaded.dates] == ["1970-01-21", "2026-03-02", "2026-03-03"]
    assert sorted(loaded.market_ids) == [f"1.30000000{i}" for i in (1, 2, 3, 4, 5, 6, 7, 9)]
    assert reasons(engine, "exchange_markets") == [
        ("1.300000004", "", ("exchange_markets.unique_market_id",)),  # the second copy of Hamilton
        ("1.300000005", "", ("exchange_markets.settled_win_winners_ge_number_of_winners",)),  # settled, 0 winners
        ("1.300000009", "", ("exchange_markets.market_time_plausible",)),  # 1970
    ]
    runner_reasons = reasons(engine, "exchange_runners")
    assert {(m, r) for m, _, r in runner_reasons} == {
        ("1.300000004", ("exchange_runners.unique_market_id_selection_id",)),
        ("1.300000005", ("exchange_runners.market_id_in_published_exchange_markets",)),
        ("1.300000009", ("exchange_runners.market_id_in_published_exchange_markets",)),
    }
    price_reasons = reasons(engine, "exchange_prices")
    bad = {("1.300000001", str(sel), (rule,)) for (sel, _), (_, rule) in BAD_PRICES.items()}
    assert bad <= set(price_reasons)
    assert {(m, r) for m, _, r in set(price_reasons) - bad} == {
        ("1.300000004", ("exchange_prices.unique_market_id_selection_id_snapshot_kind_snapshot_at",)),
        ("1.300000005", ("exchange_prices.market_id_in_published_exchange_markets",)),
        ("", ("exchange_prices.market_id_not_null", "exchange_prices.market_id_in_published_exchange_markets")),
    }


def test_warnings_publish_and_are_logged_and_the_implausible_date_is_critical(engine, loaded):
    day1, day2 = loaded.gate[DAY1], loaded.gate[DAY2]
    failed1 = day1["exchange_markets"].summary["failed_expectations"]
    failed2 = day2["exchange_markets"].summary["failed_expectations"]
    assert failed1 == {"exchange_markets.greyhound_runners_between_6_8": 1, "exchange_markets.unique_market_id": 1}
    assert failed2 == {"exchange_markets.settled_win_winners_ge_number_of_winners": 1,
                       "exchange_markets.settled_win_possible_dead_heat": 1}
    with engine.connect() as conn:
        published = set(conn.execute(sa.text("SELECT market_id FROM raw.exchange_markets")).scalars())
        logged = conn.execute(sa.text(
            "SELECT partition_start, expectation, severity, unexpected FROM ops.data_quality_log "
            "WHERE source = 'betfair' AND NOT success ORDER BY 1, 2")).all()
        partitions = set(conn.execute(sa.text("SELECT DISTINCT _partition FROM raw.exchange_prices")).scalars())
    assert {"1.300000003", "1.300000006"} <= published  # the 5-trap race and the dead heat
    assert (DAY1, "exchange_markets.greyhound_runners_between_6_8", "warning", 1) in logged
    assert (DAY2, "exchange_markets.settled_win_possible_dead_heat", "warning", 1) in logged
    assert partitions == {DAY1, DAY2}
    assert [(str(c.market_date), c.table) for c in loaded.critical] == [("1970-01-21", "exchange_markets")]
    assert [r.critical_failure for r in loaded.results_for("exchange_markets")] == [True, False, False]
    assert not any(r.critical_failure for r in loaded.results_for("exchange_prices"))
    with pytest.raises(ExchangeLoadFailure, match="1970-01-21: quality gate failed"):
        loaded.raise_if_critical()


def test_removed_runners_keep_their_adjustment_factors(engine, loaded):
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT selection_id, status, adjustment_factor, bsp, removal_date IS NOT NULL "
                                    "FROM raw.exchange_runners WHERE market_id = '1.300000004' AND status = 'REMOVED' "
                                    "ORDER BY selection_id")).all()
    assert rows == [(705, "REMOVED", Decimal("12.5"), None, True), (706, "REMOVED", Decimal("4.3"), None, True)]


def test_loading_twice_leaves_the_same_rows(engine, loaded):
    def snapshot():
        with engine.connect() as conn:
            return {t: sorted(map(tuple, conn.execute(sa.text(
                f"SELECT * FROM raw.{t} ORDER BY 1")).all())) for t in TABLES}

    def strip(rows):  # _loaded_at and _run_id change with the run; nothing else may
        return [r[:-2] for r in rows]

    first = {t: strip(rows) for t, rows in snapshot().items()}
    second_report = load_markets(engine, fixture_records(), run_id="run-2")
    assert counts(engine) == EXPECTED
    assert {t: strip(rows) for t, rows in snapshot().items()} == first
    assert second_report.written == loaded.written
    with engine.connect() as conn:
        runs = set(conn.execute(sa.text("SELECT DISTINCT _run_id FROM quarantine.exchange_prices")).scalars())
    assert runs == {"run-2"}


def test_a_failing_date_rolls_back_alone(engine):
    """Day 2's write fails after its DELETE ran (a cell COPY cannot convert): its previous rows stay whole, while
    day 1's new version is published in its own transaction."""
    clear(engine)
    load_markets(engine, [sheffield_win(), romford_five_traps(), hamilton_win()], run_id="before")
    moved = hamilton_win()
    moved.market.update(market_id="1.300000010")  # the same race on day 2, loaded once
    for row in (*moved.runners, *moved.prices):
        row["market_id"] = "1.300000010"
    _move_to_day2(moved)
    load_markets(engine, [moved], run_id="before")
    before = counts(engine)

    better = sheffield_win()
    better.runners[0]["bsp"] = Decimal("4.4")
    broken = dataclasses.replace(moved, market={**moved.market, "updates": "many"})
    report = load_markets(engine, [better, broken, epoch_market()], run_id="after")

    assert [(str(c.market_date), c.table) for c in report.critical][:1] == [("1970-01-21", "exchange_markets")]
    assert [str(c.market_date) for c in report.critical if c.table is None] == [str(DAY2)]
    assert "write failed" in report.critical[-1].message
    with engine.connect() as conn:
        bsp = conn.execute(sa.text("SELECT bsp FROM raw.exchange_runners WHERE market_id = '1.300000001' "
                                   "AND selection_id = 501")).scalar_one()
        day2 = conn.execute(sa.text("SELECT count(*), min(_run_id) FROM raw.exchange_runners "
                                    "WHERE market_id = '1.300000010'")).one()
    assert bsp == Decimal("4.4")
    assert tuple(day2) == (6, "before")
    after = counts(engine)
    assert after["raw.exchange_prices"] == before["raw.exchange_prices"]
    assert after["quarantine.exchange_markets"] == before["quarantine.exchange_markets"] + 1  # the 1970 market


def _move_to_day2(record) -> None:
    from datetime import timedelta

    for row in (record.market, *record.runners, *record.prices):
        row["market_date"] = DAY2
    for row in record.prices:
        row["snapshot_at"] += timedelta(days=1)
    record.market["market_time"] += timedelta(days=1)


def test_the_real_files_pass_the_gate_whole(engine):
    """The three real markets (``../shared``) through the reader: nothing quarantined, the Hamilton market's two
    REMOVED runners stored with their adjustment factors."""
    from ingestion.exchange.reader import read_markets
    from tests.conftest import shared_path

    clear(engine)
    records = list(read_markets([shared_path("betfair-historical")]))
    report = load_markets(engine, records, run_id="real")
    assert report.critical == [] and sorted(report.market_ids) == ["1.132153978", "1.197931750", "1.197931751"]
    assert {t: (report.published(t), report.quarantined(t)) for t in TABLES} == {
        "exchange_markets": (3, 0), "exchange_runners": (26, 0),
        "exchange_prices": (sum(len(r.prices) for r in records), 0)}
    with engine.connect() as conn:
        removed = conn.execute(sa.text("SELECT selection_id, adjustment_factor FROM raw.exchange_runners "
                                       "WHERE market_id = '1.132153978' AND status = 'REMOVED' ORDER BY 1")).all()
    assert [tuple(r) for r in removed] == [(9606433, Decimal("5.55")), (11198538, Decimal("7.14"))]
