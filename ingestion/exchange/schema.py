"""The shape of Betfair Exchange history in the warehouse: three raw tables and the records the stream reader yields.

The stream files (one ``mcm`` JSON message per line) stay the source of truth for replay; the warehouse keeps what
analysis queries: one row per market, one per (market, runner) with its settled result, and price *snapshots* per
runner at a schedule around the scheduled off (see ``ingestion.exchange.snapshots``), never every update.

Conventions:
- ``market_id`` is Betfair's ("1.197931750"); ``selection_id`` the runner's integer id.
- Prices, sizes, volumes, BSP and commission are ``decimal.Decimal`` (or None), never floats.
- Timestamps are timezone-aware UTC ``datetime``; ``pt`` (publish time, epoch ms) is converted on read.
- ``market_date`` (the partition) is the UTC date of ``market_time``, the scheduled off.
- ``offset_seconds`` of a snapshot is its instant minus ``market_time`` (negative before the scheduled off).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Betfair eventTypeId -> the sport name paddock's marts use.
SPORTS: dict[str, str] = {"7": "horse_racing", "4339": "greyhound_racing"}

# column -> PostgreSQL type, in COPY order.
EXCHANGE_MARKETS: dict[str, str] = {
    "market_id": "text",
    "market_date": "date",
    "event_id": "text",
    "event_type_id": "text",
    "sport": "text",  # SPORTS value, else 'other:<eventTypeId>'
    "event_name": "text",
    "market_name": "text",
    "market_type": "text",  # WIN, PLACE, MATCH_ODDS, ...
    "venue": "text",
    "country_code": "text",
    "timezone": "text",
    "market_time": "timestamptz",  # scheduled off
    "open_date": "timestamptz",
    "number_of_winners": "integer",
    "market_base_rate": "numeric",  # commission, percent
    "bsp_market": "boolean",
    "bsp_reconciled": "boolean",
    "turn_in_play_enabled": "boolean",
    "status": "text",  # last status seen: OPEN / SUSPENDED / CLOSED
    "went_in_play_at": "timestamptz",  # first message with inPlay true (null when never)
    "closed_at": "timestamptz",  # first message with status CLOSED
    "runner_count": "integer",  # runners in the final definition, REMOVED included
    "active_runner_count": "integer",  # runners not REMOVED at the end
    "winner_count": "integer",  # runners with status WINNER (PLACED counts for place markets, see reader)
    "total_matched": "numeric",  # sum of the runners' last traded volume
    "first_published_at": "timestamptz",
    "last_published_at": "timestamptz",
    "updates": "integer",  # mcm messages replayed for this market
    "source_file": "text",  # file (and archive member) the market was read from
}

EXCHANGE_RUNNERS: dict[str, str] = {
    "market_id": "text",
    "market_date": "date",
    "selection_id": "bigint",
    "runner_name": "text",  # stream definition name, else the catalogue's runnerName, else null
    "sort_priority": "integer",  # trap / cloth order
    "handicap": "numeric",
    "status": "text",  # ACTIVE / WINNER / LOSER / PLACED / REMOVED (final)
    "adjustment_factor": "numeric",
    "removal_date": "timestamptz",
    "bsp": "numeric",
    "last_traded_price": "numeric",  # last ltp before the market went in play or closed
    "last_traded_price_final": "numeric",  # last ltp of the file (in play included)
    "total_matched": "numeric",  # the runner's last traded volume (tv, or the sum of trd)
}

EXCHANGE_PRICES: dict[str, str] = {
    "market_id": "text",
    "market_date": "date",
    "selection_id": "bigint",
    "snapshot_kind": "text",  # 'scheduled' | 'last_pre_off' | 'in_play'
    "snapshot_at": "timestamptz",  # the instant the book is taken at (scheduled) or published (others)
    "offset_seconds": "integer",  # snapshot_at - market_time
    "in_play": "boolean",
    "market_status": "text",
    **{f"{side}_{level}_{part}": "numeric"
       for side in ("back", "lay") for level in (1, 2, 3) for part in ("price", "size")},
    "last_traded_price": "numeric",
    "traded_volume": "numeric",
    "spn": "numeric",  # projected BSP, near side
    "spf": "numeric",  # projected BSP, far side
    "in_play_min_price": "numeric",  # in_play rows: lowest and highest ltp traded in play
    "in_play_max_price": "numeric",
}

EXCHANGE_TABLES: dict[str, dict[str, str]] = {
    "exchange_markets": EXCHANGE_MARKETS,
    "exchange_runners": EXCHANGE_RUNNERS,
    "exchange_prices": EXCHANGE_PRICES,
}


@dataclass
class MarketRecord:
    """Everything the warehouse keeps of one market after its file was replayed: rows keyed by the table columns."""

    market: dict
    runners: list[dict] = field(default_factory=list)
    prices: list[dict] = field(default_factory=list)

    @property
    def market_id(self) -> str:
        return self.market["market_id"]
