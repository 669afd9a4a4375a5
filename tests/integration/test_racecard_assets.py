"""Race-card and results assets end to end: demo site over real HTTP (frozen clock) -> gate -> raw -> dbt mart.

Each materialization is one partition (race date x track), as the schedules and sensor launch them.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from ingestion.racecards.demo_site import DemoSite, day_batch
from ingestion.racecards.pages import ensure_racecard_tables
from orchestration.defs.racecards.assets import race_cards, race_results
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.warehouse.resources import WarehouseResource
from tests.dbt_build import dbt_build
from tests.raw_checksum import partition_checksum

pytestmark = pytest.mark.integration

SEED = 7
DAY, PREVIOUS = date(2026, 6, 21), date(2026, 6, 20)  # BEL races Thursday to Sunday: a Saturday and a Sunday
BROKEN_TRACK, BROKEN_DAY = "SA", date(2026, 6, 14)


class FaultySite(DemoSite):
    """The demo site with SA's card broken: the first runner's horse name cell is empty (a required field)."""

    def respond(self, path: str):
        status, content_type, body = super().respond(path)
        if path.startswith(f"/cards/{BROKEN_TRACK}/"):
            body = re.sub(r'<td class="horse">.*?</td>', '<td class="horse"></td>', body, count=1)
        return status, content_type, body


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def card_checksum(engine, table: str, track: str, day: date) -> tuple[int, str]:
    sql = (f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM "
           f"(SELECT race_id, race_date, horse_id, horse_number, scratched, jockey_name FROM raw.{table}) t "
           if table == "card_runners" else
           f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM "
           f"(SELECT race_id, race_date, post_time, distance, surface, runner_count FROM raw.{table}) t ")
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(sql.replace("raw." + table, f"raw.{table} WHERE _source = 'demo' AND "
                                                      "_partition = :d AND _scope = :t")), {"d": day, "t": track}).one())


@pytest.fixture(scope="module")
def world(runtime_env, engine):
    ensure_racecard_tables(engine)
    last_post = day_batch(SEED, "BEL", DAY).races["post_time"].max().to_pydatetime()
    site = FaultySite(seed=SEED, clock=lambda: last_post + timedelta(minutes=20))
    base_url = site.start()
    resources = {"warehouse": WarehouseResource(database_url=runtime_env["DATABASE_URL"]),
                 "racecard_site": RaceCardSiteResource(base_url=base_url, min_delay_s=0.0, max_attempts=1)}
    yield {"site": site, "resources": resources, "instance": dg.DagsterInstance.ephemeral()}
    site.stop()


def materialize(world, asset, key: str, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize([asset], partition_key=key, resources=kwargs.pop("resources", world["resources"]),
                          instance=world["instance"], raise_on_error=False, **kwargs)


def test_card_and_results_land_exactly_and_rematerializing_never_duplicates(world, engine):
    truth = day_batch(SEED, "BEL", DAY)
    key = f"{DAY.isoformat()}|BEL"
    for asset in (race_cards, race_results):
        result = materialize(world, asset, key)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        assert all(c.passed for c in result.get_asset_check_evaluations())
    assert card_checksum(engine, "card_races", "BEL", DAY)[0] == len(truth.races)
    assert card_checksum(engine, "card_runners", "BEL", DAY)[0] == len(truth.runners)
    assert scalar(engine, "SELECT count(*) FROM raw.card_runners WHERE _source = 'demo' AND _scope = 'BEL' "
                          "AND _partition = :d AND scratched", d=DAY) == (truth.runners["status"] == "scratched").sum()
    for table, frame in (("races", truth.races), ("runners", truth.runners), ("dividends", truth.dividends)):
        assert partition_checksum(engine, table, "demo", DAY, DAY)[0] == len(frame) > 0, table
    before = {t: card_checksum(engine, t, "BEL", DAY) for t in ("card_races", "card_runners")}
    before |= {t: partition_checksum(engine, t, "demo", DAY, DAY) for t in ("races", "runners", "dividends")}

    for asset in (race_cards, race_results):
        assert materialize(world, asset, key).success
    after = {t: card_checksum(engine, t, "BEL", DAY) for t in ("card_races", "card_runners")}
    after |= {t: partition_checksum(engine, t, "demo", DAY, DAY) for t in ("races", "runners", "dividends")}
    assert after == before
    # one stored version per page: the same body fetched twice is kept once
    assert scalar(engine, "SELECT count(*) FROM raw.racecard_pages WHERE track_code = 'BEL' AND race_date = :d",
                  d=DAY) == 2


def test_replay_reparses_the_stored_page_without_fetching(world, engine):
    key = f"{DAY.isoformat()}|BEL"
    assert materialize(world, race_cards, key).success
    before = card_checksum(engine, "card_runners", "BEL", DAY)
    offline = {**world["resources"], "racecard_site": RaceCardSiteResource(base_url="http://127.0.0.1:9",
                                                                           max_attempts=1)}
    result = materialize(world, race_cards, key, resources=offline,
                         run_config={"ops": {"race_cards": {"config": {"replay_stored": True}}}})
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert card_checksum(engine, "card_runners", "BEL", DAY) == before


def test_a_malformed_page_fails_only_its_partition_and_the_fetch_log_says_why(world, engine):
    good = materialize(world, race_cards, f"{PREVIOUS.isoformat()}|BEL")
    bad = materialize(world, race_cards, f"{BROKEN_DAY.isoformat()}|{BROKEN_TRACK}")
    assert good.success and not bad.success
    messages = " ".join(str(e.event_specific_data.error) for e in bad.all_events if e.is_step_failure)
    assert "MissingField" in messages and "'race 1 horse'" in messages
    assert card_checksum(engine, "card_runners", BROKEN_TRACK, BROKEN_DAY)[0] == 0
    assert card_checksum(engine, "card_runners", "BEL", PREVIOUS)[0] == len(day_batch(SEED, "BEL", PREVIOUS).runners)
    logged = scalar(engine, "SELECT error FROM ops.fetch_log WHERE url LIKE :u AND error IS NOT NULL "
                            "ORDER BY id DESC LIMIT 1", u=f"%/cards/{BROKEN_TRACK}/{BROKEN_DAY.isoformat()}")
    assert "MissingField" in logged and "race 1 horse" in logged


def test_race_cards_mart_builds_with_form_and_connections(world, engine, tmp_path):
    # results of the day before give the next day's jockeys and trainers a 365-day record; the day's own results
    # (loaded here too, whatever ran before: re-materializing changes nothing) are what its card horses resolve to
    for asset, day in ((race_results, PREVIOUS), (race_results, DAY), (race_cards, DAY)):
        assert materialize(world, asset, f"{day.isoformat()}|BEL").success
    target = str(tmp_path / "dbt-target")
    dbt_build(target, "--select", "+path:models/staging/racecards", "+path:models/marts/racecards",
              "--indirect-selection", "cautious", "--vars", f'{{"race_cards_min_date": "{DAY.isoformat()}"}}')
    truth = day_batch(SEED, "BEL", DAY)
    assert scalar(engine, "SELECT count(*) FROM marts.race_cards WHERE source = 'demo' AND track_code = 'BEL' "
                          "AND race_date = :d", d=DAY) == len(truth.runners)
    assert scalar(engine, "SELECT count(*) FROM marts.race_cards WHERE race_date = :d AND jockey_starts_365d > 0 "
                          "AND trainer_starts_365d > 0", d=DAY) > 0
    assert scalar(engine, "SELECT count(DISTINCT identity_group) FROM marts.race_cards WHERE race_date = :d", d=DAY) == 1
    # identity: the day's card horses ran that day (its results loaded above), so each resolves to its result row in the
    # dim and none gets a card-only duplicate (README "Identity")
    assert scalar(engine, "SELECT count(DISTINCT c.horse_id) FROM raw.card_runners c WHERE c._source = 'demo' "
                          "AND c._partition = :d AND c._scope = 'BEL' AND NOT EXISTS (SELECT 1 FROM marts.dim_horses h "
                          "WHERE h.horse_id = c.horse_id AND h.has_results AND h.card_entries > 0 "
                          "AND h.first_seen_on_card IS NOT NULL)", d=DAY) == 0
    assert scalar(engine, "SELECT count(*) FROM marts.dim_horses h WHERE NOT h.has_results AND EXISTS (SELECT 1 FROM "
                          "raw.runners r WHERE r._source IN ('demo', 'synthetic') AND r.horse_id = h.horse_id)") == 0
