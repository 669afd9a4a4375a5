"""Bookmaker odds from The Odds API (or its local simulator): polled snapshots, and scores that end the polling.

One multi-asset writes events, raw snapshots and normalized odds because one /odds response yields all three and
storage writes them in one transaction. The polling sensor launches it with a Config naming the sport, the tier and
the due events; run by hand with an empty Config it fetches every configured sport.
"""
from datetime import date

import dagster as dg

from ingestion.clock import utcnow
from ingestion.http.records import redact_text
from ingestion.odds_api.lifecycle import mark_cancelled
from ingestion.odds_api.polling import poll_sports
from ingestion.odds_api.storage import store_scores
from ingestion.racecards.tote_odds import TotePoll, poll_tote
from quality.gate import GateFailure
from orchestration.defs.odds.checks import odds_gate_result, odds_gate_spec
from orchestration.defs.odds.resources import OddsApiResource, OddsPollingResource
from orchestration.defs.racecards.resources import RaceCardSiteResource
from orchestration.defs.warehouse.resources import WarehouseResource

DESCRIPTIONS = {
    "events": "One row per sporting event seen in The Odds API, with its status and scores. Grain: id.",
    "odds_snapshots": "The API's JSON for one event in one fetch, with the fetch tier. Grain: snapshot_id.",
    "odds": "One price per (snapshot, bookmaker, market, outcome) that passed the odds suite's hard rules; soft "
            "failures are noted in validation_notes, rejected prices are in quarantine.odds with reasons.",
}


class OddsPollConfig(dg.Config):
    """What one poll fetches; the sensors fill it, and the defaults poll every configured sport.

    ``tote_races`` (race ids of one track and day) switches the poll to the race-card site's tote boards."""

    sports: list[str] = []
    tier: str = "manual"
    event_ids: list[str] = []
    tote_track: str = ""
    tote_date: str = ""
    tote_races: list[str] = []


class OddsScoresConfig(dg.Config):
    """Sports to settle; empty means every configured sport (the sweep), the after-start sensor names one."""

    sports: list[str] = []


def request_prefix(context: dg.AssetExecutionContext) -> str:
    """Stable across re-executions of the same poll (run key, else the root run), so reloading replaces its rows."""
    run = context.run
    return run.tags.get("dagster/run_key") or run.root_run_id or run.run_id


@dg.multi_asset(
    name="odds_snapshots",
    specs=[
        dg.AssetSpec(["raw", table], group_name="odds", description=text, kinds={"postgres"})
        for table, text in DESCRIPTIONS.items()
    ],
    check_specs=[odds_gate_spec()],
)
def odds_snapshots(
    context: dg.AssetExecutionContext, config: OddsPollConfig, warehouse: WarehouseResource,
    odds_api: OddsApiResource, odds_polling: OddsPollingResource, racecard_site: RaceCardSiteResource,
):
    engine = warehouse.ready_engine()
    if config.tote_races:
        yield from _tote_poll(context, config, engine, racecard_site)
        return
    sports = config.sports or odds_polling.sport_list()
    client = odds_api.client(engine)
    try:
        report = poll_sports(
            client, engine, sports, request_prefix=request_prefix(context), event_ids=config.event_ids,
            regions=odds_polling.region_list(), markets=odds_polling.market_list(),
            odds_format=odds_polling.odds_format, log=context.log.info,
        )
    finally:
        client.close()
    failed = {sport: r["error"] for sport, r in report.items() if "error" in r}
    if failed and len(failed) == len(report):
        raise dg.Failure(description=f"every sport failed: {failed}",
                         metadata={"errors": dg.MetadataValue.json(failed)})
    ok = [r for r in report.values() if "error" not in r]
    total = {k: sum(r[k] for r in ok) for k in ("events", "odds_snapshots", "odds", "quarantined_odds",
                                                "flagged_odds")}
    remaining = [r["quota_remaining"] for r in ok if r.get("quota_remaining") is not None]
    common = {
        "tier": config.tier, "sports": ", ".join(sports), "requested_events": len(config.event_ids),
        "failed_sports": dg.MetadataValue.json(failed),
        "quota_remaining": dg.MetadataValue.int(min(remaining)) if remaining else dg.MetadataValue.text("unknown"),
    }
    if failed:
        context.log.warning(f"{len(failed)} of {len(report)} sport(s) failed: {sorted(failed)}")
    for table in DESCRIPTIONS:
        yield dg.MaterializeResult(
            asset_key=["raw", table], metadata={**common, "rows_written": dg.MetadataValue.int(total[table]), **(
                {"quarantined_rows": total["quarantined_odds"], "rows_with_soft_notes": total["flagged_odds"]}
                if table == "odds" else {})},
            check_results=[odds_gate_result(report)] if table == "odds" else None,
        )


def _tote_poll(context: dg.AssetExecutionContext, config: OddsPollConfig, engine, site: RaceCardSiteResource):
    """Tote boards of one track and day (ingestion.racecards.tote_odds), reported like a bookmaker poll."""
    poll = TotePoll(config.tier, config.tote_track, date.fromisoformat(config.tote_date), tuple(config.tote_races),
                    request_prefix(context))
    fetcher = site.fetcher(engine)
    try:
        stored = poll_tote(engine, fetcher, site.url(), site.site, poll, utcnow, request_prefix(context))
    except GateFailure as exc:
        raise dg.Failure(description=str(exc)) from exc
    finally:
        fetcher.close()
    report = {"horseracing": {**stored.written, "gate": stored.gate.gate.summary}}
    common = {"tier": config.tier, "track": config.tote_track, "races": ", ".join(config.tote_races)}
    for table in DESCRIPTIONS:
        yield dg.MaterializeResult(
            asset_key=["raw", table], metadata={**common, "rows_written": dg.MetadataValue.int(stored.written[table])},
            check_results=[odds_gate_result(report)] if table == "odds" else None,
        )


@dg.asset(
    key=["raw", "odds_scores"], group_name="odds", kinds={"postgres"}, deps=[dg.AssetKey(["raw", "events"])],
    description="Live/final status and scores of raw.events from /scores; once live or final an event is no longer "
                "polled. Events that vanish from /scores after their start are marked cancelled.",
)
def odds_scores(
    context: dg.AssetExecutionContext, config: OddsScoresConfig, warehouse: WarehouseResource,
    odds_api: OddsApiResource, odds_polling: OddsPollingResource,
) -> dg.MaterializeResult:
    engine = warehouse.ready_engine()
    client = odds_api.client(engine)
    sports = config.sports or odds_polling.sport_list()
    updated, cancelled, failed = 0, 0, {}
    try:
        for sport in sports:
            try:  # one sport's outage must not keep the others' events polled after they started
                result = client.scores(sport, days_from=odds_polling.scores_days_from)
                updated += store_scores(engine, result.data)
                seen = [str(e.get("id")) for e in result.data if isinstance(e, dict)]
                cancelled += mark_cancelled(engine, sport, seen, utcnow(),
                                            days_from=odds_polling.scores_days_from)
            except Exception as exc:  # noqa: BLE001 - reported below, run fails only if every sport failed
                failed[sport] = redact_text(f"{type(exc).__name__}: {exc}")
                context.log.warning(f"scores for {sport} failed: {failed[sport]}")
    finally:
        client.close()
    if failed and len(failed) == len(sports):
        raise dg.Failure(description=f"scores failed for every sport: {failed}")
    return dg.MaterializeResult(metadata={
        "sports": ", ".join(sports), "events_updated": dg.MetadataValue.int(updated),
        "events_cancelled": dg.MetadataValue.int(cancelled),
        "failed_sports": dg.MetadataValue.json(failed),
    })
