"""Today's demo race cards carry form: the site's horses, jockeys and trainers are the synthetic history's.

What ``paddock run`` does with default settings, at a fixed "today": a synthetic history ending yesterday (120 days
here, to stay quick), today's cards scraped from the demo site over real HTTP at a frozen clock, then the race-card
mart. The acceptance bar: at least 80 % of today's non-scratched runners have earlier starts and a 365-day jockey win
rate, and each runner's start count is exactly what the generator ran for that horse in the window.

"Today" is a Saturday no other module scrapes (their cards and stored pages are counted per day). Afterwards the module
puts the shared database back as it found it: later modules assert their synthetic rows lie in their own windows, and
an incremental mart that already exists is built only for the window asked for, so the marts this module created are
dropped again (a first build is always a full one) and any that existed are rebuilt without the removed rows.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingestion.gated_load import load_history_window
from ingestion.racecards.demo_site import DemoSite, day_batch, meeting
from ingestion.racecards.pages import ensure_racecard_tables
from ingestion.racecards.pipeline import load_card
from ingestion.sources.synthetic import SyntheticSource
from ingestion.sources.synthetic.source import DEFAULT_TRACKS
from orchestration.defs.racecards.resources import RaceCardSiteResource
from tests.dbt_build import dbt_build as build

pytestmark = pytest.mark.integration

SEED, TRACKS = 7, ("BEL", "SA")
TODAY = date(2026, 7, 18)  # a Saturday: BEL and SA both race
HISTORY = (TODAY - timedelta(days=120), TODAY - timedelta(days=1))
NOW = datetime.combine(TODAY, time(17, 30), tzinfo=timezone.utc)  # BEL is racing, SA not yet: some scratches shown


def dbt_build(target: str, *args: str) -> None:
    build(target, "--select", "+path:models/staging/racecards", "+path:models/marts/racecards",
          "--indirect-selection", "cautious", *args)


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def relations(engine) -> set[tuple[str, str, str]]:
    """(schema, name, kind) of every table and view dbt may build (everything outside the loaders' schemas)."""
    return set(rows(engine, "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN "
                            "('pg_catalog', 'information_schema', 'pg_toast', 'raw', 'quarantine', 'ops')"))


def cleanup(engine, created: set[tuple[str, str, str]]) -> None:
    with engine.begin() as conn:
        for schema, name, kind in sorted(created, key=lambda r: r[2] != "v"):  # views first
            conn.execute(sa.text(f'DROP {"VIEW" if kind == "v" else "TABLE"} IF EXISTS "{schema}"."{name}" CASCADE'))
        for schema in ("raw", "quarantine"):
            for table in ("races", "runners", "dividends"):
                conn.execute(sa.text(f"DELETE FROM {schema}.{table} WHERE _source = 'synthetic' "
                                     "AND _partition BETWEEN :a AND :b"), {"a": HISTORY[0], "b": HISTORY[1]})
            for table in ("card_races", "card_runners"):
                conn.execute(sa.text(f"DELETE FROM {schema}.{table} WHERE _source = 'demo' AND _partition = :d"),
                             {"d": TODAY})
        conn.execute(sa.text("DELETE FROM raw.racecard_pages WHERE race_date = :d"), {"d": TODAY})


# Card entries of two races run yesterday, loaded with today's partition (so marts.race_cards, from today on, ignores
# them; the dims do not): a horse, jockey and trainer no result has seen, entered twice; and a different horse
# answering to a name the history already knows.
NEW_HORSE, TWIN_HORSE, NEW_JOCKEY, NEW_TRAINER = "IDTEST-NEW", "IDTEST-TWIN", "Nobody  Newman", "Tess New-Trainer"
CARD_DAY = TODAY - timedelta(days=1)


def add_unknown_card_entries(engine) -> None:
    with engine.begin() as conn:
        known = conn.execute(sa.text("SELECT horse_name FROM raw.runners WHERE _source = 'synthetic' "
                                     "ORDER BY horse_id LIMIT 1")).scalar_one()
        for number, race_id in enumerate(("idtest-1", "idtest-2"), start=1):
            conn.execute(sa.text(
                "INSERT INTO raw.card_races (_source, _partition, _scope, _loaded_at, _run_id, race_id, race_date, "
                "track_code, race_number, post_time, distance, distance_unit, surface, going, purse, currency, "
                "runner_count, fetched_at) VALUES ('demo', :d, 'IDTEST', now(), 'test-demo-identity', :r, :day, "
                "'IDT', :n, :post, 1200, 'm', 'dirt', 'fast', 10000, 'USD', 2, now())"),
                {"d": TODAY, "r": race_id, "day": CARD_DAY, "n": number,
                 "post": datetime.combine(CARD_DAY, time(18, number), tzinfo=timezone.utc)})
        for race_id, number, horse_id, name in (("idtest-1", 1, NEW_HORSE, "Brand New Identity"),
                                                ("idtest-2", 1, NEW_HORSE, "Brand New Identity"),
                                                ("idtest-1", 2, TWIN_HORSE, known)):
            conn.execute(sa.text(
                "INSERT INTO raw.card_runners (_source, _partition, _scope, _loaded_at, _run_id, race_id, race_date, "
                "horse_number, horse_id, horse_name, horse_age, jockey_name, trainer_name, fetched_at) VALUES "
                "('demo', :d, 'IDTEST', now(), 'test-demo-identity', :r, :day, :n, :h, :name, 4, :j, :t, now())"),
                {"d": TODAY, "day": CARD_DAY, "r": race_id, "n": number, "h": horse_id, "name": name, "j": NEW_JOCKEY, "t": NEW_TRAINER})


@pytest.fixture(scope="module")
def mart(runtime_env, engine, tmp_path_factory):
    ensure_racecard_tables(engine)
    source = SyntheticSource(seed=SEED, start=HISTORY[0], end=HISTORY[1], tracks=DEFAULT_TRACKS)
    load_history_window(engine, [source], *HISTORY, run_id="test-demo-identity")
    site = DemoSite(seed=SEED, clock=lambda: NOW)
    base_url = site.start()
    try:
        resource = RaceCardSiteResource(base_url=base_url, min_delay_s=0.0, max_attempts=1)
        for track in TRACKS:
            load_card(engine, resource.fetcher(engine), base_url, "demo", track, TODAY, run_id="test-demo-identity")
    finally:
        site.stop()
    add_unknown_card_entries(engine)
    target = str(tmp_path_factory.mktemp("dbt-target"))
    before = relations(engine)
    dbt_build(target, "--vars", f'{{"race_cards_min_date": "{TODAY.isoformat()}"}}')
    results = json.loads((Path(target) / "run_results.json").read_text())["results"]
    models = {r["unique_id"].rsplit(".", 1)[-1] for r in results if r["unique_id"].startswith("model.")}
    created = relations(engine) - before
    yield source.read(*HISTORY)
    cleanup(engine, created)
    if any(name in models for _, name, _ in before):
        dbt_build(target)  # no window vars: the incremental facts that existed drop the removed rows too


def test_todays_cards_have_form_and_connections_from_the_history(mart, engine):
    truth = {t: meeting(SEED, t, TODAY) for t in TRACKS}
    for track, m in truth.items():
        got = rows(engine, "SELECT count(*), count(*) FILTER (WHERE scratched), count(*) FILTER (WHERE NOT scratched "
                           "AND starts > 0), count(*) FILTER (WHERE NOT scratched AND jockey_win_rate_365d IS NOT NULL)"
                           ", count(*) FILTER (WHERE NOT scratched AND trainer_win_rate_365d IS NOT NULL) "
                           "FROM marts.race_cards WHERE source = 'demo' AND track_code = :t AND race_date = :d",
                   t=track, d=TODAY)[0]
        total, scratched, with_starts, with_jockey, with_trainer = got
        shown = sum(m.scratch_shown(r, m.post_of(r["race_id"]), NOW) for _, r in m.runners.iterrows())
        assert (total, scratched) == (len(day_batch(SEED, track, TODAY).runners), shown)
        running = total - scratched
        print(f"{track} {TODAY}: {running} runners, starts>0 {with_starts / running:.1%}, "
              f"jockey rate {with_jockey / running:.1%}, trainer rate {with_trainer / running:.1%}")
        assert with_starts >= 0.8 * running
        assert with_jockey >= 0.8 * running
        assert with_trainer >= 0.8 * running


def test_start_counts_are_the_generators_starts_in_the_window(mart, engine):
    history = mart.runners
    started = history[history["finish_position"].notna() | history["status"].isin(["dnf", "disqualified"])]
    expected = started.groupby("horse_id").size()
    got = dict(rows(engine, "SELECT horse_id, starts FROM marts.race_cards WHERE source = 'demo' AND race_date = :d",
                    d=TODAY))
    assert len(got) == sum(len(day_batch(SEED, t, TODAY).runners) for t in TRACKS)
    # other modules of the session may have loaded more of the same generator's history (other windows; demo results
    # of other days): those starts count too, each race once per identity group, as the mart counts them
    elsewhere = dict(rows(engine, "SELECT horse_id, count(DISTINCT race_id) FROM raw.runners WHERE _source IN "
                                  "('synthetic', 'demo') AND race_date < :d AND race_date NOT BETWEEN :a AND :b "
                                  "AND (finish_position IS NOT NULL OR lower(trim(status)) IN ('dnf', 'disqualified')) "
                                  "GROUP BY horse_id", d=TODAY, a=HISTORY[0], b=HISTORY[1]))
    assert got == {h: int(expected.get(h, 0)) + elsewhere.get(h, 0) for h in got}


def test_card_entries_resolve_to_the_history_dims_and_new_names_get_rows(mart, engine):
    # today's card horses are the synthetic history's horses: one dim row each, never a card-only duplicate
    card_horses = {h for (h,) in rows(engine, "SELECT DISTINCT horse_id FROM raw.card_runners WHERE _source = 'demo' "
                                              "AND _partition = :d AND _scope <> 'IDTEST'", d=TODAY)}
    with_history = {h for (h,) in rows(engine, "SELECT DISTINCT horse_id FROM raw.runners WHERE _source = 'synthetic'")}
    resolved = dict(rows(engine, "SELECT horse_id, horse_key FROM marts.dim_horses WHERE has_results "
                                 "AND source = 'synthetic' AND first_seen_on_card <= :d AND card_entries > 0", d=TODAY))
    assert len(card_horses & with_history) >= 0.8 * len(card_horses)
    assert {h: f"synthetic:{h}" for h in card_horses & with_history} == {h: resolved[h] for h in card_horses & with_history}
    # marts.race_cards points at the same row
    mapped = dict(rows(engine, "SELECT horse_id, dim_horse_key FROM marts.race_cards WHERE source = 'demo' "
                               "AND race_date = :d", d=TODAY))
    assert {h: mapped[h] for h in card_horses & with_history} == {h: resolved[h] for h in card_horses & with_history}
    duplicates = rows(engine, "SELECT horse_key FROM marts.dim_horses d WHERE NOT has_results AND EXISTS ("
                              "SELECT 1 FROM raw.runners r WHERE r._source IN ('synthetic', 'demo') "
                              "AND r.horse_id = d.horse_id)")
    assert duplicates == []
    # a horse only on cards: one row, no results yet, both card entries counted
    new = rows(engine, "SELECT horse_key, has_results, race_entries, first_seen_on_card, card_entries, horse_name "
                       "FROM marts.dim_horses WHERE horse_id = :h", h=NEW_HORSE)
    assert new == [(f"demo:{NEW_HORSE}", False, 0, CARD_DAY, 2, "Brand New Identity")]
    # same name as a history horse, different id: a different horse
    twin = rows(engine, "SELECT horse_key, has_results FROM marts.dim_horses WHERE horse_id = :h",
                h=TWIN_HORSE)
    assert twin == [(f"demo:{TWIN_HORSE}", False)]
    namesakes = rows(engine, "SELECT count(*) FROM marts.dim_horses WHERE lower(horse_name) = (SELECT lower(horse_name) "
                             "FROM marts.dim_horses WHERE horse_id = :h)", h=TWIN_HORSE)[0][0]
    assert namesakes >= 2
    # people: names resolve to the history's rows; a new name gets one row keyed by its normalized name
    for who, new_name in (("jockey", NEW_JOCKEY), ("trainer", NEW_TRAINER)):
        unresolved = rows(engine, f"SELECT DISTINCT c.{who}_name FROM raw.card_runners c WHERE c._source = 'demo' "
                                  f"AND c._partition = :d AND c._scope <> 'IDTEST' AND c.{who}_name IS NOT NULL "
                                  f"AND NOT EXISTS (SELECT 1 FROM marts.dim_{who}s d WHERE d.has_results "
                                  f"AND d.source IN ('synthetic', 'demo') AND d.card_entries > 0 "
                                  f"AND lower(d.{who}_name) = lower(c.{who}_name))", d=TODAY)
        assert unresolved == [], who
        assert rows(engine, f"SELECT count(*) FROM marts.dim_{who}s d WHERE NOT has_results AND EXISTS (SELECT 1 FROM "
                            f"raw.runners r WHERE r._source IN ('synthetic', 'demo') "
                            f"AND lower(r.{who}_name) = lower(d.{who}_name))")[0][0] == 0, who
        normalized = " ".join(new_name.split())
        got = rows(engine, f"SELECT {who}_key, {who}_id, has_results, card_entries, first_seen_on_card "
                           f"FROM marts.dim_{who}s WHERE lower({who}_name) = lower(:n)", n=normalized)
        assert got == [(f"demo:name:{normalized.lower()}", None, False, 3, CARD_DAY)], who
