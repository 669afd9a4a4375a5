"""The warehouse rows of one replayed market: the market and its runners as the final definition settles them.

Kept apart from the replay loop (``reader``) because it runs once per market, not once per update: here clarity
wins over speed. Runner names come from the stream definition when it carries them (PRO files add them only in
later definitions), else from the catalogue sidecar Betfair ships beside the file.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from backtests.betting.exchange_book import dec
from ingestion.exchange.schema import EXCHANGE_MARKETS, EXCHANGE_RUNNERS, SPORTS, MarketRecord
from ingestion.exchange.snapshots import EPOCH, utc_ms


def parse_time(text: str | None) -> datetime | None:
    """Betfair's ISO instants ("2022-04-19T18:26:00.000Z") as tz-aware UTC datetimes."""
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def time_ms(text: str) -> int:
    """An ISO instant as epoch milliseconds, exactly (the unit of ``pt``)."""
    return (parse_time(text) - EPOCH) // timedelta(milliseconds=1)


def catalogue_for(catalogue: dict | list | None, market_id: str) -> dict:
    """The catalogue entry of ``market_id`` (a sidecar may hold one market or a list of them), else {}."""
    entries = catalogue if isinstance(catalogue, list) else [catalogue] if catalogue else []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("marketId", market_id) == market_id:
            return entry
    return {}


def counts_as_winner(status: str | None, market_type: str | None) -> bool:
    """WINNER everywhere; PLACED too in a PLACE market, where being placed is what wins the bet.

    The real Sheffield PLACE file (1.197931751, numberOfWinners 2) marks both placed dogs WINNER, not PLACED;
    PLACED shows up in EACH_WAY-style markets, where it does not win the win part, so it is not counted there.
    """
    return status == "WINNER" or (status == "PLACED" and market_type == "PLACE")


def build_record(state, catalogue: dict | list | None, source_name: str) -> MarketRecord:
    """The MarketRecord of one market state after its last message (see ``reader._Market``)."""
    d = state.definition
    cat = catalogue_for(catalogue, state.market_id)
    event = cat.get("event") or {}
    cat_names = {r.get("selectionId"): r.get("runnerName") for r in cat.get("runners") or ()}
    market_time = parse_time(d["marketTime"])
    market_date = market_time.date()
    market_type = d.get("marketType")
    event_type_id = str(d.get("eventTypeId")) if d.get("eventTypeId") is not None else None

    runners = []
    for sid, rdef in state.runner_defs.items():
        book = state.book.runners.get(sid)
        runners.append(dict(zip(EXCHANGE_RUNNERS, (
            state.market_id, market_date, sid, state.names.get(sid) or cat_names.get(sid),
            rdef.get("sortPriority"), dec(rdef.get("hc", 0)), rdef.get("status"), dec(rdef.get("adjustmentFactor")),
            parse_time(rdef.get("removalDate")), dec(rdef.get("bsp")), dec(state.ltp_pre.get(sid)),
            dec(book.ltp if book else None), dec(book.traded_volume() if book else None)))))
    volumes = [r["total_matched"] for r in runners if r["total_matched"] is not None]

    market = dict(zip(EXCHANGE_MARKETS, (
        state.market_id, market_date, d.get("eventId") or event.get("id"), event_type_id,
        SPORTS.get(event_type_id, f"other:{event_type_id}"), d.get("eventName") or event.get("name"),
        d.get("name") or cat.get("marketName"), market_type, d.get("venue") or event.get("venue"),
        d.get("countryCode") or event.get("countryCode"), d.get("timezone") or event.get("timezone"),
        market_time, parse_time(d.get("openDate") or event.get("openDate")), d.get("numberOfWinners"),
        dec(d.get("marketBaseRate")), d.get("bspMarket"), d.get("bspReconciled"), d.get("turnInPlayEnabled"),
        d.get("status"), utc_ms(state.went_in_play_pt) if state.went_in_play_pt is not None else None,
        utc_ms(state.closed_pt) if state.closed_pt is not None else None,
        len(runners), sum(r["status"] != "REMOVED" for r in runners),
        sum(counts_as_winner(r["status"], market_type) for r in runners),
        sum(volumes, Decimal(0)) if volumes else None,
        utc_ms(state.first_pt), utc_ms(state.last_pt), state.updates, source_name)))

    prices = state.snapshots.rows()
    for row in prices:
        row["market_date"] = market_date
    return MarketRecord(market=market, runners=runners, prices=prices)
