"""Race cards and results per meeting (race date x track), scraped from the configured site.

Each partition is one meeting, so a track whose page is broken fails alone and the UI shows which one. Both assets
replace their partition in one transaction, so re-materializing (the sensor does, three times before first post)
never duplicates rows. ``replay_stored`` re-parses the newest kept page instead of fetching: the way to apply a
parser fix to pages already seen.

``race_results`` writes the #2 raw tables (``raw.races/runners/dividends`` with ``_source`` = site and ``_scope`` =
track). Those keys belong to ``historical_results``, so this asset has its own key; ``fct_runners`` picks the rows
up on its next run of that race date (the daily history job).
"""
import dagster as dg

from ingestion.racecards.pages import CARD_TABLES
from ingestion.racecards.pipeline import MeetingLoad, load_card, load_results
from ingestion.schema import RAW_TABLES
from orchestration.defs.racecards.checks import (
    CARD_KEYS, RESULTS_KEY, card_check_specs, gate_check_result, results_check_specs,
)
from orchestration.defs.racecards.partitions import meeting_of, race_card_partitions
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.warehouse.resources import WarehouseResource

GROUP = "racecards"
DESCRIPTIONS = {
    "card_races": "Races on the published card of one meeting, refreshed until post time. Grain: (_source, race_id).",
    "card_runners": "Entries on the card, scratched ones flagged. Grain: (_source, race_id, horse_number).",
}


class MeetingLoadConfig(dg.Config):
    replay_stored: bool = False  # parse the newest page in raw.racecard_pages instead of fetching


def _metadata(load: MeetingLoad, written_key: str) -> dict:
    return {
        "race_date": load.race_date.isoformat(), "track": load.track, "site": load.site, "url": load.url,
        "meeting_published": load.meeting,
        "rows_published": dg.MetadataValue.int(load.written.get(written_key, 0)),
        "rows_quarantined": dg.MetadataValue.int(load.written.get(f"quarantine.{written_key}", 0)),
    }


@dg.multi_asset(
    name="race_cards",
    specs=[dg.AssetSpec(key, group_name=GROUP, description=DESCRIPTIONS[t], kinds={"postgres"})
           for t, key in CARD_KEYS.items()],
    check_specs=card_check_specs(),
    partitions_def=race_card_partitions,
)
def race_cards(context: dg.AssetExecutionContext, config: MeetingLoadConfig, warehouse: WarehouseResource,
               racecard_site: RaceCardSiteResource):
    day, track = meeting_of(context.partition_key)
    engine = warehouse.ready_engine()
    with racecard_site.fetcher(engine) as fetcher:
        load = load_card(engine, fetcher, racecard_site.url(), racecard_site.site, track, day,
                         run_id=context.run.run_id, replay=config.replay_stored, log=context.log.info)
    for table in CARD_TABLES:
        yield dg.MaterializeResult(asset_key=CARD_KEYS[table], metadata=_metadata(load, table),
                                   check_results=[gate_check_result(CARD_KEYS[table], table, load)])


@dg.asset(
    key=RESULTS_KEY,
    group_name=GROUP,
    description="Official results of one meeting (finish order, times, payouts incl. exotics), loaded into "
                "raw.races/runners/dividends with _source = site and _scope = track.",
    kinds={"postgres"},
    check_specs=results_check_specs(),
    partitions_def=race_card_partitions,
)
def race_results(context: dg.AssetExecutionContext, config: MeetingLoadConfig, warehouse: WarehouseResource,
                 racecard_site: RaceCardSiteResource):
    day, track = meeting_of(context.partition_key)
    engine = warehouse.ready_engine()
    with racecard_site.fetcher(engine) as fetcher:
        load = load_results(engine, fetcher, racecard_site.url(), racecard_site.site, track, day,
                            run_id=context.run.run_id, replay=config.replay_stored, log=context.log.info)
    metadata = {**_metadata(load, "races"), **{
        f"{table}_published": dg.MetadataValue.int(load.written.get(table, 0)) for table in RAW_TABLES}}
    return dg.MaterializeResult(metadata=metadata,
                                check_results=[gate_check_result(RESULTS_KEY, t, load) for t in RAW_TABLES])
