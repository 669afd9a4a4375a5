"""The spine end to end on the real embedded PostgreSQL: synthetic history -> gate -> raw -> dbt marts and stats.

One in-process run of ``history_job`` over a range of race dates (a single-run backfill, as the UI launches it) feeds
every test in this module: the session fixture ``history`` in tests/integration/conftest.py.
"""
from datetime import date

import sqlalchemy as sa

from tests.integration.conftest import HISTORY_END as END
from tests.integration.conftest import HISTORY_START as START
from tests.raw_checksum import partition_checksum


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_range_run_publishes_every_day_and_builds_marts(history, engine):
    # other test modules share this database with other sources and other synthetic windows: look at this window only
    window = "_source = 'synthetic' AND _partition BETWEEN :a AND :b"
    races = scalar(engine, f"SELECT count(*) FROM raw.races WHERE {window}", a=START, b=END)
    runners = scalar(engine, f"SELECT count(*) FROM raw.runners WHERE {window}", a=START, b=END)
    assert races > 1000 and runners > 8 * races * 0.9
    run = history["result"].run_id  # what this run wrote lies inside its window
    assert scalar(engine, "SELECT min(_partition)::text FROM raw.races WHERE _run_id = :r", r=run) >= START
    assert scalar(engine, "SELECT max(_partition)::text FROM raw.races WHERE _run_id = :r", r=run) <= END
    # marts hold exactly what raw holds, one row per race and per runner
    marts_window = "source = 'synthetic' AND race_date BETWEEN :a AND :b"
    assert scalar(engine, f"SELECT count(*) FROM marts.fct_races WHERE {marts_window}", a=START, b=END) == races
    assert scalar(engine, f"SELECT count(*) FROM marts.fct_runners WHERE {marts_window}", a=START, b=END) == runners
    assert scalar(engine, "SELECT count(*) FROM marts.dim_tracks WHERE source = 'synthetic'") == 5
    for table in ("dim_horses", "dim_jockeys", "dim_trainers", "horse_stats", "jockey_stats", "trainer_stats",
                  "jockey_trainer_stats", "fct_dividends"):
        assert scalar(engine, f"SELECT count(*) FROM marts.{table}") > 0, table


def test_every_race_has_exactly_one_winner_or_a_dead_heat(history, engine):
    bad = scalar(engine, """
        SELECT count(*) FROM (SELECT race_key, count(*) FILTER (WHERE finish_position = 1) AS winners,
                                     bool_and(is_dead_heat) FILTER (WHERE finish_position = 1) AS dh
                              FROM marts.fct_runners GROUP BY race_key) r
        WHERE winners = 0 OR (winners > 1 AND NOT dh)""")
    assert bad == 0


def test_gate_checks_passed_and_logged(history, engine):
    evaluations = history["result"].get_asset_check_evaluations()
    gate = {e.check_name: e.passed for e in evaluations if e.check_name.endswith("_quality_gate")}
    assert gate == {"races_quality_gate": True, "runners_quality_gate": True, "dividends_quality_gate": True}
    assert all(e.passed for e in evaluations if "one_winner_per_race" in e.check_name)
    logged = scalar(engine, "SELECT count(DISTINCT table_name) FROM ops.data_quality_log WHERE source = 'synthetic' "
                            "AND run_id = :r", r=history["result"].run_id)
    assert logged == 3


def test_rerunning_a_date_changes_nothing(history, engine):
    window = (date(2024, 3, 1), date(2024, 3, 10))
    before = {t: partition_checksum(engine, t, "synthetic", *window) for t in ("races", "runners", "dividends")}
    marts_before = scalar(engine, "SELECT count(*) FROM marts.fct_runners")
    job = history["definitions"].resolve_job_def("history_job")
    rerun = job.execute_in_process(instance=history["instance"], partition_key="2024-03-05", raise_on_error=False)
    assert rerun.success
    after = {t: partition_checksum(engine, t, "synthetic", *window) for t in ("races", "runners", "dividends")}
    assert after == before and before["runners"][0] > 0
    assert scalar(engine, "SELECT count(*) FROM marts.fct_runners") == marts_before
    dupes = scalar(engine, "SELECT count(*) - count(DISTINCT runner_key) FROM marts.fct_runners")
    assert dupes == 0


def test_planted_wet_track_edge_is_visible_in_stats(history, engine):
    from ingestion.sources.synthetic import SyntheticSource

    population = SyntheticSource(seed=7).population()
    specialists = [f"synthetic:{h}" for h in population.loc[population["wet_specialist"], "horse_id"]]
    assert len(specialists) > 50
    rates = {}
    with engine.connect() as conn:
        for wet in (True, False):
            starts, wins = conn.execute(sa.text("""
                SELECT sum(s.starts), sum(s.wins) FROM marts.horse_stats s
                WHERE s.dimension = 'going' AND s.horse_key = ANY(:keys)
                  AND (s.dimension_value IN ('muddy', 'sloppy')) = :wet"""), {"keys": specialists, "wet": wet}).one()
            rates[wet] = (float(wins) / float(starts), int(starts))
            print(f"specialists wet={wet}: {wins}/{starts}")
    (wet_rate, wet_starts), (dry_rate, dry_starts) = rates[True], rates[False]
    assert wet_starts > 100 and dry_starts > 1000
    assert wet_rate > 1.6 * dry_rate


def test_morning_line_text_is_parsed_to_decimal_odds(history, engine):
    """Fractional odds text -> decimal odds including stake; unparseable text is flagged, never guessed."""
    with engine.connect() as conn:
        parsed = dict(conn.execute(sa.text("""
            SELECT morning_line, min(morning_line_odds) FROM staging.stg_runners
            WHERE morning_line IN ('5-2', '9-5', 'EVEN', '20-1') GROUP BY 1""")).all())
        failed = conn.execute(sa.text("""
            SELECT count(*), count(*) FILTER (WHERE morning_line_odds IS NULL AND morning_line_parse_failed)
            FROM staging.stg_runners WHERE morning_line = 'N/A'""")).one()
        reported = conn.execute(sa.text("""
            SELECT coalesce(sum(n), 0) FROM marts.data_quality_report WHERE check_name ILIKE '%morning%'""")).scalar_one()
    assert {k: float(v) for k, v in parsed.items()} == {"5-2": 3.5, "9-5": 2.8, "EVEN": 2.0, "20-1": 21.0}
    assert failed[0] > 0 and failed[0] == failed[1]
    assert reported == failed[0]
